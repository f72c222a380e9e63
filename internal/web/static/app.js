// PlutoPro's small bit of JavaScript. Every page works without it; it adds
// the cookie-notice dismissal, copy buttons, the draft form's field lists
// and htmx error messages.
// Loaded in <head> without defer so the cookie notice never flashes.
(function () {
  "use strict";

  var root = document.documentElement;
  var NOTICE_KEY = "plutopro.cookieNotice";
  root.classList.add("js");
  try {
    if (window.localStorage.getItem(NOTICE_KEY) === "dismissed") {
      root.classList.add("cookie-notice-dismissed");
    }
  } catch (e) {
    // Storage blocked: the notice simply stays visible.
  }

  function flash(message) {
    var el = document.getElementById("flash");
    if (!el) return;
    el.textContent = message;
    el.hidden = false;
    window.clearTimeout(flash.timer);
    flash.timer = window.setTimeout(function () { el.hidden = true; }, 8000);
  }

  document.addEventListener("click", function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (!target) return;

    var dismiss = target.closest("[data-dismiss-cookie-notice]");
    if (dismiss) {
      try { window.localStorage.setItem(NOTICE_KEY, "dismissed"); } catch (e) { /* ignore */ }
      root.classList.add("cookie-notice-dismissed");
      return;
    }

    var copy = target.closest("[data-copy]");
    if (copy) {
      var src = document.querySelector(copy.getAttribute("data-copy"));
      if (!src) return;
      var text = src.textContent.trim();
      var done = function () {
        var label = copy.textContent;
        copy.textContent = "Copied";
        window.setTimeout(function () { copy.textContent = label; }, 2000);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(src); });
      } else {
        selectText(src);
      }
    }
  });

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    flash("Press Ctrl+C (or ⌘C) to copy.");
  }

  // The "Write drafts" form offers every channel's fields; show only the
  // chosen channel's (the server counts only those anyway).
  function syncChannelFields(select) {
    var form = select.form;
    if (!form) return;
    var sets = form.querySelectorAll("[data-channel-fields]");
    for (var i = 0; i < sets.length; i++) {
      sets[i].hidden = sets[i].getAttribute("data-channel-fields") !== select.value;
    }
  }
  document.addEventListener("change", function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (target && target.matches("[data-channel-select]")) syncChannelFields(target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var selects = document.querySelectorAll("[data-channel-select]");
    for (var i = 0; i < selects.length; i++) syncChannelFields(selects[i]);
  });

  // htmx does not swap error responses; the server sends the message as
  // plain text, shown here.
  document.addEventListener("htmx:responseError", function (ev) {
    var xhr = ev.detail && ev.detail.xhr;
    var text = xhr && xhr.responseText && (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0
      ? xhr.responseText : "That did not work. Reload the page and try again.";
    flash(text);
  });
  document.addEventListener("htmx:sendError", function () {
    flash("The server could not be reached. Check your connection and try again.");
  });
})();
