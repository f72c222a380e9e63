package connect

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/secrets"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Connection statuses.
const (
	StatusConnected    = "connected"
	StatusNeedsReauth  = "needs_reauth" // the store refused the tokens
	StatusDisconnected = "disconnected"
)

// Connection is a brand's link to one store. It never holds tokens.
type Connection struct {
	ID         string            `json:"id"`
	BrandID    string            `json:"brand_id"`
	Platform   Platform          `json:"platform"`
	Account    string            `json:"account"`
	Name       string            `json:"name"`
	Status     string            `json:"status"`
	Scopes     []string          `json:"scopes"`
	Extra      map[string]string `json:"extra,omitempty"`
	Error      string            `json:"error,omitempty"`
	LastSyncAt *time.Time        `json:"last_sync_at,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`

	accessSecret, refreshSecret string
	expiresAt                   *time.Time
}

// Service connects brands to stores, syncs catalogs and publishes.
type Service struct {
	db         *store.DB
	brands     *brand.Service
	catalog    *catalog.Service
	vault      *secrets.Vault
	jobs       *jobs.Client
	connectors map[Platform]Connector
	// BaseURL is PlutoPro's public URL, for callback and webhook addresses.
	BaseURL string
	Logger  *slog.Logger
	// Now is the clock.
	Now func() time.Time
}

// NewService returns the service for the given platform clients.
func NewService(db *store.DB, brands *brand.Service, cat *catalog.Service, vault *secrets.Vault, connectors map[Platform]Connector, baseURL string) *Service {
	return &Service{db: db, brands: brands, catalog: cat, vault: vault, connectors: connectors, BaseURL: strings.TrimRight(baseURL, "/"),
		Logger: slog.Default(), Now: store.Now}
}

// SetJobs sets the job client.
func (s *Service) SetJobs(j *jobs.Client) { s.jobs = j }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Connector returns a platform's client.
func (s *Service) Connector(p Platform) (Connector, error) {
	c, ok := s.connectors[p]
	if !ok {
		return nil, apperr.E(apperr.Invalid, "Unknown platform %q: use shopify, etsy or amazon.", truncate(string(p), 20))
	}
	return c, nil
}

// CallbackURL is where a platform sends the seller back.
func (s *Service) CallbackURL(p Platform) string {
	return s.BaseURL + "/connect/" + string(p) + "/callback"
}

// WebhookURL is where a platform delivers webhooks.
func (s *Service) WebhookURL(p Platform) string { return s.BaseURL + "/webhooks/" + string(p) }

// authTTL is how long an authorization may take.
const authTTL = 15 * time.Minute

func hashState(state string) string {
	h := sha256.Sum256([]byte(state))
	return hex.EncodeToString(h[:])
}

// Begin starts connecting a brand to a store: it returns the URL to send
// the seller to. The state nonce is stored hashed; a PKCE verifier is
// stored encrypted.
func (s *Service) Begin(ctx context.Context, sc tenant.Scope, brandID string, p Platform, shop string) (string, error) {
	if err := sc.Require(tenant.ManageBrands); err != nil {
		return "", err
	}
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return "", err
	}
	c, err := s.Connector(p)
	if err != nil {
		return "", err
	}
	var nonce [32]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", err
	}
	state := base64.RawURLEncoding.EncodeToString(nonce[:])
	start, err := c.BeginAuth(ctx, AuthRequest{State: state, RedirectURI: s.CallbackURL(p), Shop: strings.TrimSpace(shop)})
	if err != nil {
		return "", authError(p, err)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		verifierID := ""
		if start.Verifier != "" {
			if verifierID, err = s.vault.Put(ctx, tx, "auth_state:"+string(p)+":pkce_verifier", []byte(start.Verifier)); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO auth_states (state_hash, brand_id, platform, user_id, shop, redirect_uri, verifier_secret_id, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hashState(state), brandID, string(p), userRef(sc.UserID), start.Shop, s.CallbackURL(p), verifierID,
			s.now().Add(authTTL))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("connect: store state: %w", err)
	}
	return start.URL, nil
}

// Complete finishes an authorization from the platform's callback query:
// the state must be one Begin issued (once, within 15 minutes); the
// connector checks the rest (HMAC, shop) and exchanges the code. The
// tokens are stored encrypted, webhooks registered and a first sync started.
func (s *Service) Complete(ctx context.Context, p Platform, query url.Values) (*Connection, error) {
	c, err := s.Connector(p)
	if err != nil {
		return nil, err
	}
	if e := query.Get("error"); e != "" {
		return nil, apperr.E(apperr.Invalid, "The store did not authorize PlutoPro (%s).", truncate(e+" "+query.Get("error_description"), 200))
	}
	state := query.Get("state")
	if state == "" {
		return nil, apperr.E(apperr.Invalid, "The authorization came back without its state; start connecting again.")
	}
	var brandID, userID, shop, redirect, verifierID string
	var expires time.Time
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var uid sql.NullString
		err := tx.QueryRow(ctx, `SELECT brand_id, user_id, shop, redirect_uri, verifier_secret_id, expires_at FROM auth_states
			WHERE state_hash = ? AND platform = ?`, hashState(state), string(p)).Scan(&brandID, &uid, &shop, &redirect, &verifierID, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.Invalid, "This authorization is unknown or was already used; start connecting again.")
		}
		if err != nil {
			return err
		}
		userID = uid.String
		// One use only, whatever happens next.
		_, err = tx.Exec(ctx, `DELETE FROM auth_states WHERE state_hash = ?`, hashState(state))
		return err
	})
	if err != nil {
		return nil, err
	}
	verifier := ""
	if verifierID != "" {
		v, err := s.vault.Get(ctx, s.db, verifierID, "auth_state:"+string(p)+":pkce_verifier")
		if err != nil {
			return nil, err
		}
		verifier = string(v)
		_ = s.vault.Delete(ctx, s.db, verifierID)
	}
	if s.now().After(expires) {
		return nil, apperr.E(apperr.Invalid, "This authorization took longer than 15 minutes; start connecting again.")
	}
	creds, err := c.CompleteAuth(ctx, Callback{Query: query, Verifier: verifier, RedirectURI: redirect, Shop: shop})
	if err != nil {
		return nil, authError(p, err)
	}
	conn, err := s.save(ctx, brandID, userID, p, creds)
	if err != nil {
		return nil, err
	}
	if err := c.RegisterWebhooks(ctx, creds, s.WebhookURL(p)); err != nil {
		s.Logger.Warn("webhook registration failed", "platform", p, "connection_id", conn.ID, "err", safeErr(err))
	}
	if _, err := s.startSync(ctx, conn); err != nil {
		return nil, err
	}
	return conn, nil
}

// save stores a connection and its tokens (replacing an earlier connection
// of the brand to the same platform, and its tokens).
func (s *Service) save(ctx context.Context, brandID, userID string, p Platform, creds *Credentials) (*Connection, error) {
	now := s.now()
	var conn *Connection
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		old, err := scanConnection(tx.QueryRow(ctx, `SELECT `+connectionColumns+` FROM connections WHERE brand_id = ? AND platform = ?`, brandID, string(p)))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			conn = &Connection{ID: store.NewID(), BrandID: brandID, Platform: p, CreatedAt: now}
		case err != nil:
			return err
		default:
			conn = old
			for _, id := range []string{old.accessSecret, old.refreshSecret} {
				if id != "" {
					_ = s.vault.Delete(ctx, tx, id)
				}
			}
		}
		conn.Account, conn.Name, conn.Status, conn.Scopes, conn.Extra, conn.Error, conn.UpdatedAt =
			creds.Account, creds.Name, StatusConnected, nonNil(creds.Scopes), creds.Extra, "", now
		if conn.accessSecret, err = s.vault.Put(ctx, tx, tokenPurpose(conn.ID, "access_token"), []byte(creds.AccessToken)); err != nil {
			return err
		}
		conn.refreshSecret = ""
		if creds.RefreshToken != "" {
			if conn.refreshSecret, err = s.vault.Put(ctx, tx, tokenPurpose(conn.ID, "refresh_token"), []byte(creds.RefreshToken)); err != nil {
				return err
			}
		}
		conn.expiresAt = nil
		if !creds.ExpiresAt.IsZero() {
			t := creds.ExpiresAt.UTC().Truncate(time.Microsecond)
			conn.expiresAt = &t
		}
		scopes, _ := json.Marshal(conn.Scopes)
		extra, _ := json.Marshal(nonNilMap(conn.Extra))
		_, err = tx.Exec(ctx, `INSERT INTO connections (id, brand_id, platform, account, name, status, scopes, extra, access_secret_id,
			refresh_secret_id, token_expires_at, error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)
			ON CONFLICT (brand_id, platform) DO UPDATE SET account = excluded.account, name = excluded.name, status = excluded.status,
			scopes = excluded.scopes, extra = excluded.extra, access_secret_id = excluded.access_secret_id,
			refresh_secret_id = excluded.refresh_secret_id, token_expires_at = excluded.token_expires_at, error = '', updated_at = excluded.updated_at`,
			conn.ID, brandID, string(p), conn.Account, conn.Name, conn.Status, string(scopes), string(extra), conn.accessSecret, conn.refreshSecret,
			conn.expiresAt, conn.CreatedAt, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connect: save connection: %w", err)
	}
	return conn, nil
}

// tokenPurpose binds a token's ciphertext to its connection and what it is.
func tokenPurpose(connID, what string) string { return "connection:" + connID + ":" + what }

const connectionColumns = `id, brand_id, platform, account, name, status, scopes, extra, access_secret_id, refresh_secret_id, token_expires_at,
	error, last_sync_at, created_at, updated_at`

func scanConnection(row interface{ Scan(...any) error }) (*Connection, error) {
	var c Connection
	var p, scopes, extra string
	if err := row.Scan(&c.ID, &c.BrandID, &p, &c.Account, &c.Name, &c.Status, &scopes, &extra, &c.accessSecret, &c.refreshSecret,
		&c.expiresAt, &c.Error, &c.LastSyncAt, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.Platform = Platform(p)
	_ = json.Unmarshal([]byte(scopes), &c.Scopes)
	_ = json.Unmarshal([]byte(extra), &c.Extra)
	return &c, nil
}

// List returns a brand's connections.
func (s *Service) List(ctx context.Context, sc tenant.Scope, brandID string) ([]*Connection, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+connectionColumns+` FROM connections WHERE brand_id = ? ORDER BY platform`, brandID)
	if err != nil {
		return nil, fmt.Errorf("connect: list: %w", err)
	}
	defer rows.Close()
	out := []*Connection{}
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Get returns one connection of a brand.
func (s *Service) Get(ctx context.Context, sc tenant.Scope, brandID, id string) (*Connection, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	return s.get(ctx, brandID, id)
}

func (s *Service) get(ctx context.Context, brandID, id string) (*Connection, error) {
	if !store.ValidID(id) {
		return nil, apperr.E(apperr.NotFound, "Connection not found.")
	}
	c, err := scanConnection(s.db.QueryRow(ctx, `SELECT `+connectionColumns+` FROM connections WHERE id = ? AND brand_id = ?`, id, brandID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Connection not found.")
	}
	return c, err
}

// ByPlatform returns a brand's connection to a platform.
func (s *Service) ByPlatform(ctx context.Context, sc tenant.Scope, brandID string, p Platform) (*Connection, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	c, err := scanConnection(s.db.QueryRow(ctx, `SELECT `+connectionColumns+` FROM connections WHERE brand_id = ? AND platform = ?`, brandID, string(p)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "This brand has no %s connection; connect the store first.", p)
	}
	return c, err
}

// credentials loads a connection's tokens, refreshing them first when the
// access token expires within five minutes (the rotated tokens are stored
// before they are used).
func (s *Service) credentials(ctx context.Context, conn *Connection) (*Credentials, error) {
	if conn.Status == StatusDisconnected || conn.accessSecret == "" {
		return nil, apperr.E(apperr.Conflict, "The %s connection is disconnected; connect the store again.", conn.Platform)
	}
	access, err := s.vault.Get(ctx, s.db, conn.accessSecret, tokenPurpose(conn.ID, "access_token"))
	if err != nil {
		return nil, fmt.Errorf("connect: read token: %w", err)
	}
	creds := &Credentials{Account: conn.Account, Name: conn.Name, AccessToken: string(access), Scopes: conn.Scopes, Extra: conn.Extra}
	if conn.refreshSecret != "" {
		refresh, err := s.vault.Get(ctx, s.db, conn.refreshSecret, tokenPurpose(conn.ID, "refresh_token"))
		if err != nil {
			return nil, fmt.Errorf("connect: read token: %w", err)
		}
		creds.RefreshToken = string(refresh)
	}
	if conn.expiresAt != nil {
		creds.ExpiresAt = *conn.expiresAt
	}
	if !creds.Expiring(s.now(), 5*time.Minute) || creds.RefreshToken == "" {
		return creds, nil
	}
	c, err := s.Connector(conn.Platform)
	if err != nil {
		return nil, err
	}
	fresh, err := c.Refresh(ctx, creds)
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			s.markReauth(ctx, conn, "The store refused to renew access; connect the store again.")
		}
		return nil, asUserError(conn.Platform, err)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.vault.Replace(ctx, tx, conn.accessSecret, tokenPurpose(conn.ID, "access_token"), []byte(fresh.AccessToken)); err != nil {
			return err
		}
		if fresh.RefreshToken != "" && fresh.RefreshToken != creds.RefreshToken {
			if err := s.vault.Replace(ctx, tx, conn.refreshSecret, tokenPurpose(conn.ID, "refresh_token"), []byte(fresh.RefreshToken)); err != nil {
				return err
			}
		}
		var exp any
		if !fresh.ExpiresAt.IsZero() {
			exp = fresh.ExpiresAt.UTC().Truncate(time.Microsecond)
		}
		_, err := tx.Exec(ctx, `UPDATE connections SET token_expires_at = ?, updated_at = ? WHERE id = ?`, exp, s.now(), conn.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connect: store refreshed tokens: %w", err)
	}
	if fresh.Account == "" {
		fresh.Account = conn.Account
	}
	return fresh, nil
}

// markReauth records that the store refused the tokens. A connection
// already disconnected (an uninstall webhook that raced this refusal)
// stays disconnected.
func (s *Service) markReauth(ctx context.Context, conn *Connection, msg string) {
	_, _ = s.db.Exec(ctx, `UPDATE connections SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status = ?`, StatusNeedsReauth, msg,
		s.now(), conn.ID, StatusConnected)
}

// Disconnect removes a connection's tokens and webhooks. Its products stay
// in the catalog; publishing stops until the store is connected again.
func (s *Service) Disconnect(ctx context.Context, sc tenant.Scope, brandID, id string) error {
	if err := sc.Require(tenant.ManageBrands); err != nil {
		return err
	}
	conn, err := s.Get(ctx, sc, brandID, id)
	if err != nil {
		return err
	}
	if creds, err := s.credentials(ctx, conn); err == nil {
		if c, err := s.Connector(conn.Platform); err == nil {
			if err := c.Deregister(ctx, creds); err != nil {
				s.Logger.Warn("webhook removal failed", "platform", conn.Platform, "connection_id", conn.ID, "err", safeErr(err))
			}
		}
	}
	return s.forget(ctx, conn, "")
}

// forget deletes a connection's tokens and marks it disconnected.
func (s *Service) forget(ctx context.Context, conn *Connection, reason string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		for _, sid := range []string{conn.accessSecret, conn.refreshSecret} {
			if sid != "" {
				_, _ = tx.Exec(ctx, `DELETE FROM secret_values WHERE id = ?`, sid)
			}
		}
		_, err := tx.Exec(ctx, `UPDATE connections SET status = ?, access_secret_id = '', refresh_secret_id = '', token_expires_at = NULL,
			error = ?, updated_at = ? WHERE id = ?`, StatusDisconnected, reason, s.now(), conn.ID)
		return err
	})
}

// asUserError turns a connector error into one a seller can read, without
// anything secret.
func asUserError(p Platform, err error) error {
	var se *StoreError
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		return err
	case errors.As(err, &se):
		return apperr.E(apperr.Invalid, "%s", se.Error())
	case errors.Is(err, ErrUnauthorized):
		return apperr.E(apperr.Conflict, "%s refused PlutoPro's access; connect the store again.", p)
	case errors.Is(err, ErrNotFound):
		return apperr.E(apperr.NotFound, "Not found in the %s store.", p)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return apperr.Wrap(apperr.Internal, err, fmt.Sprintf("The %s store could not be reached; try again.", p))
}

// authError turns an authorization failure into what the seller reads: a
// refusal of their input or of the callback (bad shop domain, signature,
// mismatched shop, stale callback, scopes not granted) is invalid input in
// the connector's own words (connectors never put tokens in errors); only
// a store that cannot be reached is an internal error.
func authError(p Platform, err error) error {
	var ue *url.Error
	var ae *apperr.Error
	var se *StoreError
	switch {
	case errors.As(err, &ae):
		return err
	case errors.Is(err, ErrBadSignature):
		return apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("The answer from %s did not verify (signature); start connecting again.", p))
	case errors.As(err, &se) && se.Retryable, errors.As(err, &ue):
		return asUserError(p, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("%s: %s", p, strings.TrimPrefix(err.Error(), string(p)+": ")))
}

// safeErr is an error for logs: connector errors never carry tokens, but
// URLs in transport errors may carry query strings; drop them.
func safeErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + " " + redactURL(ue.URL) + ": " + ue.Err.Error()
	}
	return err.Error()
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(url)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

func userRef(id string) any {
	if store.ValidID(id) {
		return id
	}
	return nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
