package transfer

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Export writes a brand's catalog to w in Shopify's product CSV format, with
// every metadata column the catalog holds, so re-importing it changes nothing.
// It makes two passes (columns, then rows) and holds one page at a time.
func (s *Service) Export(ctx context.Context, sc tenant.Scope, brandID, format string, w io.Writer) (int, error) {
	if format != "" && format != "shopify" {
		return 0, apperr.E(apperr.Invalid, "Unknown export format %q: use shopify.", truncate(format, 20))
	}
	prodCols, varCols := map[string]bool{}, map[string]bool{}
	err := s.catalog.Each(ctx, sc, brandID, func(p *catalog.Product) error {
		pc, vc := csvfile.MetadataColumns(p)
		for _, c := range pc {
			prodCols[c] = true
		}
		for _, c := range vc {
			varCols[c] = true
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	cw, err := csvfile.NewShopifyWriter(w, sortedKeys(prodCols), sortedKeys(varCols))
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.catalog.Each(ctx, sc, brandID, func(p *catalog.Product) error {
		n++
		return cw.Write(p)
	})
	if err != nil {
		return n, err
	}
	if err := cw.Flush(); err != nil {
		return n, fmt.Errorf("transfer: write export: %w", err)
	}
	return n, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
