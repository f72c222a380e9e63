package generate

import (
	"fmt"
	"strings"
)

// Sources of the rules, as listed in shared/reference/channels.md. (O) marks
// a channel's own page, (2) a secondary source quoting or deriving the rule.
const (
	srcShopifyTitle   = "https://lettercounter.org/blog/shopify-product-description-length"   // (2)
	srcShopifySEO     = "https://shopifyranked.com/shopify-seo/title-tags/"                   // (2, quoting Shopify)
	srcShopifyMeta    = "https://shopifyranked.com/shopify-seo/seo-settings/"                 // (2)
	srcShopifyAlt     = "https://skills.sh/lvsao/shopify-skill-hub/optimize-shopify-alt-text" // (2)
	srcShopifyAlt2    = "https://imbricalt.com/guides/alt-text-shopify"                       // (2)
	srcShopifyTags    = "https://shopify.dev/changelog/product-tags-now-have-a-limit-of-250-per-product"
	srcEtsyTitle      = "https://apify.com/autoaugeo/listing-seo-length-auditor-for-online-se-8a73" // (2)
	srcEtsyTitleChars = "https://github.com/etsy/open-api/issues/605"                               // (O, API error text)
	srcEtsyChecker    = "https://glama.ai/mcp/connectors/com.freedailypro.api/free-daily-pro-book-publishing-tools/tools/ecommerce_etsy_listing_check"
	srcEtsyStyle      = "https://www.skills.sh/jacob-balslev/skills/etsy" // (2)
	srcEtsyTags       = "https://github.com/hayseedbyte/Taggregator"      // (2)
	srcEtsyTagsAPI    = "https://github.com/etsy/open-api/issues/291"     // (Etsy staff)
	srcEtsyMaterials  = "https://glama.ai/mcp/servers/phobicdotno/etsy-clean-mcp/tools/update_listing"
	srcEtsyAI         = "https://blog.artlistingpro.com/july-2024-etsy-ai-art-content-updates-what-digital-art-sellers-need-to-know"
	srcAmazonTitle    = "https://sellercentral-europe.amazon.com/help/hub/reference/external/201100890?locale=hi-IN" // (O)
	srcAmazonRepeat   = "https://forestleopard.com/knowledgedetail/Amazon-US-announcement--the-ne"                   // (2)
	srcAmazonBullets  = "https://www.amalytix.com/en/knowledge/seo/amazon-bullet-points/"                            // (2)
	srcAmazonBullets2 = "https://www.amazonlistingaudit.com/policy/bullet-point-guidelines"                          // (2)
	srcAmazonBans     = "https://goatconsulting.com/amazon-policy/amazon-product-detail-page-rules-violation-policy-compliance"
	srcAmazonBans2    = "https://shipaim.com/amazons-new-ban-on-prohibited-words-strict-investigation-will-be-carried-out-in-august"
	srcAmazonDetail   = "https://sellercentral.amazon.com/gp/help/external/200390640" // (O)
	srcAmazonSearch   = "https://sellercentral.amazon.com/gp/help/external/G23501"    // (O)
	srcAmazonSearch2  = "https://www.sellerlabs.com/blog/amazon-takes-byte-out-search-terms/"
	srcAmazonPTD      = "https://developer-docs.amazon.com/sp-api/lang-en_EN/docs/product-type-definitions-api-v2020-09-01-reference" // (O)
	srcGoogleTitle    = "https://support.google.com/merchants/answer/6324415"                                                         // (O)
	srcGoogleDesc     = "https://support.google.com/merchants/answer/6324468?hl=en-GB"                                                // (O)
	srcGoogleHigh     = "https://support.google.com/merchants/answer/9216100?hl=zh-Hans"                                              // (O)
	srcGoogleEdit     = "https://support.google.com/manufacturers/answer/6124110"                                                     // (O)
)

// sources joins several source URLs the way channels.md writes them.
func sources(urls ...string) string { return strings.Join(urls, " ; ") }

// The HTML a description may hold. No <a>: a link would have to come from
// somewhere, the product data rarely has one, an invented URL is the worst
// kind of ungrounded claim, and links in generated copy read as spam to
// shoppers and search engines. No <h1>: the theme already shows the title as
// the page's heading. No attributes at all (so no style, no event handlers).
var (
	shopifyDescTags = []string{"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "h2", "h3", "h4"}
	googleDescTags  = []string{"p", "br", "ul", "ol", "li", "strong", "em", "b", "i"}
)

// Words Amazon treats as promotional, unverifiable or placeholder text in its
// detail pages (srcAmazonBans, srcAmazonTitle, srcAmazonDetail). Matched as
// whole words or phrases, case-insensitively.
var (
	amazonPromo = []string{
		"free shipping", "free delivery", "best seller", "bestseller", "best-selling", "best selling",
		"hot sale", "on sale", "discount", "limited time", "cheapest", "money back", "money-back",
		"guarantee", "guaranteed", "100% satisfaction",
	}
	amazonBulletBans = []string{
		"money back", "money-back", "refund", "guarantee", "guaranteed",
		"eco-friendly", "eco friendly", "environmentally friendly", "antimicrobial", "anti-microbial",
		"antibacterial", "anti-bacterial", "antiviral", "anti-viral", "antifungal",
		"N/A", "TBD", "not applicable", "best seller", "best-selling", "free shipping",
	}
	amazonSearchBans = []string{
		"new", "on sale", "available now", "best", "best seller", "cheap", "cheapest",
		"amazing", "awesome", "good quality", "high quality", "free shipping", "limited time",
	}
)

func init() {
	fieldTable = []FieldSpec{
		// Shopify.
		{
			Channel: Shopify, Name: "title", Label: "Title", Kind: KindText, MaxLen: 255, Unit: Chars,
			Guidance: []string{
				"Name the product the way a shopper would say it: product type first, then the one or two details that tell it apart (material, colour, size, count) when the product data gives them.",
				"Aim for 30 to 70 characters; long titles wrap on collection pages and get cut in search results.",
				"Do not put the store name, prices, discounts or shipping in the title.",
				`Good: "Linen Napkins, Set of 4 – Sage Green". Bad: "BEST Napkins!!! Amazing Gift Idea Free Shipping".`,
			},
			Source: srcShopifyTitle,
		},
		{
			Channel: Shopify, Name: "description", Label: "Description", Kind: KindHTML, MaxLen: 5000, Unit: Chars,
			AllowedTags: shopifyDescTags,
			Guidance: []string{
				"Open with one or two sentences on what the product is and who it is for, then the details a shopper needs to decide: what it is made of, size and fit, what is included, how to care for it, as far as the product data says.",
				"Use short paragraphs (<p>) and, for specifications or what is in the box, one bulleted list (<ul><li>). Use <h3> only for a long description with several parts.",
				"Write 80 to 250 words. Say each fact once.",
				"Use only these tags, without attributes: p, br, ul, ol, li, strong, em, b, i, h2, h3, h4. No links, no images, no inline styles, no tables.",
				"Do not repeat the title word for word as the first sentence, and do not mention shipping, returns, discounts or the store's policies.",
			},
			Decision: "5,000 characters (counted on the HTML as written) is PlutoPro's cap, not Shopify's: it is Google's description limit, so the same text can feed a Google Shopping export without truncation, and no shopper reads further.",
			Source:   srcShopifyTitle,
		},
		{
			Channel: Shopify, Name: "seo_title", Label: "SEO title", Kind: KindText, MaxLen: 70, Unit: Chars,
			Guidance: []string{
				"Keep it under 60 characters: search engines cut longer titles.",
				"Put the words a shopper would search for first; the brand name may come last, after a separator, if it fits.",
				"Make it different from the product title when a more searchable phrasing exists; never stuff keywords.",
			},
			Source: srcShopifySEO,
		},
		{
			Channel: Shopify, Name: "seo_description", Label: "SEO description", Kind: KindText, MaxLen: 320, Unit: Chars,
			Guidance: []string{
				"Keep it under 160 characters: search results show about that much.",
				"One or two plain sentences that say what the product is and why it is worth a click; no lists, no quotes, no HTML.",
			},
			Source: sources(srcShopifyMeta, srcShopifyTitle),
		},
		{
			Channel: Shopify, Name: "tags", Label: "Tags", ItemLabel: "tag", Kind: KindList,
			MaxLen: 255, Unit: Chars, MinItems: 1, MaxItems: 250, NoDuplicates: true,
			Guidance: []string{
				"Write 5 to 15 tags. Shopify uses tags to filter collections and search the store, so use words a shopper would filter by: product type, material, colour, occasion, room, style.",
				"Keep each tag short (one to three words), lower case unless it is a proper name, with no # sign.",
			},
			Decision: "255 characters per tag is Shopify's field length as commonly cited; the 250-tag cap is Shopify's own changelog.",
			Source:   srcShopifyTags,
		},
		{
			Channel: Shopify, Name: "image_alt", Label: "Image alt text", ItemLabel: "alt text", Kind: KindList,
			PerImage: true, MaxLen: 512, Unit: Chars,
			Guidance: []string{
				"Write one alt text per product image, in the order of the images.",
				"Aim for about 125 characters: screen readers read alt text aloud, and long ones tire the listener.",
				`Describe what the image shows, using the product's name and the variant it shows if the data says so; do not start with "Image of" or "Picture of".`,
				"Do not invent details you cannot know from the data (such as a background or a person); keep to the product.",
			},
			Source: sources(srcShopifyAlt, srcShopifyAlt2),
		},

		// Etsy.
		{
			Channel: Etsy, Name: "title", Label: "Title", Kind: KindText, MaxLen: 140, Unit: Chars,
			ForbiddenChars: "$^`\\", OnceChars: "%:&",
			Guidance: []string{
				"Write a short, clear title a buyer can read at a glance: what the item is first, then its most important traits. Fewer than 15 words.",
				"Words at the start weigh most in Etsy search, so lead with the item itself, not an adjective.",
				"Do not repeat phrases, stack synonyms or list every keyword: tags are for that.",
				`Good: "Hand-Thrown Stoneware Mug, Speckled Glaze, 350 ml". Bad: "Mug Coffee Mug Tea Mug Gift For Her Gift For Mom Birthday Gift".`,
			},
			Decision: "The backslash is also refused: community checkers reject it and a title never needs one.",
			Source:   sources(srcEtsyTitle, srcEtsyTitleChars, srcEtsyChecker, srcEtsyStyle),
		},
		{
			Channel: Etsy, Name: "description", Label: "Description", Kind: KindText, MaxLen: 5000, Unit: Chars,
			Guidance: []string{
				"Plain text only: Etsy shows no HTML. Use short paragraphs separated by blank lines; a list can use lines starting with \"- \".",
				"The first sentence shows in search previews: say plainly what the item is.",
				"Then cover what a buyer asks before buying, as far as the product data says: materials, size, what is included, care, personalisation options.",
				"If the product data says the item was designed or made with AI tools, say so; Etsy requires it. Otherwise do not mention AI.",
				"Write 80 to 300 words in the brand's voice.",
			},
			Decision: "5,000 characters is PlutoPro's cap: no published Etsy limit was found; it keeps descriptions readable and equal to Google's limit so one text can serve both.",
			Source:   sources(srcEtsyStyle, srcEtsyAI),
		},
		{
			Channel: Etsy, Name: "tags", Label: "Tags", ItemLabel: "tag", Kind: KindList,
			MaxLen: 20, Unit: Chars, MinItems: 1, MaxItems: 13, NoDuplicates: true,
			WordCharsOnly: true, ExtraChars: "-'", NoLeadingChars: "-'",
			Guidance: []string{
				"Use all 13 tags: each is a phrase a buyer might type, at most 20 characters, such as \"linen napkins\" or \"rustic table decor\".",
				"Use multi-word phrases rather than single words, and vary them: do not repeat the same phrase with a word swapped.",
				"Letters, numbers and spaces only (a hyphen or apostrophe inside a word is fine, never at the start).",
			},
			Decision: "Hyphens and apostrophes are allowed inside a tag: the source only forbids them at the start.",
			Source:   sources(srcEtsyTags, srcEtsyTagsAPI, srcEtsyChecker),
		},
		{
			Channel: Etsy, Name: "materials", Label: "Materials", ItemLabel: "material", Kind: KindList,
			MaxLen: 45, Unit: Chars, MaxItems: 13, NoDuplicates: true, WordCharsOnly: true,
			Guidance: []string{
				"List only materials the product data names, one per item, in lower case: \"linen\", \"cotton thread\".",
				"Letters, numbers and spaces only; no percentages or punctuation.",
				"If the data names no material, return an empty list rather than guessing.",
			},
			Decision: "13 materials and 45 characters each are PlutoPro's caps: Etsy's count cap was not found in the sources (verify on developers.etsy.com); 13 matches the tag count and no material name needs more than 45 characters.",
			Source:   srcEtsyMaterials,
		},

		// Amazon.
		{
			Channel: Amazon, Name: "item_name", Label: "Item name", Kind: KindText, MaxLen: 200, Unit: Chars,
			ForbiddenChars: "!$?_{}^¬¦", MaxWordRepeat: 2, BannedPhrases: amazonPromo,
			Guidance: []string{
				"Identify the product: brand, product line or model, material or key feature, product type, colour, size, quantity, in that order where the data gives them.",
				"Keep it under 80 characters where you can; Amazon recommends short titles and some categories cap them lower than 200.",
				"Capitalise the first letter of each word except short articles, prepositions and conjunctions; write numbers as digits.",
				"No promotional words (sale, free shipping, best seller), no subjective praise, and no word more than twice.",
			},
			Source: sources(srcAmazonTitle, srcAmazonRepeat),
		},
		{
			Channel: Amazon, Name: "bullet_points", Label: "Bullet points", ItemLabel: "bullet point", Kind: KindList,
			MinItems: 5, MaxItems: 5, MaxLen: 250, Unit: Chars, NoDuplicates: true,
			ForbiddenChars: "™®€…†‡¢£¥©±~", NoEmoji: true, StartCapital: true, BannedPhrases: amazonBulletBans,
			Guidance: []string{
				"Write exactly five bullet points, each one feature or fact the buyer cares about, most important first.",
				"Start each with a capital letter; a short lead-in phrase followed by a colon is fine (\"Pure linen: ...\").",
				"Plain text, under 250 characters each, no ending full stop needed, no emoji or special symbols.",
				"No refund, guarantee or warranty promises, no environmental or antimicrobial claims, no placeholders like N/A or TBD.",
				"Say \"bamboo\" for a textile only if the data says it is bamboo fibre; Amazon restricts bamboo claims.",
			},
			Source: sources(srcAmazonBullets, srcAmazonBullets2, srcAmazonBans, srcAmazonBans2),
		},
		{
			Channel: Amazon, Name: "product_description", Label: "Product description", Kind: KindText,
			MaxLen: 2000, Unit: Chars, AllowedTags: []string{"br"}, NoContactInfo: true, BannedPhrases: amazonPromo,
			Guidance: []string{
				"Plain text; the only markup allowed is <br> for a line break.",
				"Describe the product and how it is used, in the brand's voice, adding to the bullet points rather than repeating them.",
				"No web addresses, email addresses or phone numbers; no prices, availability, shipping, reviews or testimonials; nothing time-sensitive.",
			},
			Decision: "2,000 characters is PlutoPro's cap, the figure Amazon's listing templates commonly use; the real per-category limit comes from the Product Type Definitions API and should replace it when a connection is available.",
			Source:   sources(srcAmazonDetail, srcAmazonPTD),
		},
		{
			Channel: Amazon, Name: "generic_keywords", Label: "Search terms", ItemLabel: "search term", Kind: KindList,
			MaxLen: 249, Unit: Bytes, MinItems: 1, MaxTotal: 249, NoDuplicates: true, NoBrandNames: true, BannedPhrases: amazonSearchBans,
			Guidance: []string{
				"Search terms are hidden keywords: synonyms, spelling variants, uses and audiences a buyer might type that the title and bullets do not already contain.",
				"Together they must stay under 250 bytes (letters with accents count double); write them in lower case, no punctuation, no repeats.",
				"No brand names (yours or others'), no ASINs, no temporary words (new, on sale) and no subjective words (best, amazing).",
			},
			Decision: "The 249-byte budget counts the terms joined by single spaces, which is stricter than Amazon (it does not count spaces), so a passing value is always accepted.",
			Source:   sources(srcAmazonSearch, srcAmazonSearch2),
		},

		// Google Merchant Center.
		{
			Channel: Google, Name: "title", Label: "Title", Kind: KindText, MaxLen: 150, Unit: Chars,
			ForbiddenChars: "!",
			Guidance: []string{
				"Describe the product on the landing page: brand, product type and the variant details the data gives (colour, size, material, count).",
				"Put the most important words in the first 70 characters: Google often shows no more.",
				"No exclamation marks, no promotional text, no capitals for emphasis, no gimmicky repetition or symbols.",
			},
			Source: sources(srcGoogleTitle, srcGoogleEdit),
		},
		{
			Channel: Google, Name: "description", Label: "Description", Kind: KindHTML, MaxLen: 5000, Unit: Chars,
			AllowedTags: googleDescTags,
			Guidance: []string{
				"Describe only the product: what it is, what it is made of, size, features and uses, as the data says.",
				"Never describe the store, its shipping, returns, prices or promotions, and add no links.",
				"Put the most important facts in the first 160 to 500 characters; Google truncates the rest in most views.",
				"Limited HTML: p, br, ul, ol, li, strong, em, b, i; no attributes.",
			},
			Source: srcGoogleDesc,
		},
		{
			Channel: Google, Name: "product_highlights", Label: "Product highlights", ItemLabel: "highlight", Kind: KindList,
			MinItems: 2, MaxItems: 100, MaxLen: 150, Unit: Chars, NoDuplicates: true,
			Guidance: []string{
				"Write 4 to 6 highlights: short, scannable facts about the product, one each.",
				"No promotional text, prices or shipping; no full stops needed.",
			},
			Source: sources(srcGoogleHigh, srcGoogleEdit),
		},
	}
}

// channelRules are the rules that apply to a whole channel.
var channelRules = map[Channel][]string{
	Shopify: {
		"Shopify is the brand's own store: the copy speaks for the brand, in its voice, to a shopper who is already on its site.",
		"The title is the product's name on the storefront and in collections; the SEO title and SEO description are what search engines show, so they are written for someone who has not yet seen the brand.",
		"The description is HTML and is shown as written on the product page; keep it to simple, semantic tags so it looks right in any theme.",
		"Tags are used by the store's filters and search, not shown as keywords to shoppers.",
	},
	Etsy: {
		"Etsy is a marketplace of makers: buyers compare many similar items, so the copy must say plainly what this item is and what makes it itself.",
		"Etsy search weighs the title, tags, categories and attributes; the current guidance favours short, readable titles over keyword lists.",
		"The API rejects titles with $, ^ or a backtick and counts %, : and & only once each; tags are at most 13 phrases of 20 characters.",
		"Items made with the help of AI must say so in the description (Etsy Seller Handbook).",
	},
	Amazon: {
		"Amazon enforces its style rules automatically and may rewrite, suppress or remove listings that break them; write to pass the rules, not around them.",
		"Everything on the detail page must describe the product: no prices, availability, shipping, contact details, web addresses, reviews, testimonials or time-sensitive statements.",
		"Amazon bans promotional and unverifiable claims: guarantees, refunds, \"eco-friendly\", antimicrobial or antibacterial claims, \"best seller\".",
		"Amazon's own per-category limits (from its Product Type Definitions) win over these general ones when they are known.",
	},
	Google: {
		"Google Merchant Center shows the product next to other shops' offers in Shopping results; the text must describe the product on the landing page and nothing else.",
		"Google disapproves promotional text, exclamation marks in titles, capitals for emphasis, extraneous symbols and gimmicky repetition.",
		"Over-length text is truncated, so the important facts go first.",
	},
}

// ChannelRules returns the rules that apply to every field of a channel, as
// lines for a prompt.
func ChannelRules(ch Channel) []string {
	return append([]string(nil), channelRules[ch]...)
}

// FieldRules returns a field's limits and guidance as lines for a prompt:
// the first line names the field and its hard limits, the rest is advice.
func FieldRules(f FieldSpec) []string {
	var limits []string
	switch f.Kind {
	case KindText:
		if len(f.AllowedTags) > 0 {
			limits = append(limits, "plain text; the only HTML allowed is "+tagList(f.AllowedTags))
		} else {
			limits = append(limits, "plain text, no HTML")
		}
	case KindHTML:
		limits = append(limits, "HTML using only "+tagList(f.AllowedTags)+", without attributes")
	case KindList:
		switch {
		case f.PerImage:
			limits = append(limits, "a list with exactly one "+itemLabel(f)+" per product image, in image order")
		case f.MinItems > 0 && f.MinItems == f.MaxItems:
			limits = append(limits, fmt.Sprintf("a list of exactly %d %s", f.MaxItems, plural(itemLabel(f), f.MaxItems)))
		case f.MinItems > 0 && f.MaxItems > 0:
			limits = append(limits, fmt.Sprintf("a list of %d to %d %s", f.MinItems, f.MaxItems, plural(itemLabel(f), 2)))
		case f.MaxItems > 0:
			limits = append(limits, fmt.Sprintf("a list of at most %d %s", f.MaxItems, plural(itemLabel(f), f.MaxItems)))
		default:
			limits = append(limits, "a list of "+plural(itemLabel(f), 2))
		}
		limits = append(limits, "plain text items")
	}
	if f.MaxLen > 0 {
		if f.Kind == KindList {
			limits = append(limits, "each at most "+amount(f.MaxLen, f.Unit))
		} else {
			limits = append(limits, "at most "+amount(f.MaxLen, f.Unit))
		}
	}
	if f.MaxTotal > 0 {
		limits = append(limits, "all items joined by single spaces at most "+amount(f.MaxTotal, f.Unit)+" in total")
	}
	if f.NoDuplicates {
		limits = append(limits, "no repeated items")
	}
	if f.ForbiddenChars != "" {
		limits = append(limits, "never use these characters: "+spaced(f.ForbiddenChars))
	}
	if f.OnceChars != "" {
		limits = append(limits, "use each of "+spaced(f.OnceChars)+" at most once")
	}
	if f.MaxWordRepeat > 0 {
		limits = append(limits, fmt.Sprintf("no word more than %s (articles, prepositions and conjunctions aside)", times(f.MaxWordRepeat)))
	}
	if f.WordCharsOnly {
		s := "letters, numbers and spaces only"
		if f.ExtraChars != "" {
			s += " (plus " + spaced(f.ExtraChars) + " inside words)"
		}
		limits = append(limits, s)
	}
	if f.NoLeadingChars != "" {
		limits = append(limits, "never start with "+spaced(f.NoLeadingChars))
	}
	if f.StartCapital {
		limits = append(limits, "start with a capital letter")
	}
	if f.NoEmoji {
		limits = append(limits, "no emoji")
	}
	if f.NoContactInfo {
		limits = append(limits, "no web addresses, email addresses or phone numbers")
	}
	if f.NoBrandNames {
		limits = append(limits, "no brand names, including the brand's own")
	}
	if len(f.BannedPhrases) > 0 {
		limits = append(limits, "never use: "+quoteList(f.BannedPhrases))
	}
	lines := []string{fmt.Sprintf("%s (%s): %s.", f.Name, f.Label, strings.Join(limits, "; "))}
	return append(lines, f.Guidance...)
}

func tagList(tags []string) string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = "<" + t + ">"
	}
	return strings.Join(out, " ")
}

func spaced(chars string) string {
	rs := []rune(chars)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, " ")
}

func quoteList(ps []string) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = `"` + p + `"`
	}
	return strings.Join(out, ", ")
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// channelName is how a seller names the channel.
func channelName(ch Channel) string {
	switch ch {
	case Shopify:
		return "Shopify"
	case Etsy:
		return "Etsy"
	case Amazon:
		return "Amazon"
	case Google:
		return "Google"
	}
	return string(ch)
}

// itemLabel is the singular name of one list item.
func itemLabel(f FieldSpec) string {
	if f.ItemLabel != "" {
		return f.ItemLabel
	}
	return "item"
}

// plural adds an s (or es) unless n is 1.
func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	if strings.HasSuffix(word, "s") || strings.HasSuffix(word, "x") || strings.HasSuffix(word, "sh") || strings.HasSuffix(word, "ch") {
		return word + "es"
	}
	return word + "s"
}
