package generate

import (
	"strings"
	"testing"
)

func FuzzParseValues(f *testing.F) {
	for _, s := range []string{
		`{"title":"Sage","tags":["a","b"]}`,
		"```json\n{\"tags\": \"a, b\"}\n```",
		`Sure: {"fields": {"title": {"text": "x"}}}`,
		`{"tags": "- a\n- b"}`, `{`, `}{`, "",
	} {
		f.Add(s)
	}
	fields := Fields(Etsy)
	f.Fuzz(func(t *testing.T, raw string) {
		vals, err := ParseValues(fields, []byte(raw))
		if err == nil && len(vals) == 0 {
			t.Fatal("no error and no values")
		}
	})
}

// FuzzChecks runs Validate, Repair and Ground on arbitrary text for every
// field: none may panic, and a repair that shortens keeps within the limit.
func FuzzChecks(f *testing.F) {
	for _, s := range []string{
		"Sage Linen Napkins, Set of 4 – 45 x 45 cm",
		"<p>Soft <b>linen</b>.</p><ul><li>45x45cm</li></ul>",
		"I'm sorry, {title} [Task 1] 100% organic cotton, made in Italy. 1,5 kg 10-12\" #1",
		"crème brûlée 😀 ™ $5 & & : % www.x.com a@b.co +44 20 7946 0958",
	} {
		f.Add(s)
	}
	ctx := CheckContext{Brand: sampleBrand(), Product: sampleProduct()}
	f.Fuzz(func(t *testing.T, s string) {
		Ground(s, sampleProduct(), sampleBrand())
		for _, spec := range fieldTable {
			val := Value{Text: s}
			if spec.Kind == KindList {
				val = Value{Items: strings.Split(s, ",")}
			}
			Validate(spec, val, ctx)
			got, did := Repair(spec, val, ctx)
			if spec.Kind == KindText && strings.Contains(strings.Join(did, " "), "Shortened") && measure(got.Text, spec.Unit) > spec.MaxLen {
				t.Fatalf("%s/%s: repaired text is %d long", spec.Channel, spec.Name, measure(got.Text, spec.Unit))
			}
		}
	})
}
