package reviewsim

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"time"

	"github.com/plutopro/plutopro/internal/app"
	"github.com/plutopro/plutopro/internal/config"
)

// Server is a whole PlutoPro running in this process: SQLite in a data
// dir, job workers, the offline writer, and the HTTP handler behind an
// httptest server. Tests and benches set it up here and then talk to it
// only through URL.
type Server struct {
	App *app.App
	URL string

	http *httptest.Server
}

// StartServer opens an app on a fresh SQLite database in dataDir (which
// should be empty), with the offline writer, starts its workers and serves
// its handler. logger may be nil. Close stops it.
func StartServer(ctx context.Context, dataDir string, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg := config.Defaults()
	cfg.DataDir = dataDir
	cfg.DatabaseURL = ""
	cfg.LLM = "offline"
	cfg.ShutdownTimeout = 10 * time.Second
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, err := app.Open(ctx, cfg, logger, app.Options{Work: true, Migrate: true})
	if err != nil {
		return nil, err
	}
	if err := a.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		a.Close()
		return nil, err
	}
	h, err := a.Handler()
	if err != nil {
		_ = a.Jobs.Stop(ctx)
		a.Close()
		return nil, err
	}
	ts := httptest.NewServer(h)
	return &Server{App: a, URL: ts.URL, http: ts}, nil
}

// Close stops the HTTP server and the workers and closes the database.
func (s *Server) Close() error {
	s.http.Close()
	ctx, cancel := context.WithTimeout(context.Background(), s.App.Config.ShutdownTimeout)
	defer cancel()
	err := s.App.Jobs.Stop(ctx)
	s.App.Close()
	return err
}

// NewAccount adds a user (with their own account) and returns an API token
// for them: everything after this goes through the API.
func (s *Server) NewAccount(ctx context.Context, email, name string) (string, error) {
	u, acct, err := s.App.Accounts.AddUser(ctx, email, name, "")
	if err != nil {
		return "", err
	}
	sc, err := s.App.Accounts.Scope(ctx, u.ID, acct.ID)
	if err != nil {
		return "", err
	}
	_, tok, err := s.App.Accounts.CreateToken(ctx, sc, "reviewsim")
	if err != nil {
		return "", err
	}
	if tok == "" {
		return "", errors.New("reviewsim: empty token")
	}
	return tok, nil
}
