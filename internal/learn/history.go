package learn

import (
	"context"
	"time"

	"github.com/plutopro/plutopro/internal/tenant"
	"github.com/plutopro/plutopro/internal/textdiff"
)

// Point is one stretch of a brand's review history: how far reviewers had
// to edit drafts, and how many they approved as written.
type Point struct {
	// Reviews is how many decisions (approvals and edits) came before the
	// end of this stretch; Count how many are in it.
	Reviews int       `json:"reviews"`
	Count   int       `json:"count"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// MeanDistance is the mean normalised edit distance between draft and
	// final text (0 for an approval without edit).
	MeanDistance float64 `json:"mean_distance"`
	// CleanRate is the share approved without any edit.
	CleanRate float64 `json:"clean_rate"`
}

// maxPoints is how many stretches History returns at most.
const maxPoints = 24

// History returns a brand's review decisions over time in up to 24 even
// stretches (at least 5 decisions each), oldest first.
func (s *Service) History(ctx context.Context, sc tenant.Scope, brandID string) ([]Point, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	sigs, err := s.signals(ctx, brandID, maxSignals)
	if err != nil {
		return nil, err
	}
	type decision struct {
		at    time.Time
		dist  float64
		clean bool
	}
	human := map[string]bool{}
	for _, sg := range sigs {
		if sg.Kind == SignalEdit || sg.Kind == SignalRestore {
			human[sg.DraftID] = true
		}
	}
	var ds []decision
	for _, sg := range sigs {
		switch {
		case sg.Kind == SignalApprove && !human[sg.DraftID]:
			ds = append(ds, decision{at: sg.CreatedAt, clean: true})
		case sg.Kind == SignalEdit:
			d := textdiff.Distance(plain(sg.Channel, sg.Field, sg.Before), plain(sg.Channel, sg.Field, sg.After))
			ds = append(ds, decision{at: sg.CreatedAt, dist: d})
		}
	}
	out := []Point{}
	if len(ds) == 0 {
		return out, nil
	}
	size := max(5, (len(ds)+maxPoints-1)/maxPoints)
	for i := 0; i < len(ds); i += size {
		chunk := ds[i:min(i+size, len(ds))]
		p := Point{Reviews: i + len(chunk), Count: len(chunk), From: chunk[0].at, To: chunk[len(chunk)-1].at}
		clean := 0
		for _, d := range chunk {
			p.MeanDistance += d.dist
			if d.clean {
				clean++
			}
		}
		p.MeanDistance /= float64(len(chunk))
		p.CleanRate = float64(clean) / float64(len(chunk))
		out = append(out, p)
	}
	return out, nil
}
