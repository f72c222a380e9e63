package reviewsim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"

	"github.com/plutopro/plutopro/internal/textdiff"
)

// Runner drives one persona over rounds of generation and review on one
// brand, through the API only.
type Runner struct {
	Client  *Client
	BrandID string
	// Brand is the brand's name (titles keep its words capitalised).
	Brand   string
	Persona Persona
	// Channel and Fields are what each round generates (default: etsy,
	// title and description; Etsy's description is plain text).
	Channel string
	Fields  []string
	// Rounds of PerRound products each, taken in order from Products
	// (default: the brand's products as the API lists them).
	Rounds, PerRound int
	Products         []Product
	// Samples is how many edited drafts each round keeps for reports.
	Samples int
}

// Round is what one round of reviews saw.
type Round struct {
	Round    int
	Products int
	Drafts   int
	// Distance is the mean normalised edit distance (textdiff.Distance)
	// between a draft and the persona's ideal; FieldDistance the same per field.
	Distance      float64
	FieldDistance map[string]float64
	// Approved drafts needed no edit; Edited ones were replaced by the
	// ideal (approved with it); Refused ones the API would not approve.
	Approved, Edited, Refused int
	// Clean is the share of drafts approved without an edit.
	Clean float64
	// MemoryItems and MemoryApplied are the brand's memory when the
	// round's drafts were written: every item, and those that apply.
	MemoryItems, MemoryApplied int
	// Edits are some of the drafts the persona changed.
	Edits []Edit
	// Refusals are the API's reasons for refused drafts.
	Refusals []string
	// Tripped counts, per rule of the persona, the drafts it changed.
	Tripped map[string]int
}

// Edit is a draft the persona changed, and how.
type Edit struct {
	Product  string // title
	Field    string
	Draft    string
	Ideal    string
	Distance float64
}

// Order returns products sorted by handle, then shuffled with seed: the
// same catalog imported into two brands gives the same order, and each
// round mixes the catalog's kinds of products.
func Order(products []Product, seed uint64) []Product {
	out := slices.Clone(products)
	slices.SortFunc(out, func(a, b Product) int { return cmp.Compare(a.Handle, b.Handle) })
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Run runs the rounds and returns what each saw. It stops early, without
// an error, when the products run out.
func (r *Runner) Run(ctx context.Context) ([]Round, error) {
	if err := r.Persona.Check(); err != nil {
		return nil, err
	}
	channel, fields := r.Channel, r.Fields
	if channel == "" {
		channel = "etsy"
	}
	if len(fields) == 0 {
		fields = []string{"title", "description"}
	}
	products := r.Products
	if products == nil {
		var err error
		if products, err = r.Client.Products(ctx, r.BrandID); err != nil {
			return nil, err
		}
	}
	if r.PerRound < 1 {
		return nil, errors.New("reviewsim: PerRound must be at least 1")
	}
	var rounds []Round
	for n := 1; n <= r.Rounds && len(products) > 0; n++ {
		batch := products[:min(r.PerRound, len(products))]
		products = products[len(batch):]
		round, err := r.round(ctx, n, channel, fields, batch)
		if err != nil {
			return rounds, fmt.Errorf("%s, round %d: %w", r.Persona.Name, n, err)
		}
		rounds = append(rounds, round)
	}
	return rounds, nil
}

func (r *Runner) round(ctx context.Context, n int, channel string, fields []string, batch []Product) (Round, error) {
	ids := make([]string, len(batch))
	for i, p := range batch {
		ids[i] = p.ID
	}
	g, err := r.Client.Generate(ctx, r.BrandID, channel, fields, ids)
	if err != nil {
		return Round{}, err
	}
	// The writer relearned the memory before writing (when signals had
	// arrived since), so this is the memory the drafts were written with.
	mem, err := r.Client.Memory(ctx, r.BrandID)
	if err != nil {
		return Round{}, err
	}
	round := Round{Round: n, Products: len(batch), MemoryItems: len(mem.Items), MemoryApplied: mem.Applied(), FieldDistance: map[string]float64{},
		Tripped: map[string]int{}}
	perField := map[string]int{}
	var total float64
	for _, p := range batch {
		drafts, err := r.Client.Drafts(ctx, r.BrandID, p.ID, channel)
		if err != nil {
			return round, err
		}
		for _, d := range drafts {
			if d.GenerationID != g.ID || !slices.Contains(fields, d.Field) {
				continue
			}
			f := Field{Channel: channel, Name: d.Field, Vendor: p.Vendor, Brand: r.Brand}
			ideal := r.Persona.Ideal(f, d.Body)
			dist := textdiff.Distance(d.Body, ideal)
			for _, rule := range r.Persona.Changes(f, d.Body) {
				round.Tripped[rule]++
			}
			round.Drafts++
			total += dist
			round.FieldDistance[d.Field] += dist
			perField[d.Field]++
			if ideal == d.Body {
				_, err = r.Client.Approve(ctx, d.ID)
			} else {
				_, err = r.Client.Edit(ctx, d.ID, ideal, true)
			}
			if refused(err) {
				round.Refused++
				round.Refusals = append(round.Refusals, fmt.Sprintf("%s %s: %v", p.Title, d.Field, err))
				continue
			}
			if err != nil {
				return round, err
			}
			if ideal == d.Body {
				round.Approved++
				continue
			}
			round.Edited++
			if len(round.Edits) < r.Samples {
				round.Edits = append(round.Edits, Edit{Product: p.Title, Field: d.Field, Draft: d.Body, Ideal: ideal, Distance: dist})
			}
		}
	}
	if want := len(batch) * len(fields); round.Drafts != want {
		return round, fmt.Errorf("generation %s wrote %d drafts for %d products and %d fields, want %d (failed %d)",
			g.ID, round.Drafts, len(batch), len(fields), want, g.Failed)
	}
	round.Distance = total / float64(round.Drafts)
	round.Clean = float64(round.Approved) / float64(round.Drafts)
	for f, k := range perField {
		round.FieldDistance[f] /= float64(k)
	}
	return round, nil
}

// refused reports an API answer that turns down this one review (the text
// breaks a channel rule, say) rather than a failure of the run.
func refused(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity || e.Status == http.StatusConflict)
}

// Table writes rounds as a table: distance, clean approvals, edits,
// refusals and memory per round.
func Table(rounds []Round) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%5s %8s %9s %9s %7s %7s %7s %8s %7s\n", "round", "drafts", "distance", "clean", "edited", "refused", "memory", "applied", "fields")
	for _, r := range rounds {
		var fs []string
		for _, f := range slices.Sorted(maps.Keys(r.FieldDistance)) {
			fs = append(fs, fmt.Sprintf("%s %.3f", f, r.FieldDistance[f]))
		}
		fmt.Fprintf(&b, "%5d %8d %9.4f %8.0f%% %7d %7d %7d %8d   %s\n", r.Round, r.Drafts, r.Distance, 100*r.Clean, r.Edited, r.Refused,
			r.MemoryItems, r.MemoryApplied, strings.Join(fs, ", "))
	}
	return b.String()
}
