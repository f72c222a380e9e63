package generate

// Kind is how a field's content is shaped.
type Kind string

// The kinds.
const (
	KindText Kind = "text" // one line or paragraph of plain text
	KindHTML Kind = "html" // HTML limited to AllowedTags
	KindList Kind = "list" // several short plain-text items
)

// Unit says how a length is counted.
type Unit string

// The units.
const (
	Chars Unit = "chars" // Unicode characters
	Bytes Unit = "bytes" // UTF-8 bytes (Amazon search terms)
)

// FieldSpec is one field of one channel with its rules, as data. Source
// names where each rule comes from (../shared/reference/channels.md).
type FieldSpec struct {
	Channel Channel `json:"channel"`
	Name    string  `json:"name"`
	Label   string  `json:"label"`
	Kind    Kind    `json:"kind"`
	// PerImage: one item per product image (image_alt).
	PerImage bool `json:"per_image,omitempty"`
	// MaxLen bounds the text, or each item of a list, in Unit.
	MaxLen int  `json:"max_len,omitempty"`
	Unit   Unit `json:"unit"`
	// MinItems and MaxItems bound a list.
	MinItems int `json:"min_items,omitempty"`
	MaxItems int `json:"max_items,omitempty"`
	// MaxTotal bounds all items together (joined by spaces), in Unit.
	MaxTotal int `json:"max_total,omitempty"`
	// ForbiddenChars may not appear anywhere in the value.
	ForbiddenChars string `json:"forbidden_chars,omitempty"`
	// BannedPhrases may not appear (case-insensitive), besides the brand's words to avoid.
	BannedPhrases []string `json:"banned_phrases,omitempty"`
	// AllowedTags are the HTML tags a KindHTML field (or a text field that
	// allows some markup, like Amazon's <br>) may contain.
	AllowedTags []string `json:"allowed_tags,omitempty"`
	// NoDuplicates forbids repeated list items (case-insensitive).
	NoDuplicates bool `json:"no_duplicates,omitempty"`
	// NoBrandNames forbids the brand's and vendor's names (Amazon search terms).
	NoBrandNames bool `json:"no_brand_names,omitempty"`
	// Guidance is advice given to the writer, not checked.
	Guidance []string `json:"guidance,omitempty"`
	Source   string   `json:"source"`

	// ItemLabel names one item of a list in messages ("tag", "bullet point").
	ItemLabel string `json:"item_label,omitempty"`
	// OnceChars may each appear at most once (Etsy title: % : &).
	OnceChars string `json:"once_chars,omitempty"`
	// MaxWordRepeat bounds how often one word may appear, not counting
	// articles, prepositions and conjunctions (Amazon item name: 2).
	MaxWordRepeat int `json:"max_word_repeat,omitempty"`
	// NoContactInfo forbids web addresses, email addresses and phone numbers.
	NoContactInfo bool `json:"no_contact_info,omitempty"`
	// NoEmoji forbids emoji.
	NoEmoji bool `json:"no_emoji,omitempty"`
	// StartCapital: the text, or each item, starts with a capital letter
	// when it starts with a letter.
	StartCapital bool `json:"start_capital,omitempty"`
	// WordCharsOnly: the text, or each item, holds only letters, digits,
	// spaces and the characters in ExtraChars (Etsy tags and materials).
	WordCharsOnly bool   `json:"word_chars_only,omitempty"`
	ExtraChars    string `json:"extra_chars,omitempty"`
	// NoLeadingChars may not start the text or an item (Etsy tags: - ').
	NoLeadingChars string `json:"no_leading_chars,omitempty"`
	// Decision explains the limits that are PlutoPro's own product
	// decisions rather than the channel's published rules.
	Decision string `json:"decision,omitempty"`
}

// Fields returns a channel's fields in the order a seller reads them.
// The table lives in rules.go.
func Fields(ch Channel) []FieldSpec {
	var out []FieldSpec
	for _, f := range fieldTable {
		if f.Channel == ch {
			out = append(out, f)
		}
	}
	return out
}

// Field returns one field of a channel.
func Field(ch Channel, name string) (FieldSpec, bool) {
	for _, f := range fieldTable {
		if f.Channel == ch && f.Name == name {
			return f, true
		}
	}
	return FieldSpec{}, false
}

// fieldTable is filled in rules.go.
var fieldTable []FieldSpec
