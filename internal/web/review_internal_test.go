package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/textdiff"
)

func TestDiffHTML(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"same", "Blue mug", "Blue mug", "Blue mug"},
		{"replace a word", "the red cup", "the blue cup", `the <del class="diff-del">red</del> <ins class="diff-ins">blue</ins> cup`},
		{"replace the first word", "A mug", "The mug", `<del class="diff-del">A</del> <ins class="diff-ins">The</ins> mug`},
		{"added punctuation keeps its spacing", "Blue mug", "Blue mug, 350 ml", `Blue mug<ins class="diff-ins">, 350 ml</ins>`},
		{"markup is text", "a <b>", "a <i>", `a &lt;<del class="diff-del">b</del> <ins class="diff-ins">i</ins>&gt;`},
		{"only added", "", "New text", `<ins class="diff-ins">New text</ins>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(diffHTML(textdiff.Words(tt.a, tt.b))); got != tt.want {
				t.Errorf("diffHTML(%q, %q) = %s, want %s", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestReviewFilter(t *testing.T) {
	tests := []struct {
		query string
		want  reviewFilter
		back  string // the filter's own query
	}{
		{"", reviewFilter{Status: "draft"}, ""},
		{"status=any", reviewFilter{}, "status=any"},
		{"status=approved&channel=etsy&field=tags&flagged=1", reviewFilter{Status: "approved", Channel: "etsy", Field: "tags", Flagged: true},
			"channel=etsy&field=tags&flagged=1&status=approved"},
		{"status=nope&channel=ebay&field=price", reviewFilter{Status: "draft"}, ""},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		f := reviewFilterFrom(q)
		if f != tt.want {
			t.Errorf("reviewFilterFrom(%q) = %+v, want %+v", tt.query, f, tt.want)
		}
		if got := f.Query(); got != tt.back {
			t.Errorf("%+v.Query() = %q, want %q", f, got, tt.back)
		}
	}
	if got := reviewURL("b1", reviewFilter{Status: "draft", Field: "title"}, url.Values{"notice": {"draft-approved"}}, "r-x"); got != "/brands/b1/review?field=title&notice=draft-approved#r-x" {
		t.Errorf("reviewURL = %s", got)
	}
}

func TestHistoryChart(t *testing.T) {
	if c := newHistoryChart(nil); c != nil {
		t.Fatalf("chart of no history = %+v, want nil", c)
	}
	c := newHistoryChart([]learn.Point{
		{Reviews: 5, Count: 5, MeanDistance: 0.4, CleanRate: 0.2},
		{Reviews: 10, Count: 5, MeanDistance: 0.1, CleanRate: 0.8},
		{Reviews: 13, Count: 3, MeanDistance: 0, CleanRate: 1},
	})
	var xs []string
	for _, tk := range c.XTicks {
		xs = append(xs, tk.Label)
	}
	if got := strings.Join(xs, ","); got != "0,5,10,15" {
		t.Errorf("x ticks = %s, want 0,5,10,15", got)
	}
	var ys []string
	for _, tk := range c.YTicks {
		ys = append(ys, tk.Label)
	}
	if got := strings.Join(ys, ","); got != "0%,25%,50%,75%,100%" {
		t.Errorf("y ticks = %s", got)
	}
	if c.YTicks[0].Pos != c.Bottom || c.YTicks[4].Pos != c.Top || c.XTicks[0].Pos != c.Left || c.XTicks[3].Pos != c.Right {
		t.Errorf("ticks do not span the plot: %+v %+v", c.XTicks, c.YTicks)
	}
	dist, clean := c.Series[0], c.Series[1]
	if dist.Name != "Mean edit distance" || clean.Name != "Approved without edit" || len(dist.Dots) != 3 || len(clean.Dots) != 3 {
		t.Fatalf("series = %+v", c.Series)
	}
	// The last stretch: no edits, all clean.
	if last := clean.Dots[2]; last.Y != c.Top || last.Label != "Reviews 11–13: 100% approved without edit" {
		t.Errorf("last clean dot = %+v", last)
	}
	if last := dist.Dots[2]; last.Y != c.Bottom || last.Label != "Reviews 11–13: mean edit distance 0%" {
		t.Errorf("last distance dot = %+v", last)
	}
	if got, want := strings.Count(dist.Points, ","), 3; got != want {
		t.Errorf("distance polyline %q has %d points, want %d", dist.Points, got, want)
	}
	for _, n := range []struct{ in, want int }{{1, 1}, {6, 1}, {7, 2}, {13, 5}, {40, 10}, {100, 20}, {5000, 1000}} {
		if got := niceStep(n.in); got != n.want {
			t.Errorf("niceStep(%d) = %d, want %d", n.in, got, n.want)
		}
	}
}
