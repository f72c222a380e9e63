package drafts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Draft statuses. A draft is reviewed once: approving, rejecting or
// editing acts on the current version of a field.
const (
	DraftPending  = "draft"
	DraftApproved = "approved"
	DraftRejected = "rejected"
	// DraftPublished: approved and written to the store (internal/connect).
	DraftPublished = "published"
)

// ProviderHuman marks versions a person wrote (edits).
const ProviderHuman = "human"

// MaxBody bounds an edited draft, in bytes.
const MaxBody = 64 << 10

// Draft returns one draft (any version) the scope may read.
func (s *Service) Draft(ctx context.Context, sc tenant.Scope, id string) (*Draft, error) {
	if !store.ValidID(id) {
		return nil, apperr.E(apperr.NotFound, "Draft not found.")
	}
	d, err := scanDraft(s.db.QueryRow(ctx, `SELECT `+draftColumns+` FROM drafts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Draft not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("drafts: get draft: %w", err)
	}
	// Another account's draft is not found, never forbidden.
	if _, err := s.brands.Get(ctx, sc, d.BrandID); err != nil {
		return nil, apperr.E(apperr.NotFound, "Draft not found.")
	}
	return d, nil
}

// Versions returns every version of a draft's field, newest first.
func (s *Service) Versions(ctx context.Context, sc tenant.Scope, id string) ([]*Draft, error) {
	d, err := s.Draft(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+draftColumns+` FROM drafts WHERE brand_id = ? AND product_id = ? AND channel = ? AND field = ?
		ORDER BY version DESC`, d.BrandID, d.ProductID, d.Channel, d.Field)
	if err != nil {
		return nil, fmt.Errorf("drafts: versions: %w", err)
	}
	defer rows.Close()
	var out []*Draft
	for rows.Next() {
		v, err := scanDraft(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// reviewable loads a draft a reviewer may act on: the current version of
// its field, in the scope's account, with editing rights.
func (s *Service) reviewable(ctx context.Context, sc tenant.Scope, id string) (*Draft, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	d, err := s.Draft(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if !d.Current {
		return nil, apperr.E(apperr.Conflict, "A newer version of this field exists; review that one (or restore this one).")
	}
	return d, nil
}

func violationText(vs []generate.Violation) string {
	msgs := make([]string, 0, len(vs))
	for _, v := range vs {
		msgs = append(msgs, v.Message)
	}
	return strings.Join(msgs, "; ")
}

func (s *Service) signal(d *Draft, sc tenant.Scope, kind, before, after, reason string) learn.Signal {
	return learn.Signal{BrandID: d.BrandID, DraftID: d.ID, ProductID: d.ProductID, Channel: d.Channel, Field: d.Field, Kind: kind,
		Before: before, After: after, Reason: reason, UserID: sc.UserID, CreatedAt: s.now()}
}

func (s *Service) record(ctx context.Context, tx *store.Tx, sigs ...learn.Signal) error {
	if s.learn == nil {
		return nil
	}
	return s.learn.RecordTx(ctx, tx, sigs...)
}

// Approve approves the current version of a field. A draft that breaks a
// channel rule cannot be approved until it is edited. Approving an
// approved draft changes nothing.
func (s *Service) Approve(ctx context.Context, sc tenant.Scope, id string) (*Draft, error) {
	d, err := s.reviewable(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := s.approveTx(ctx, sc, d); err != nil {
		return nil, err
	}
	return s.Draft(ctx, sc, id)
}

func (s *Service) approveTx(ctx context.Context, sc tenant.Scope, d *Draft) error {
	if d.Status == DraftApproved {
		return nil
	}
	if len(d.Violations) > 0 {
		return apperr.E(apperr.Invalid, "This draft breaks the channel's rules (%s); edit it before approving.", violationText(d.Violations))
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE drafts SET status = ? WHERE id = ? AND is_current = 1 AND status <> ?`, DraftApproved, d.ID, DraftApproved)
		if err != nil {
			return fmt.Errorf("drafts: approve: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // approved, or replaced, by someone else meanwhile
		}
		return s.record(ctx, tx, s.signal(d, sc, learn.SignalApprove, d.Body, d.Body, ""))
	})
}

// BulkApprove approves the current drafts named, all or none: a draft that
// cannot be approved (not found, not current, breaking a rule) stops the
// whole request with its reason.
func (s *Service) BulkApprove(ctx context.Context, sc tenant.Scope, brandID string, ids []string) (int, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return 0, err
	}
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return 0, err
	}
	if len(ids) > 1000 {
		return 0, apperr.E(apperr.Invalid, "Approve at most 1,000 drafts at once.")
	}
	var todo []*Draft
	for _, id := range ids {
		d, err := s.reviewable(ctx, sc, id)
		if err != nil {
			return 0, err
		}
		if d.BrandID != brandID {
			return 0, apperr.E(apperr.NotFound, "Draft not found.")
		}
		if d.Status == DraftApproved {
			continue
		}
		if len(d.Violations) > 0 {
			return 0, apperr.E(apperr.Invalid, "The %s draft of a product breaks the channel's rules (%s); edit it before approving.", d.Field, violationText(d.Violations))
		}
		todo = append(todo, d)
	}
	n := 0
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var sigs []learn.Signal
		for _, d := range todo {
			res, err := tx.Exec(ctx, `UPDATE drafts SET status = ? WHERE id = ? AND is_current = 1 AND status <> ?`, DraftApproved, d.ID, DraftApproved)
			if err != nil {
				return fmt.Errorf("drafts: approve: %w", err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
				sigs = append(sigs, s.signal(d, sc, learn.SignalApprove, d.Body, d.Body, ""))
			}
		}
		return s.record(ctx, tx, sigs...)
	})
	return n, err
}

// Reject rejects the current version of a field with a reason (one of
// learn.PresetReasons or the reviewer's own words).
func (s *Service) Reject(ctx context.Context, sc tenant.Scope, id, reason string) (*Draft, error) {
	d, err := s.reviewable(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	reason = strings.Join(strings.Fields(reason), " ")
	switch {
	case reason == "":
		return nil, apperr.E(apperr.Invalid, "Give a reason for rejecting: pick one (%s) or write your own.", strings.Join(learn.PresetReasons, ", "))
	case !utf8.ValidString(reason):
		return nil, apperr.E(apperr.Invalid, "The reason is not valid text.")
	case utf8.RuneCountInString(reason) > MaxInstruction:
		return nil, apperr.E(apperr.Invalid, "The reason is longer than %d characters.", MaxInstruction)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE drafts SET status = ? WHERE id = ? AND is_current = 1`, DraftRejected, d.ID)
		if err != nil {
			return fmt.Errorf("drafts: reject: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "A newer version of this field exists; review that one.")
		}
		return s.record(ctx, tx, s.signal(d, sc, learn.SignalReject, d.Body, d.Body, reason))
	})
	if err != nil {
		return nil, err
	}
	return s.Draft(ctx, sc, id)
}

// ParseBody turns what a reviewer typed into a field's value: list fields
// take one item per line, other fields the text as it is.
func ParseBody(spec generate.FieldSpec, body string) generate.Value {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	if spec.Kind == generate.KindList {
		var items []string
		for _, l := range strings.Split(body, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				items = append(items, l)
			}
		}
		return generate.Value{Items: items}
	}
	return generate.Value{Text: strings.TrimSpace(body)}
}

// Edit stores a reviewer's text as a new version of the field (approved
// when asked), checked against the channel's rules and the product's
// facts. A version that breaks a rule is kept as a draft but cannot be
// approved. The edit is a signal learning reads.
func (s *Service) Edit(ctx context.Context, sc tenant.Scope, id, body string, approve bool) (*Draft, error) {
	d, err := s.reviewable(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	switch {
	case len(body) > MaxBody:
		return nil, apperr.E(apperr.TooLarge, "The text is larger than %d KB.", MaxBody>>10)
	case !utf8.ValidString(body):
		return nil, apperr.E(apperr.Invalid, "The text is not valid UTF-8.")
	}
	spec, ok := generate.Field(generate.Channel(d.Channel), d.Field)
	if !ok {
		return nil, apperr.E(apperr.Invalid, "This draft's field is no longer written for %s.", d.Channel)
	}
	b, err := s.brands.Get(ctx, sc, d.BrandID)
	if err != nil {
		return nil, err
	}
	p, err := s.catalog.Get(ctx, sc, d.BrandID, d.ProductID)
	if err != nil {
		return nil, err
	}
	value := ParseBody(spec, body)
	newBody := value.Text
	if len(value.Items) > 0 {
		newBody = strings.Join(value.Items, "\n")
	}
	if newBody == d.Body {
		if approve {
			return s.Approve(ctx, sc, id)
		}
		return d, nil
	}
	if newBody == "" {
		return nil, apperr.E(apperr.Invalid, "The text is empty; reject the draft instead.")
	}
	check := generate.CheckContext{Brand: profile(b), Product: p, ImageCount: len(p.Images)}
	viol := generate.Validate(spec, value, check)
	if approve && len(viol) > 0 {
		return nil, apperr.E(apperr.Invalid, "This text breaks the channel's rules (%s); fix it or save it without approving.", violationText(viol))
	}
	ung := generate.Ground(valueText(value), p, profile(b))
	status := DraftPending
	if approve {
		status = DraftApproved
	}
	newID := store.NewID()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.supersede(ctx, tx, d); err != nil {
			return err
		}
		if err := s.insertVersion(ctx, tx, d, newID, value, status, viol, ung, ProviderHuman, "", ""); err != nil {
			return err
		}
		sg := s.signal(d, sc, learn.SignalEdit, d.Body, newBody, "")
		sg.DraftID = newID
		return s.record(ctx, tx, sg)
	})
	if err != nil {
		return nil, err
	}
	return s.Draft(ctx, sc, newID)
}

// supersede makes d no longer current, failing when it already is not
// (someone else acted first).
func (s *Service) supersede(ctx context.Context, tx *store.Tx, d *Draft) error {
	res, err := tx.Exec(ctx, `UPDATE drafts SET is_current = 0 WHERE id = ? AND is_current = 1`, d.ID)
	if err != nil {
		return fmt.Errorf("drafts: supersede: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.E(apperr.Conflict, "A newer version of this field exists; review that one.")
	}
	return nil
}

func (s *Service) insertVersion(ctx context.Context, tx *store.Tx, d *Draft, id string, v generate.Value, status string,
	viol []generate.Violation, ung []generate.Ungrounded, provider, model, promptHash string) error {
	var version int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM drafts WHERE product_id = ? AND channel = ? AND field = ?`,
		d.ProductID, d.Channel, d.Field).Scan(&version); err != nil {
		return err
	}
	value, _ := json.Marshal(v)
	violJSON, _ := json.Marshal(nonNil(viol))
	ungJSON, _ := json.Marshal(nonNil(ung))
	if _, err := tx.Exec(ctx, `INSERT INTO drafts (id, brand_id, product_id, channel, field, version, is_current, value, status, violations,
		ungrounded, repairs, provider, model, prompt_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, '[]', ?, ?, ?, ?)`,
		id, d.BrandID, d.ProductID, d.Channel, d.Field, version+1, string(value), status, string(violJSON), string(ungJSON),
		provider, model, promptHash, s.now()); err != nil {
		return fmt.Errorf("drafts: store version: %w", err)
	}
	return nil
}

// Restore makes an earlier version of a field current again, as a new
// version to review (the history keeps every version).
func (s *Service) Restore(ctx context.Context, sc tenant.Scope, id string) (*Draft, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	old, err := s.Draft(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if old.Current {
		return old, nil
	}
	var cur *Draft
	cur, err = scanDraft(s.db.QueryRow(ctx, `SELECT `+draftColumns+` FROM drafts WHERE product_id = ? AND channel = ? AND field = ? AND is_current = 1`,
		old.ProductID, old.Channel, old.Field))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	newID := store.NewID()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		before := ""
		if cur != nil {
			if err := s.supersede(ctx, tx, cur); err != nil {
				return err
			}
			before = cur.Body
		}
		if err := s.insertVersion(ctx, tx, old, newID, old.Value, DraftPending, old.Violations, old.Ungrounded, old.Provider, old.Model, old.PromptHash); err != nil {
			return err
		}
		sg := s.signal(old, sc, learn.SignalRestore, before, old.Body, "")
		sg.DraftID = newID
		return s.record(ctx, tx, sg)
	})
	if err != nil {
		return nil, err
	}
	return s.Draft(ctx, sc, newID)
}

// Regenerate asks the writer for a new version of one field of one product,
// following the reviewer's instruction (which learning counts).
func (s *Service) Regenerate(ctx context.Context, sc tenant.Scope, id, instruction string) (*Generation, error) {
	d, err := s.reviewable(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	instruction = strings.Join(strings.Fields(instruction), " ")
	return s.start(ctx, sc, d.BrandID, StartInput{Channel: d.Channel, Fields: []string{d.Field}, ProductIDs: []string{d.ProductID},
		Instruction: instruction}, func(tx *store.Tx) error {
		return s.record(ctx, tx, s.signal(d, sc, learn.SignalRegenerate, d.Body, "", instruction))
	})
}

// CurrentDraft returns the current version of a product's field.
func (s *Service) CurrentDraft(ctx context.Context, sc tenant.Scope, brandID, productID, channel, field string) (*Draft, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	d, err := scanDraft(s.db.QueryRow(ctx, `SELECT `+draftColumns+` FROM drafts WHERE brand_id = ? AND product_id = ? AND channel = ? AND field = ?
		AND is_current = 1`, brandID, productID, channel, field))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Draft not found.")
	}
	return d, err
}

// userRef is a user id for a foreign key, or NULL for the operator and jobs.
func userRef(id string) any {
	if store.ValidID(id) {
		return id
	}
	return nil
}
