package learn

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func edit(ch, field, before, after string) *Signal {
	return &Signal{ID: fmt.Sprintf("s%d", time.Now().UnixNano()), Kind: SignalEdit, Channel: ch, Field: field, Before: before, After: after,
		DraftID: "d" + before, CreatedAt: time.Now()}
}

func approve(ch, field, text string) *Signal {
	return &Signal{ID: fmt.Sprintf("a%d", time.Now().UnixNano()), Kind: SignalApprove, Channel: ch, Field: field, Before: text, After: text,
		DraftID: "m" + text, CreatedAt: time.Now()}
}

func items(sigs ...*Signal) map[string]*candidate {
	out := map[string]*candidate{}
	for _, c := range mine(sigs, nil) {
		out[c.key] = c
	}
	return out
}

func TestMineRules(t *testing.T) {
	tests := []struct {
		name string
		sigs []*Signal
		// want: key → (support, line)
		want map[string]string
		// absent keys must not be mined
		absent []string
	}{
		{
			name: "removed word becomes avoid",
			sigs: []*Signal{
				edit("etsy", "description", "A premium wool scarf. Warm in winter.", "A wool scarf. Warm in winter."),
				edit("etsy", "description", "This premium mug holds tea.", "This mug holds tea."),
			},
			want:   map[string]string{"avoid:premium": "avoid: premium"},
			absent: []string{"length:etsy description"},
		},
		{
			name: "substitution and british spelling",
			sigs: []*Signal{
				edit("etsy", "title", "Blue color scarf", "Blue colour scarf"),
				edit("etsy", "description", "Pick a color you love. Sized to fit.", "Pick a colour you love. Sized to fit."),
			},
			want: map[string]string{"replace:color->colour": "prefer: color -> colour", "style:spelling-british": "spelling: british"},
		},
		{
			name: "added sentence becomes always include",
			sigs: []*Signal{
				edit("etsy", "description", "A wool scarf. Warm in winter.", "A wool scarf. Warm in winter. Made with care in our Leeds studio."),
				edit("etsy", "description", "A tea mug.", "A tea mug. Made with care in our Leeds studio."),
			},
			want: map[string]string{"include:etsy description:made with care in our leeds studio.": "always include: Made with care in our Leeds studio."},
		},
		{
			name: "exclamation marks and sentence case",
			sigs: []*Signal{
				edit("shopify", "title", "Cozy Wool Scarf!", "Cozy wool scarf."),
				edit("shopify", "title", "Handmade Tea Mug!", "Handmade tea mug."),
			},
			want:   map[string]string{"style:no-exclamation": "no exclamation marks", "style:titles-sentence-case": "sentence case titles"},
			absent: []string{"replace:wool->wool"},
		},
		{
			name: "cut descriptions give a word cap",
			sigs: []*Signal{
				edit("etsy", "description", "One two three four five six. Seven eight nine ten eleven twelve. Thirteen fourteen fifteen sixteen.",
					"One two three four five six."),
				edit("etsy", "description", "Alpha beta gamma delta. Epsilon zeta eta theta iota kappa lambda mu.", "Alpha beta gamma delta."),
			},
			want: map[string]string{"length:etsy description": "max words etsy description: 6"},
		},
		{
			name: "instructions counted",
			sigs: []*Signal{
				{ID: "r1", Kind: SignalRegenerate, Channel: "etsy", Field: "title", Reason: "Mention the size.", CreatedAt: time.Now()},
				{ID: "r2", Kind: SignalRegenerate, Channel: "etsy", Field: "title", Reason: "mention the size", CreatedAt: time.Now()},
				{ID: "r3", Kind: SignalReject, Channel: "etsy", Field: "title", Reason: "too long", CreatedAt: time.Now()},
			},
			want: map[string]string{"guidance:mention the size": "mention the size", "guidance:too long": RejectPresets["too long"]},
		},
		{
			name: "list item removed is scoped to its field",
			sigs: []*Signal{
				edit("etsy", "tags", "scarf\ngift\nwool", "scarf\nwool"),
			},
			want:   map[string]string{"avoid:etsy tags:gift": "leave out of etsy tags: gift"},
			absent: []string{"avoid:gift"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := items(tt.sigs...)
			for key, line := range tt.want {
				c, ok := got[key]
				if !ok {
					keys := []string{}
					for k := range got {
						keys = append(keys, k)
					}
					slices.Sort(keys)
					t.Fatalf("no item %q; got %q", key, keys)
				}
				if c.line != line {
					t.Errorf("%s: line %q, want %q", key, c.line, line)
				}
			}
			for _, key := range tt.absent {
				if _, ok := got[key]; ok {
					t.Errorf("unexpected item %q", key)
				}
			}
		})
	}
}

func TestMineSupportAndDissent(t *testing.T) {
	sigs := []*Signal{
		edit("etsy", "description", "A premium scarf.", "A scarf."),
		approve("etsy", "description", "A premium mug you will love."),
		edit("etsy", "description", "The premium tray.", "The tray."),
	}
	c := items(sigs...)["avoid:premium"]
	if c == nil || c.support != 2 || c.against != 1 {
		t.Fatalf("avoid:premium = %+v, want support 2 against 1", c)
	}
	if got := statusFor(c.support, confidence(c.support, c.against)); got != StatusLearning {
		t.Errorf("status with dissent = %s, want learning (confidence %.2f)", got, confidence(c.support, c.against))
	}
	one := items(sigs[0])["avoid:premium"]
	if got := statusFor(one.support, confidence(one.support, one.against)); got != StatusLearning {
		t.Errorf("one edit: status %s, want learning: a rule needs repeated evidence", got)
	}
}

func TestMineSince(t *testing.T) {
	old := edit("etsy", "description", "A premium scarf.", "A scarf.")
	old.CreatedAt = time.Now().Add(-time.Hour)
	newer := edit("etsy", "description", "The premium tray.", "The tray.")
	got := mine([]*Signal{old, newer}, map[string]time.Time{"avoid:premium": time.Now().Add(-time.Minute)})
	for _, c := range got {
		if c.key == "avoid:premium" && c.support != 1 {
			t.Fatalf("support = %d, want 1: evidence before a deletion must not count", c.support)
		}
	}
}
