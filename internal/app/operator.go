package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/plutopro/plutopro/internal/tenant"
)

// OperatorScope finds a brand by id or name across all accounts, for the
// operator's command line, and returns an owner's scope in its account. A
// name shared by brands of several accounts is refused: use the id.
func (a *App) OperatorScope(ctx context.Context, ref string) (tenant.Scope, string, error) {
	ref = strings.TrimSpace(ref)
	rows, err := a.DB.Query(ctx, `SELECT b.id, b.account_id, m.user_id FROM brands b
		JOIN memberships m ON m.account_id = b.account_id AND m.role = 'owner'
		WHERE b.id = ? OR LOWER(b.name) = LOWER(?) ORDER BY b.id = ? DESC, b.created_at, m.created_at`, ref, ref, ref)
	if err != nil {
		return tenant.Scope{}, "", fmt.Errorf("find brand: %w", err)
	}
	defer rows.Close()
	type hit struct{ brandID, accountID, userID string }
	var hits []hit
	seen := map[string]bool{}
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.brandID, &h.accountID, &h.userID); err != nil {
			return tenant.Scope{}, "", err
		}
		if !seen[h.brandID] {
			seen[h.brandID] = true
			hits = append(hits, h)
		}
	}
	if err := rows.Err(); err != nil {
		return tenant.Scope{}, "", err
	}
	switch {
	case len(hits) == 0:
		return tenant.Scope{}, "", fmt.Errorf("--brand %s: no such brand", ref)
	case len(hits) > 1 && hits[0].brandID != ref:
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.brandID
		}
		return tenant.Scope{}, "", fmt.Errorf("--brand %s: %d brands have that name (%s); give the id", ref, len(hits), strings.Join(ids, ", "))
	}
	h := hits[0]
	return tenant.Scope{AccountID: h.accountID, UserID: h.userID, Role: tenant.Owner}, h.brandID, nil
}
