package offline

import (
	"strings"

	"github.com/plutopro/plutopro/internal/generate"
)

// Sentence parts that agree with the product: "is"/"are", "it"/"they".
func (w *writer) be() string    { return w.agree("is", "are") }
func (w *writer) has() string   { return w.agree("has", "have") }
func (w *writer) comes() string { return w.agree("comes", "come") }
func (w *writer) it() string    { return w.agree("it", "they") }
func (w *writer) agree(one, many string) string {
	if w.f.plural {
		return many
	}
	return one
}

// subject is "the Ocean Blue Shirt".
func (w *writer) subject() string { return "the " + w.title }

// vendorName is the vendor when it reads as a name and is not the brand.
func (w *writer) vendorName() string {
	v := w.f.vendor
	if v == "" || strings.EqualFold(v, w.brandName) {
		return ""
	}
	return v
}

// featureProse joins the first n features for a sentence.
func (w *writer) featureProse(n int) string {
	fs := w.f.features
	if len(fs) > n {
		fs = fs[:n]
	}
	return joinList(fs, "and")
}

// opening is the first sentence of a description and what it used.
type opening struct {
	text         string
	usedFeatures bool
	usedVendor   bool
	usedAudience bool
}

// opener writes the first sentence. The wording varies by product; fp are
// the features to work in ("" when a list carries them).
func (w *writer) opener(field string, fp string, productOnly bool) opening {
	f := w.f
	T := w.subject()
	I := w.ident
	D := ""
	if f.detail != "" {
		D = " " + f.detail
	}
	withF := ""
	if fp != "" {
		withF = " with " + fp
	}
	V := w.vendorName()
	fromV := ""
	if V != "" {
		fromV = " from " + V
	}
	A := w.audience
	if productOnly || wordCount(A) > 7 {
		A = "" // a long audience reads badly before the product
	}
	var cands []opening
	addC := func(s string, usedF, usedV, usedA bool) {
		cands = append(cands, opening{s, usedF, usedV, usedA})
	}
	fr := fp != ""
	switch {
	case I != "":
		if !f.headCovers {
			addC(upperFirst(T)+" "+w.be()+" "+I+D+commaWith(fp)+".", fr, false, false)
			if fp != "" {
				addC("With "+fp+", "+T+" "+w.be()+" "+I+D+".", true, false, false)
			}
		}
		if !w.st.formal {
			addC("Meet "+T+": "+I+D+withF+".", fr, false, false)
			addC("Introducing "+T+": "+I+D+withF+".", fr, false, false)
		}
		addC(upperFirst(I)+D+withF+fromV+".", fr, V != "", false)
		if V != "" {
			addC("From "+V+" "+w.comes()+" "+T+", "+I+D+withF+".", fr, true, false)
		}
		addC("Here "+w.be()+" "+T+", "+I+D+withF+".", fr, false, false)
		if A != "" {
			addC("For "+A+": "+T+", "+I+D+withF+".", fr, false, true)
		}
	case fp != "":
		addC(upperFirst(T)+D+" "+w.comes()+" with "+fp+".", true, false, false)
		addC(upperFirst(T)+D+" "+w.has()+" "+fp+".", true, false, false)
		if w.st.casual {
			addC("You get "+fp+" with "+T+D+".", true, false, false)
		}
		if A != "" {
			addC("For "+A+", "+T+D+" "+w.comes()+" with "+fp+".", true, false, true)
		}
	default:
		if f.plural {
			addC("These are "+T+fromV+commaDetail(f.detail)+".", false, V != "", false)
		} else {
			addC("This is "+T+fromV+commaDetail(f.detail)+".", false, V != "", false)
		}
		if !w.st.formal {
			addC("Meet "+T+fromV+commaDetail(f.detail)+".", false, V != "", false)
		}
		if A != "" {
			addC("For "+A+": "+T+fromV+commaDetail(f.detail)+".", false, V != "", true)
		}
	}
	return cands[w.choose(field, "opening", len(cands))]
}

func commaWith(fp string) string {
	if fp == "" {
		return ""
	}
	return ", with " + fp
}

func commaDetail(d string) string {
	if d == "" {
		return ""
	}
	return ", " + d
}

// featureSentence says the features after an opening that did not.
func (w *writer) featureSentence(field, fp string) string {
	c := []string{
		upperFirst(w.it()) + " " + w.has() + " " + fp + ".",
		"Details include " + fp + ".",
		"Look for " + fp + ".",
	}
	if w.st.casual {
		c = append(c, w.st.contraction("You will", "You'll")+" find "+fp+".")
	}
	return c[w.choose(field, "features", len(c))]
}

// isSizeOption and isColourOption read an option's name.
func isSizeOption(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "size") || strings.Contains(n, "length") || strings.Contains(n, "fit")
}

func isColourOption(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "colour") || strings.Contains(n, "color") || strings.Contains(n, "shade") || strings.Contains(n, "finish")
}

// optionSentence says an option's choices.
func (w *writer) optionSentence(field string, o option) string {
	vals := o.values
	if len(vals) == 1 {
		return upperFirst(o.name) + ": " + vals[0] + "."
	}
	var c []string
	switch {
	case isSizeOption(o.name):
		c = []string{
			"Sizes: " + joinList(vals, "and") + ".",
			"Choose from " + joinList(vals, "or") + ".",
			upperFirst(w.it()) + " " + w.comes() + " in " + joinList(vals, "and") + ".",
		}
	case isColourOption(o.name):
		c = []string{
			"Choose " + joinList(vals, "or") + ".",
			upperFirst(w.it()) + " " + w.comes() + " in " + joinList(vals, "and") + ".",
			"Pick from " + joinList(vals, "or") + ".",
		}
	default:
		c = []string{
			upperFirst(o.name) + ": " + joinList(vals, "or") + ".",
			"Choose your " + strings.ToLower(o.name) + ": " + joinList(vals, "or") + ".",
		}
	}
	return c[w.choose(field, "option "+o.name, len(c))]
}

// saysValues reports whether the lead sentence already names every value
// of an option ("in blue or black").
func (w *writer) saysValues(o option) bool {
	said := w.f.head + " " + w.f.detail + " " + strings.Join(w.f.features, " ")
	for _, v := range o.values {
		if !containsWord(said, v) {
			return false
		}
	}
	return true
}

// optionLine is an option as a list item: "Size: Small, Medium, Large".
func optionLine(o option) string {
	return upperFirst(o.name) + ": " + strings.Join(o.values, ", ")
}

// vendorSentence names the vendor when the opening did not.
func (w *writer) vendorSentence(field string) string {
	V := w.vendorName()
	if V == "" {
		return ""
	}
	c := []string{
		upperFirst(w.st.contraction(w.it()+" "+w.be(), w.agree("it's", "they're"))) + " from " + V + ".",
		"By " + V + ".",
	}
	return c[w.choose(field, "vendor", len(c))]
}

// audienceSentence closes with who the brand writes for.
func (w *writer) audienceSentence(field string) string {
	A := w.audience
	if A == "" {
		return ""
	}
	pick := w.st.pick([]string{"pick", "choice", "find"}, w.choose(field, "pick", 3))
	c := []string{
		"A good " + pick + " for " + A + ".",
		"Worth a look for " + A + ".",
		"One for " + A + ".",
	}
	if w.st.formal {
		c = []string{"A good " + pick + " for " + A + "."}
	}
	return c[w.choose(field, "closing", len(c))]
}

// Kinds of description.
type descKind int

const (
	descStore   descKind = iota // the brand's own voice: audience, always-include lines
	descProduct                 // the product only (Google): no audience, no brand lines
)

// description writes a long description: an opening, the product's own
// sentences and choices, a list of its features and specifications where
// the format has lists, and a closing line for the brand's audience.
func (w *writer) description(spec generate.FieldSpec, m mode, kind descKind) string {
	f := w.f
	field := spec.Name
	var optLines []string
	for _, o := range f.options {
		optLines = append(optLines, optionLine(o))
	}
	listable := m != modeBreaks
	listMode := listable && len(f.features)+len(f.specs)+len(optLines) >= 3
	fp := ""
	listFrom := 0 // the features the list carries
	switch {
	case !listMode:
		fp = w.featureProse(5)
	case len(f.features) >= 2 && len(f.features)+len(f.specs)+len(optLines) >= 4:
		// The opening takes the first feature, the list the rest.
		fp, listFrom = f.features[0], 1
	}
	d := &doc{}
	open := w.opener(field, fp, kind == descProduct)
	d.add(0, prioLead, open.text)
	if fp != "" && !open.usedFeatures {
		if listFrom > 0 {
			listFrom = 0 // the list says it after all
		} else {
			d.add(0, prioSecond, w.featureSentence(field, fp))
		}
	}
	for i, s := range f.sentences {
		d.add(1, prioFact-i, s)
	}
	if !listMode {
		for _, o := range f.options {
			if !w.saysValues(o) {
				d.add(1, prioOption, w.optionSentence(field, o))
			}
		}
		switch {
		case len(f.specs) == 0:
		case listable && len(f.specs) >= 2:
			for i, s := range f.specs {
				d.item(2, prioFact-i, s)
			}
		default:
			d.add(1, prioFact, "Details: "+strings.Join(f.specs, "; ")+".")
		}
	}
	if !open.usedVendor {
		// With nothing else to say in the second paragraph, the vendor
		// joins the first.
		para := 1
		if len(f.sentences) == 0 && (listMode || len(f.options) == 0) {
			para = 0
		}
		d.add(para, prioVendor, w.vendorSentence(field))
	}
	if listMode {
		n := 0
		for _, x := range f.features[listFrom:] {
			d.item(2, prioFact-n, bare(x))
			n++
		}
		for _, x := range f.specs {
			d.item(2, prioFact-n, upperFirst(x))
			n++
		}
		for _, x := range optLines {
			d.item(2, prioOption, x)
		}
	}
	if kind == descStore {
		// The audience line closes thin descriptions and about half of the
		// others, so a catalog does not end every page the same way.
		facts := len(f.sentences) + len(f.features) + len(f.specs) + len(f.options)
		if !open.usedAudience && !w.st.concise && (facts < 3 || w.choose(field, "audience", 2) == 0) {
			d.add(3, prioAudience, w.audienceSentence(field))
		}
		for _, s := range w.st.Include {
			d.add(3, prioInclude, s)
		}
	}
	return w.fitDoc(d, spec, m)
}

// summary is a short description in one or two sentences (SEO description).
func (w *writer) summary(spec generate.FieldSpec, soft int) string {
	f := w.f
	field := spec.Name
	d := &doc{}
	fp := w.featureProse(2)
	withF := ""
	if fp != "" {
		withF = " with " + fp
	}
	switch {
	case w.ident != "":
		d.add(0, prioLead, upperFirst(w.ident)+prefixSpace(f.detail)+withF+".")
	case len(f.sentences) > 0 && fp == "":
		d.add(0, prioLead, f.sentences[0])
	default:
		fromV := ""
		if V := w.vendorName(); V != "" {
			fromV = " from " + V
		}
		d.add(0, prioLead, upperFirst(w.subject())+fromV+prefixSpace(f.detail)+withF+".")
	}
	for i, s := range f.sentences {
		if w.ident == "" && i == 0 && fp == "" {
			continue
		}
		d.add(0, prioFact-10-i, s)
	}
	for _, o := range f.options {
		if !w.saysValues(o) {
			d.add(0, prioOption, w.optionSentence(field, o))
		}
	}
	if w.brandName != "" {
		c := []string{
			"Shop " + w.agree("it", "them") + " at " + w.brandName + ".",
			"Find " + w.agree("it", "them") + " at " + w.brandName + ".",
		}
		d.add(0, prioVendor, c[w.choose(field, "cta", len(c))])
	}
	s := spec
	if soft > 0 && (s.MaxLen == 0 || soft < s.MaxLen) {
		s.MaxLen = soft
	}
	return w.fitDoc(d, s, modePlain)
}

func prefixSpace(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}
