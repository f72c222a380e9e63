// Package offline is PlutoPro's built-in writer: deterministic, fast and
// with no network. It writes every field of every channel from the
// product's own data (title, body, vendor, type, category, tags, options,
// variants, images, metadata such as materials) and the brand profile
// (name, description, voice, audience, words to avoid and prefer), applies
// the brand's memory lines (see ParseMemory), and keeps to every limit of
// the field specs it is given, so its drafts pass generate.Validate.
//
// Facts only: every noun phrase, number, material and measurement it writes
// comes from the product or the brand profile. What it adds is connecting
// wording ("Meet the ...", "Choose from ...", "A good pick for <audience>")
// and a small vocabulary of search synonyms and spelling variants for
// Amazon search terms (sofa/couch, colour/color), never claims. When the
// data is thin the text is short: it does not pad with invented benefits.
//
// Same request, same output: the wording choices (which opening, which
// phrasing of the options, which closing line) come from a hash of the
// product handle, the channel and field, the brand name and the reviewer's
// instruction, so products of one catalog read differently from each other
// while a regeneration of the same request reads the same.
//
// Language: it writes English. A brand whose language is British English
// (en-GB, en-AU, en-NZ, en-IE, en-ZA, en-IN) or whose memory says "spelling:
// british" gets British spelling (colour, grey, jewellery), en-US or
// "spelling: american" gets American spelling; a brand in another language
// still gets English, which the reviewer translates or regenerates with
// another provider.
package offline

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"sync"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/generate"
)

// Model is the model name the offline writer reports. Change it whenever
// its output for the same request changes, so stored drafts say which
// writer made them.
const Model = "plutopro-offline-1"

// Writer is the offline provider. It holds no state and is safe for
// concurrent use.
type Writer struct{}

var _ generate.Provider = (*Writer)(nil)

// New returns the offline writer.
func New() *Writer { return &Writer{} }

// Name is the provider's name.
func (*Writer) Name() string { return "offline" }

// Generate writes the requested fields (every field of the channel when
// req.Fields is empty). Every requested field gets a value; Etsy materials
// is an empty list when the product's data names no material, which the
// field allows, rather than a guess. Usage is zero: nothing is billed.
func (*Writer) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.Product == nil {
		return nil, errors.New("offline: the request has no product")
	}
	fields := req.Fields
	if len(fields) == 0 {
		fields = generate.Fields(req.Channel)
	}
	st := newStyle(req.Brand, req.Memory, req.Instruction)
	st.names = names(req.Brand.Name, req.Product.Vendor)
	w := &writer{
		p:     req.Product,
		st:    st,
		f:     extract(req.Product, st.avoid),
		brand: req.Brand,
		ch:    req.Channel,
		instr: strings.TrimSpace(req.Instruction),
	}
	w.init()
	values := make(map[string]generate.Value, len(fields))
	for _, spec := range fields {
		if spec.Channel == "" {
			spec.Channel = req.Channel
		}
		values[spec.Name] = w.field(spec)
	}
	return &generate.Result{
		Values:     values,
		Model:      Model,
		PromptHash: promptHash(req, fields),
	}, nil
}

// promptHash is a SHA-256 of everything that decides the output: the
// model, the channel, the field specs, the brand profile, the memory, the
// instruction and the product data the writer reads.
func promptHash(req generate.Request, fields []generate.FieldSpec) string {
	buf := make([]byte, 0, 4096)
	put := func(ss ...string) {
		for _, s := range ss {
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
			buf = append(buf, s...)
		}
	}
	putList := func(ss []string) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(ss)))
		put(ss...)
	}
	putInt := func(n int) { buf = binary.BigEndian.AppendUint64(buf, uint64(n)) }
	putBool := func(b bool) {
		if b {
			buf = append(buf, 1)
		} else {
			buf = append(buf, 0)
		}
	}
	put(Model, string(req.Channel))
	putInt(len(fields))
	for _, f := range fields {
		put(string(f.Channel), f.Name, string(f.Kind), string(f.Unit), f.ForbiddenChars, f.OnceChars, f.ExtraChars, f.NoLeadingChars)
		for _, n := range []int{f.MaxLen, f.MinItems, f.MaxItems, f.MaxTotal, f.MaxWordRepeat} {
			putInt(n)
		}
		for _, b := range []bool{f.PerImage, f.NoDuplicates, f.NoBrandNames, f.NoContactInfo, f.NoEmoji, f.StartCapital, f.WordCharsOnly} {
			putBool(b)
		}
		putList(f.BannedPhrases)
		putList(f.AllowedTags)
	}
	b := req.Brand
	put(b.Name, b.Description, b.Voice, b.Audience, b.Guidelines, b.Language)
	putList(b.WordsAvoid)
	putList(b.WordsPrefer)
	putList(req.Memory)
	put(req.Instruction)
	p := req.Product
	put(p.Handle, p.Title, p.BodyHTML, p.Vendor, p.ProductType, p.Category)
	putList(p.Tags)
	putInt(len(p.Options))
	for _, o := range p.Options {
		put(o.Name)
		putList(o.Values)
	}
	putInt(len(p.Variants))
	for _, v := range p.Variants {
		put(v.SKU, v.ImageSrc, v.Grams)
		putList(v.OptionValues)
	}
	putInt(len(p.Images))
	for _, img := range p.Images {
		put(img.Src, img.Alt)
		putList(img.VariantSKUs)
	}
	keys := make([]string, 0, len(p.Metadata))
	for k := range p.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	putInt(len(keys))
	for _, k := range keys {
		put(k, p.Metadata[k])
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// writer writes the fields of one request.
type writer struct {
	p     *catalog.Product
	st    *style
	f     *facts
	brand generate.Brand
	ch    generate.Channel
	instr string

	title     string // the product title, cased the brand's way
	ident     string // "an ocean blue cotton shirt", or "" when it adds nothing to the title
	audience  string // the brand's audience as a phrase, or ""
	brandName string
}

func (w *writer) init() {
	f := w.f
	w.title = w.st.titleCase(f.title)
	w.brandName = fold(w.brand.Name)
	if a := trimEnd(fold(w.brand.Audience)); a != "" && wordCount(a) <= 15 && !strings.ContainsAny(a, "\n") {
		w.audience = lowerFirst(a)
		// The audience is the brand's, but the grounding check reads only
		// the product and the brand's name, description and guidelines: an
		// audience that names a material, a claim or a number is left out.
		if !audienceGrounded(w.audience, w.p, w.brand) {
			w.audience = ""
		}
	}
	if f.head != "" {
		var hw []string
		for _, x := range words(f.head) {
			if !containsFold(w.st.avoid, x) {
				hw = append(hw, x)
			}
		}
		if !subset(hw, words(f.title)) {
			np := lowerFirst(f.head)
			if isPlural(headNoun(f.head)) {
				w.ident = np
			} else {
				w.ident = article(np) + np
			}
		}
	}
}

// names lists the names to keep as written, longest first.
func names(ns ...string) []string {
	var out []string
	for _, n := range ns {
		if n = fold(n); len(n) > 1 && !containsFold(out, n) {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// audienceOK caches, per brand, audiences that state no fact at all, so
// the grounding check runs once per brand, not once per product.
var audienceOK sync.Map // brand fields -> true

// audienceGrounded reports whether "For <audience>." passes the grounding
// check for this product.
func audienceGrounded(a string, p *catalog.Product, b generate.Brand) bool {
	key := a + "\x00" + b.Name + "\x00" + b.Description + "\x00" + b.Guidelines
	if _, ok := audienceOK.Load(key); ok {
		return true
	}
	sentence := "For " + a + "."
	if len(generate.Ground(sentence, nil, b)) == 0 {
		audienceOK.Store(key, true) // true for every product
		return true
	}
	return len(generate.Ground(sentence, p, b)) == 0
}

// choose picks one of n wordings for a slot of a field, from the product,
// the field, the brand and the reviewer's instruction.
func (w *writer) choose(field, slot string, n int) int {
	if n <= 1 {
		return 0
	}
	// FNV-1a, inline: no allocation.
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for _, s := range [...]string{w.f.key, string(w.ch), field, w.brandName, slot, w.instr} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= prime
		}
		h *= prime // separator
	}
	return int(h % uint64(n))
}

// field writes one field.
func (w *writer) field(spec generate.FieldSpec) generate.Value {
	v := w.write(spec)
	if w.st.TitleCase == "sentence" && titleField(spec.Name) && v.Text != "" {
		// Titles are assembled from parts each cased on its own; in
		// sentence case only the first word keeps its capital (and names
		// written in capitals, with digits or the brand's own).
		s, names := w.st.protect(v.Text)
		v.Text = restore(sentenceCase(s), names)
	}
	return v
}

func titleField(name string) bool {
	return name == "title" || name == "item_name" || name == "seo_title"
}

func (w *writer) write(spec generate.FieldSpec) generate.Value {
	switch string(spec.Channel) + "/" + spec.Name {
	case "shopify/title":
		return text(w.shopifyTitle(spec))
	case "shopify/description":
		return text(w.description(spec, modeHTML, descStore))
	case "shopify/seo_title":
		return text(w.seoTitle(spec))
	case "shopify/seo_description":
		return text(w.seoDescription(spec))
	case "shopify/tags":
		return list(w.storeTags(spec))
	case "shopify/image_alt":
		return list(w.imageAlts(spec))
	case "etsy/title":
		return text(w.etsyTitle(spec))
	case "etsy/description":
		return text(w.description(spec, modePlain, descStore))
	case "etsy/tags":
		return list(w.etsyTags(spec))
	case "etsy/materials":
		return list(w.materials(spec))
	case "amazon/item_name":
		return text(w.amazonName(spec))
	case "amazon/bullet_points":
		return list(w.bullets(spec, true))
	case "amazon/product_description":
		return text(w.description(spec, modeBreaks, descStore))
	case "amazon/generic_keywords":
		return list(w.searchTerms(spec))
	case "google/title":
		return text(w.googleTitle(spec))
	case "google/description":
		return text(w.description(spec, modeHTML, descProduct))
	case "google/product_highlights":
		return list(w.bullets(spec, false))
	}
	return w.generic(spec)
}

// generic writes a field this writer has no special wording for, by its kind.
func (w *writer) generic(spec generate.FieldSpec) generate.Value {
	name := strings.ToLower(spec.Name)
	switch {
	case spec.Kind == generate.KindList && spec.PerImage:
		return list(w.imageAlts(spec))
	case spec.Kind == generate.KindList && strings.Contains(name, "material"):
		return list(w.materials(spec))
	case spec.Kind == generate.KindList && (strings.Contains(name, "tag") || strings.Contains(name, "keyword")):
		return list(w.storeTags(spec))
	case spec.Kind == generate.KindList:
		return list(w.bullets(spec, false))
	case spec.Kind == generate.KindHTML:
		return text(w.description(spec, modeHTML, descStore))
	case strings.Contains(name, "title") || strings.Contains(name, "name"):
		return text(w.shopifyTitle(spec))
	case spec.MaxLen == 0 || spec.MaxLen >= 300:
		m := modePlain
		if allows(spec, "br") {
			m = modeBreaks
		}
		return text(w.description(spec, m, descStore))
	}
	return text(w.seoDescription(spec))
}

func text(s string) generate.Value { return generate.Value{Text: s} }

func list(items []string) generate.Value {
	if items == nil {
		items = []string{}
	}
	return generate.Value{Items: items}
}
