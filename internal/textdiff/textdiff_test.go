package textdiff

import (
	"math"
	"strings"
	"testing"
)

func render(ops []Op) string {
	var b strings.Builder
	for _, op := range ops {
		switch op.Kind {
		case Delete:
			b.WriteString("[-" + op.Text() + "-]")
		case Insert:
			b.WriteString("{+" + op.Text() + "+}")
		default:
			b.WriteString(op.Text())
		}
		b.WriteString("|")
	}
	return b.String()
}

func TestWords(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"A warm scarf.", "A warm scarf.", "A warm scarf.|"},
		{"A premium warm scarf.", "A warm scarf.", "A|[-premium-]|warm scarf.|"},
		{"Pick a color you love!", "Pick a colour you love.", "Pick a|[-color-]|{+colour+}|you love|[-!-]|{+.+}|"},
		{"Soft wool.", "Soft wool. Made in Leeds.", "Soft wool.|{+Made in Leeds.+}|"},
		{"", "New text", "{+New text+}|"},
		{"don't stop—ever", "don't stop", "don't stop|[-—ever-]|"},
	}
	for _, tt := range tests {
		if got := render(Words(tt.a, tt.b)); got != tt.want {
			t.Errorf("Words(%q, %q)\n got %s\nwant %s", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestJoinRoundTrip(t *testing.T) {
	for _, s := range []string{"A warm, soft scarf. Made in Leeds!", "T-shirt (cotton) – 100% organic", "Ünïcödé wörds and 14k gold"} {
		if got := Join(Tokens(s)); got != s {
			t.Errorf("Join(Tokens(%q)) = %q", s, got)
		}
	}
	if n := WordCount("A 14k gold, T-shirt-ready chain!"); n != 5 {
		t.Errorf("WordCount = %d, want 5", n)
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"same", "same", 0},
		{"", "abc", 1},
		{"kitten", "sitting", 3.0 / 7},
		{"color", "colour", 1.0 / 6},
		{"abc", "xyz", 1},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Distance(%q, %q) = %.4f, want %.4f", tt.a, tt.b, got, tt.want)
		}
		if Distance(tt.a, tt.b) != Distance(tt.b, tt.a) {
			t.Errorf("Distance is not symmetric for %q, %q", tt.a, tt.b)
		}
	}
}

func TestLongTextsStayBounded(t *testing.T) {
	a := strings.Repeat("alpha beta gamma ", 1500)
	b := strings.Repeat("delta epsilon ", 1500)
	ops := Words(a, b)
	if len(ops) == 0 {
		t.Fatal("no ops")
	}
	var del, ins int
	for _, op := range ops {
		switch op.Kind {
		case Delete:
			del += len(op.Tokens)
		case Insert:
			ins += len(op.Tokens)
		}
	}
	if del != 4500 || ins != 3000 {
		t.Errorf("del %d ins %d, want 4500 and 3000", del, ins)
	}
}

func TestKeptTokenSpacedAfterInsert(t *testing.T) {
	ops := Words("Ocean blue shirt", "Here is the Ocean blue shirt")
	if len(ops) != 2 || ops[1].Kind != Equal || !ops[1].Tokens[0].Space {
		t.Fatalf("ops = %+v: the kept word after an insertion must carry its space", ops)
	}
}
