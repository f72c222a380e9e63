// Package brand owns brands and their profile: the voice, audience,
// guidelines and words the writer uses. Brands belong to an account; every
// query is scoped by it.
package brand

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Channels a brand can default to.
var Channels = []string{"shopify", "etsy", "amazon", "google"}

// Languages the writer supports, by BCP 47 tag.
var Languages = map[string]string{
	"en": "English", "en-GB": "English (UK)", "en-US": "English (US)", "de": "German", "fr": "French",
	"es": "Spanish", "it": "Italian", "nl": "Dutch", "pt": "Portuguese", "sv": "Swedish", "da": "Danish",
}

// Brand is a brand and its profile.
type Brand struct {
	ID             string    `json:"id"`
	AccountID      string    `json:"account_id"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	Voice          string    `json:"voice"`
	Audience       string    `json:"audience"`
	Guidelines     string    `json:"guidelines"`
	WordsAvoid     []string  `json:"words_avoid"`
	WordsPrefer    []string  `json:"words_prefer"`
	Language       string    `json:"language"`
	DefaultChannel string    `json:"default_channel"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Input is a brand's editable profile. Nil fields are left unchanged by Update
// and take defaults in Create.
type Input struct {
	Name           *string   `json:"name"`
	Description    *string   `json:"description"`
	Voice          *string   `json:"voice"`
	Audience       *string   `json:"audience"`
	Guidelines     *string   `json:"guidelines"`
	WordsAvoid     *[]string `json:"words_avoid"`
	WordsPrefer    *[]string `json:"words_prefer"`
	Language       *string   `json:"language"`
	DefaultChannel *string   `json:"default_channel"`
}

// Service is the brand service.
type Service struct {
	db *store.DB
}

// NewService returns the brand service.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// FieldError is a validation failure on one field.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError lists every invalid field.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Message
	}
	return strings.Join(msgs, " ")
}

// Unwrap classifies a validation error as Invalid.
func (e *ValidationError) Unwrap() error { return apperr.E(apperr.Invalid, "%s", e.Error()) }

const (
	maxName  = 100
	maxText  = 4000
	maxWords = 200
	maxWord  = 60
)

func (in *Input) apply(b *Brand) error {
	var errs []FieldError
	text := func(field string, src *string, dst *string, limit int, required bool) {
		if src == nil {
			return
		}
		v := strings.TrimSpace(*src)
		switch {
		case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
			errs = append(errs, FieldError{field, fmt.Sprintf("The %s contains invalid characters.", label(field))})
		case required && v == "":
			errs = append(errs, FieldError{field, fmt.Sprintf("Enter a %s.", label(field))})
		case utf8.RuneCountInString(v) > limit:
			errs = append(errs, FieldError{field, fmt.Sprintf("The %s is at most %d characters.", label(field), limit)})
		case field == "name" && strings.ContainsAny(v, "\r\n"):
			errs = append(errs, FieldError{field, "The name must be on one line."})
		default:
			*dst = v
		}
	}
	words := func(field string, src *[]string, dst *[]string) {
		if src == nil {
			return
		}
		seen := map[string]bool{}
		out := []string{}
		for _, w := range *src {
			w = strings.TrimSpace(w)
			if w == "" || seen[strings.ToLower(w)] {
				continue
			}
			if !utf8.ValidString(w) || utf8.RuneCountInString(w) > maxWord || strings.ContainsAny(w, "\r\n") {
				errs = append(errs, FieldError{field, fmt.Sprintf("Each entry in %s is one line of at most %d characters.", label(field), maxWord)})
				return
			}
			seen[strings.ToLower(w)] = true
			out = append(out, w)
		}
		if len(out) > maxWords {
			errs = append(errs, FieldError{field, fmt.Sprintf("List at most %d %s.", maxWords, label(field))})
			return
		}
		*dst = out
	}
	text("name", in.Name, &b.Name, maxName, true)
	text("description", in.Description, &b.Description, maxText, false)
	text("voice", in.Voice, &b.Voice, maxText, false)
	text("audience", in.Audience, &b.Audience, maxText, false)
	text("guidelines", in.Guidelines, &b.Guidelines, maxText, false)
	words("words_avoid", in.WordsAvoid, &b.WordsAvoid)
	words("words_prefer", in.WordsPrefer, &b.WordsPrefer)
	if in.Language != nil {
		if _, ok := Languages[*in.Language]; !ok {
			errs = append(errs, FieldError{"language", fmt.Sprintf("Unknown language %q.", truncate(*in.Language, 20))})
		} else {
			b.Language = *in.Language
		}
	}
	if in.DefaultChannel != nil {
		ok := false
		for _, c := range Channels {
			ok = ok || c == *in.DefaultChannel
		}
		if !ok {
			errs = append(errs, FieldError{"default_channel", fmt.Sprintf("Unknown channel %q; use one of %s.", truncate(*in.DefaultChannel, 20), strings.Join(Channels, ", "))})
		} else {
			b.DefaultChannel = *in.DefaultChannel
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func label(field string) string {
	switch field {
	case "words_avoid":
		return "words to avoid"
	case "words_prefer":
		return "preferred words"
	}
	return strings.ReplaceAll(field, "_", " ")
}

// Create makes a brand in the scope's account.
func (s *Service) Create(ctx context.Context, sc tenant.Scope, in Input) (*Brand, error) {
	if err := sc.Require(tenant.ManageBrands); err != nil {
		return nil, err
	}
	if in.Name == nil {
		in.Name = new(string)
	}
	now := store.Now()
	b := &Brand{ID: store.NewID(), AccountID: sc.AccountID, Language: "en", DefaultChannel: "shopify",
		WordsAvoid: []string{}, WordsPrefer: []string{}, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(b); err != nil {
		return nil, err
	}
	avoid, prefer := mustJSON(b.WordsAvoid), mustJSON(b.WordsPrefer)
	_, err := s.db.Exec(ctx, `INSERT INTO brands (id, account_id, name, description, voice, audience, guidelines,
		words_avoid, words_prefer, language, default_channel, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.AccountID, b.Name, b.Description, b.Voice, b.Audience, b.Guidelines, avoid, prefer, b.Language, b.DefaultChannel, now, now)
	if store.IsUniqueViolation(err) {
		return nil, &ValidationError{Fields: []FieldError{{"name", fmt.Sprintf("A brand named %q already exists in this account.", b.Name)}}}
	}
	if err != nil {
		return nil, fmt.Errorf("brand: create: %w", err)
	}
	return b, nil
}

// Update changes the fields set in in.
func (s *Service) Update(ctx context.Context, sc tenant.Scope, id string, in Input) (*Brand, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	b, err := s.Get(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := in.apply(b); err != nil {
		return nil, err
	}
	b.UpdatedAt = store.Now()
	_, err = s.db.Exec(ctx, `UPDATE brands SET name = ?, description = ?, voice = ?, audience = ?, guidelines = ?,
		words_avoid = ?, words_prefer = ?, language = ?, default_channel = ?, updated_at = ?
		WHERE id = ? AND account_id = ?`,
		b.Name, b.Description, b.Voice, b.Audience, b.Guidelines, mustJSON(b.WordsAvoid), mustJSON(b.WordsPrefer),
		b.Language, b.DefaultChannel, b.UpdatedAt, b.ID, sc.AccountID)
	if store.IsUniqueViolation(err) {
		return nil, &ValidationError{Fields: []FieldError{{"name", fmt.Sprintf("A brand named %q already exists in this account.", b.Name)}}}
	}
	if err != nil {
		return nil, fmt.Errorf("brand: update: %w", err)
	}
	return b, nil
}

// Delete removes a brand and everything below it.
func (s *Service) Delete(ctx context.Context, sc tenant.Scope, id string) error {
	if err := sc.Require(tenant.ManageBrands); err != nil {
		return err
	}
	res, err := s.db.Exec(ctx, `DELETE FROM brands WHERE id = ? AND account_id = ?`, id, sc.AccountID)
	if err != nil {
		return fmt.Errorf("brand: delete: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound()
	}
	return nil
}

func notFound() error { return apperr.Wrap(apperr.NotFound, store.ErrNotFound, "Brand not found.") }

const columns = `id, account_id, name, description, voice, audience, guidelines, words_avoid, words_prefer, language, default_channel, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (*Brand, error) {
	var b Brand
	var avoid, prefer string
	if err := row.Scan(&b.ID, &b.AccountID, &b.Name, &b.Description, &b.Voice, &b.Audience, &b.Guidelines,
		&avoid, &prefer, &b.Language, &b.DefaultChannel, &b.CreatedAt, &b.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(avoid), &b.WordsAvoid); err != nil {
		return nil, fmt.Errorf("brand: words_avoid: %w", err)
	}
	if err := json.Unmarshal([]byte(prefer), &b.WordsPrefer); err != nil {
		return nil, fmt.Errorf("brand: words_prefer: %w", err)
	}
	return &b, nil
}

// Get returns a brand of the scope's account; another account's id is NotFound.
func (s *Service) Get(ctx context.Context, sc tenant.Scope, id string) (*Brand, error) {
	if err := sc.Require(tenant.Read); err != nil {
		return nil, err
	}
	if !store.ValidID(id) {
		return nil, notFound()
	}
	b, err := scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM brands WHERE id = ? AND account_id = ?`, id, sc.AccountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("brand: get: %w", err)
	}
	return b, nil
}

// Find returns the brand whose id or (case-insensitive) name is ref.
func (s *Service) Find(ctx context.Context, sc tenant.Scope, ref string) (*Brand, error) {
	if store.ValidID(ref) {
		if b, err := s.Get(ctx, sc, ref); err == nil || !apperr.Is(err, apperr.NotFound) {
			return b, err
		}
	}
	if err := sc.Require(tenant.Read); err != nil {
		return nil, err
	}
	b, err := scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM brands WHERE account_id = ? AND LOWER(name) = LOWER(?) ORDER BY created_at LIMIT 1`,
		sc.AccountID, strings.TrimSpace(ref)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "No brand %q in this account.", truncate(ref, 60))
	}
	if err != nil {
		return nil, fmt.Errorf("brand: find: %w", err)
	}
	return b, nil
}

// List returns the account's brands by name.
func (s *Service) List(ctx context.Context, sc tenant.Scope) ([]*Brand, error) {
	if err := sc.Require(tenant.Read); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM brands WHERE account_id = ? ORDER BY LOWER(name), id`, sc.AccountID)
	if err != nil {
		return nil, fmt.Errorf("brand: list: %w", err)
	}
	defer rows.Close()
	out := []*Brand{}
	for rows.Next() {
		b, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("brand: list: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func mustJSON(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}
