// The review queue's keyboard and live counters. The queue works without
// it: every action is a plain form, and the server shows each count.
//
// Keys (none while typing in a field): j / k select the next / previous
// draft, a approves it, r focuses the rejection reason, e the editor, g the
// regeneration instruction, ? shows the help. Esc leaves a field.
(function () {
  "use strict";

  // Counting as the server does (handle_draft.go, handle_review.go):
  // characters are Unicode code points, bytes UTF-8 bytes.
  var encoder = typeof TextEncoder === "function" ? new TextEncoder() : null;

  function measure(s, unit) {
    if (unit === "bytes") {
      return encoder ? encoder.encode(s).length : unescape(encodeURIComponent(s)).length;
    }
    return Array.from(s).length;
  }

  function amount(n, unit) {
    return n + (unit === "bytes" ? " bytes" : " characters");
  }

  function plural(n, one, many) {
    return n === 1 ? "1 " + one : n + " " + many;
  }

  function num(el, name) {
    var v = parseInt(el.getAttribute(name), 10);
    return isNaN(v) ? 0 : v;
  }

  function setCount(box, which, text, over) {
    var el = box.querySelector('[data-count="' + which + '"]');
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("counter-over", over);
  }

  function updateCounter(ta) {
    var box = document.getElementById(ta.getAttribute("data-counter"));
    if (!box) return;
    var unit = ta.getAttribute("data-unit");
    var maxLen = num(ta, "data-max-len");
    var value = ta.value.replace(/\r\n/g, "\n");
    if (ta.getAttribute("data-kind") !== "list") {
      var n = measure(value.trim(), unit);
      if (maxLen > 0) {
        setCount(box, "main", n + " / " + amount(maxLen, unit), n > maxLen);
      } else {
        setCount(box, "main", amount(n, unit), false);
      }
      return;
    }
    var items = value.split("\n").map(function (l) { return l.trim(); }).filter(function (l) { return l !== ""; });
    var item = ta.getAttribute("data-item") || "item";
    var many = ta.getAttribute("data-items") || item + "s";
    var minItems = num(ta, "data-min-items");
    var maxItems = num(ta, "data-max-items");
    var images = num(ta, "data-images");
    var count = items.length;
    if (images >= 0) {
      setCount(box, "main", count + " / " + images + " " + many + " (one per image)", count !== images);
    } else if (maxItems > 0) {
      setCount(box, "main", count + " / " + maxItems + " " + many, count > maxItems || count < minItems);
    } else {
      setCount(box, "main", plural(count, item, many), count < minItems);
    }
    if (maxLen > 0) {
      var longest = 0;
      items.forEach(function (it) { longest = Math.max(longest, measure(it, unit)); });
      setCount(box, "longest", "longest " + item + ": " + longest + " / " + amount(maxLen, unit), longest > maxLen);
    }
    var maxTotal = num(ta, "data-max-total");
    if (maxTotal > 0) {
      var joined = items.map(function (it) { return it.split(/\s+/).join(" "); }).join(" ");
      var total = measure(joined, unit);
      setCount(box, "total", total + " / " + amount(maxTotal, unit) + " in all", total > maxTotal);
    }
  }

  document.addEventListener("input", function (ev) {
    var t = ev.target;
    if (t instanceof HTMLTextAreaElement && t.hasAttribute("data-counter")) updateCounter(t);
  });

  // Selection: one draft at a time, marked and focused.
  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-review-item]"));
  }

  function selected() {
    return document.querySelector("[data-review-item].is-selected");
  }

  function select(el, scroll) {
    if (!el) return;
    var old = selected();
    if (old && old !== el) {
      old.classList.remove("is-selected");
      old.removeAttribute("aria-current");
    }
    el.classList.add("is-selected");
    el.setAttribute("aria-current", "true");
    el.focus({ preventScroll: !scroll });
    if (scroll) el.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = items();
    if (list.length === 0) return;
    var i = list.indexOf(selected());
    if (i < 0) {
      select(step > 0 ? list[0] : list[list.length - 1], true);
      return;
    }
    select(list[Math.min(list.length - 1, Math.max(0, i + step))], true);
  }

  // Open the <details> holding el (the editor, the instruction), then focus el.
  function reveal(el) {
    if (!el) return;
    var d = el.closest("details");
    if (d) d.open = true;
    el.focus();
    // Start typing at the end of the text, not before it.
    if (typeof el.setSelectionRange === "function" && typeof el.value === "string") {
      el.setSelectionRange(el.value.length, el.value.length);
    }
  }

  function typing(el) {
    if (!(el instanceof Element)) return false;
    return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }

  function help() {
    var d = document.getElementById("review-help");
    if (!d || d.open) return;
    if (typeof d.showModal === "function") {
      d.showModal();
    } else {
      d.setAttribute("open", "");
    }
  }

  // A key that focuses a field (r, e, g) must not also type its letter
  // there: its keypress, which may follow the keydown as its own event, is
  // dropped until the key is released.
  var swallow = null;
  document.addEventListener("keypress", function (ev) {
    if (swallow !== null && ev.key === swallow) {
      ev.preventDefault();
      swallow = null;
    }
  }, true);
  document.addEventListener("keyup", function () { swallow = null; }, true);

  document.addEventListener("keydown", function (ev) {
    if (!document.querySelector("[data-review-queue]")) return;
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var target = ev.target;
    if (ev.key === "Escape" && typing(target)) {
      var owner = target.closest("[data-review-item]");
      if (owner) {
        target.blur();
        select(owner, false);
      }
      return;
    }
    if (typing(target)) return;
    var dialog = document.getElementById("review-help");
    if (dialog && dialog.open) return; // Esc closes it natively
    var item = selected();
    switch (ev.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "?":
        help();
        break;
      case "a":
        if (!item) return;
        var form = item.querySelector("form[data-review-approve]");
        if (!form) return;
        if (typeof form.requestSubmit === "function") form.requestSubmit(); else form.submit();
        break;
      case "r":
        if (!item) return;
        swallow = ev.key;
        reveal(item.querySelector("[data-review-reason]"));
        break;
      case "e":
        if (!item) return;
        swallow = ev.key;
        reveal(item.querySelector("textarea[data-counter]"));
        break;
      case "g":
        if (!item) return;
        swallow = ev.key;
        reveal(item.querySelector("[data-review-instruction]"));
        break;
      default:
        return;
    }
    ev.preventDefault();
  });

  document.addEventListener("click", function (ev) {
    var t = ev.target instanceof Element ? ev.target : null;
    if (!t) return;
    if (t.closest("[data-review-help-open]")) {
      help();
      return;
    }
    var close = t.closest("[data-close-dialog]");
    if (close) {
      var d = close.closest("dialog");
      if (d && typeof d.close === "function") d.close(); else if (d) d.removeAttribute("open");
      return;
    }
    if (t.closest("[data-select-all]")) {
      var boxes = document.querySelectorAll('input[type="checkbox"][form="bulk-approve"]');
      var all = Array.prototype.every.call(boxes, function (b) { return b.checked; });
      Array.prototype.forEach.call(boxes, function (b) { b.checked = !all; });
      return;
    }
    // A click inside a draft selects it, so the keys act on what was clicked.
    var item = t.closest("[data-review-item]");
    if (item && item !== selected()) {
      var old = selected();
      if (old) {
        old.classList.remove("is-selected");
        old.removeAttribute("aria-current");
      }
      item.classList.add("is-selected");
      item.setAttribute("aria-current", "true");
    }
  });

  // After an action the server returns to the draft's anchor (or the next
  // draft's): select it.
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("textarea[data-counter]");
    for (var i = 0; i < boxes.length; i++) updateCounter(boxes[i]);
    var id = window.location.hash.slice(1);
    if (!id) return;
    var el = document.getElementById(id);
    if (el && el.hasAttribute("data-review-item")) select(el, true);
  });
})();
