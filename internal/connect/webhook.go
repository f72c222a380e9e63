package connect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/store"
)

// maxWebhookBody bounds a webhook delivery.
const maxWebhookBody = 1 << 20

// WebhookHandler receives store webhooks at /webhooks/{platform}: the
// signature is checked over the raw body before anything is read from it;
// a wrong one is refused with 401 and changes nothing. A delivery seen
// before is acknowledged and not handled again. Errors answer 500, so the
// store delivers again later.
func (s *Service) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := Platform(r.PathValue("platform"))
		if _, ok := s.connectors[p]; !ok {
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		err = s.Webhook(r.Context(), p, r.Header, body)
		switch {
		case errors.Is(err, ErrBadSignature):
			http.Error(w, "invalid signature", http.StatusUnauthorized)
		case err != nil:
			s.Logger.Error("webhook failed", "platform", p, "err", safeErr(err))
			http.Error(w, "internal error", http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
}

// Webhook verifies and handles one delivery.
func (s *Service) Webhook(ctx context.Context, p Platform, h http.Header, body []byte) error {
	c, err := s.Connector(p)
	if err != nil {
		return err
	}
	ev, err := c.VerifyWebhook(h, body)
	if err != nil {
		if errors.Is(err, ErrBadSignature) {
			return ErrBadSignature
		}
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if ev.ID != "" {
		res, err := s.db.Exec(ctx, `INSERT INTO webhook_deliveries (platform, delivery_id, topic, received_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (platform, delivery_id) DO NOTHING`, string(p), ev.ID, ev.Topic, s.now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // handled before
		}
	}
	if err := s.handle(ctx, p, ev); err != nil {
		// Let the store deliver it again.
		if ev.ID != "" {
			_, _ = s.db.Exec(ctx, `DELETE FROM webhook_deliveries WHERE platform = ? AND delivery_id = ?`, string(p), ev.ID)
		}
		return err
	}
	return nil
}

func (s *Service) handle(ctx context.Context, p Platform, ev *Event) error {
	rows, err := s.db.Query(ctx, `SELECT `+connectionColumns+` FROM connections WHERE platform = ? AND account = ?`, string(p), ev.Account)
	if err != nil {
		return err
	}
	var conns []*Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			rows.Close()
			return err
		}
		conns = append(conns, c)
	}
	rows.Close()
	s.Logger.Info("webhook", "platform", p, "topic", ev.Topic, "connections", len(conns))
	c := s.connectors[p]
	for _, conn := range conns {
		switch ev.Kind {
		case EventProductCreate, EventProductUpdate:
			if conn.Status != StatusConnected {
				continue
			}
			creds, err := s.credentials(ctx, conn)
			if err != nil {
				return err
			}
			prod, err := c.FetchProduct(ctx, creds, ev.ExternalID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			prod.Source = string(p)
			if err := s.db.Tx(ctx, func(tx *store.Tx) error {
				_, err := s.catalog.UpsertTx(ctx, tx, conn.BrandID, []*catalog.Product{prod})
				return err
			}); err != nil {
				return err
			}
		case EventProductDelete:
			if _, err := s.db.Exec(ctx, `UPDATE products SET status = 'deleted', updated_at = ? WHERE brand_id = ? AND source = ? AND external_id = ?`,
				s.now(), conn.BrandID, string(p), ev.ExternalID); err != nil {
				return err
			}
		case EventUninstalled:
			if err := s.forget(ctx, conn, "PlutoPro was uninstalled from the store; connect it again to sync and publish."); err != nil {
				return err
			}
		case EventShopRedact:
			// The shop asked for its data to be erased (48 h after an
			// uninstall): the connection and its history go; the brand's
			// own catalog copy stays the seller's.
			if err := s.forget(ctx, conn, ""); err != nil {
				return err
			}
			if _, err := s.db.Exec(ctx, `DELETE FROM connections WHERE id = ?`, conn.ID); err != nil {
				return err
			}
		case EventCustomerData, EventCustomerRedact:
			// PlutoPro reads products only: it holds no customer or order
			// data to report or erase. Acknowledging is the answer.
		}
	}
	return nil
}
