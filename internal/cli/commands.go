package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/plutopro/plutopro/internal/app"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/sandbox"
	"github.com/plutopro/plutopro/internal/telemetry"
)

type serveCmd struct {
	Addr           string `name:"addr" env:"PLUTOPRO_ADDR" default:"127.0.0.1:8080" help:"Address to listen on (${env})."`
	Sandbox        bool   `help:"Run fake Shopify, Etsy and Amazon stores on loopback, seeded with the sample catalog, and connect to them instead of real stores."`
	SandboxCatalog string `name:"sandbox-catalog" default:"../shared/data/shopify-csvs" help:"Directory of Shopify product CSVs the sandbox stores are seeded with."`
}

func (c *serveCmd) Run(g *Globals, e *env) error {
	cfg, err := loadConfig(g, e, c.Addr)
	if err != nil {
		return err
	}
	logger := telemetry.NewLogger(e.stderr, cfg.LogFormat, cfg.LogLevel)
	slog.SetDefault(logger)
	o := app.Options{Work: true, Migrate: true}
	if c.Sandbox {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return err
		}
		sb, err := sandbox.Start(e.ctx, cfg.DataDir, sandbox.Options{CatalogDir: c.SandboxCatalog, Logger: logger})
		if err != nil {
			return err
		}
		defer sb.Close()
		o.Sandbox, o.SandboxInfo = true, sb.Info
	}
	a, err := app.Open(e.ctx, cfg, logger, o)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return a.Serve(e.ctx, ln)
}

type workerCmd struct{}

func (c *workerCmd) Run(g *Globals, e *env) error {
	cfg, err := loadConfig(g, e, "")
	if err != nil {
		return err
	}
	logger := telemetry.NewLogger(e.stderr, cfg.LogFormat, cfg.LogLevel)
	a, err := app.Open(e.ctx, cfg, logger, app.Options{Work: true, Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Work(e.ctx)
}

type migrateCmd struct{}

func (c *migrateCmd) Run(g *Globals, e *env) error {
	a, err := open(g, e, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if g.JSON {
		return printJSON(e.stdout, map[string]any{"engine": a.DB.Engine(), "migrated": true})
	}
	fmt.Fprintf(e.stdout, "Database (%s) is up to date.\n", a.DB.Engine())
	return nil
}

type userCmd struct {
	Add userAddCmd `cmd:"" help:"Add a user with an account of their own."`
}

type userAddCmd struct {
	Email         string `required:"" help:"Email address."`
	Name          string `required:"" help:"Full name."`
	PasswordStdin bool   `name:"password-stdin" help:"Read the password from the first line of standard input."`
}

func (c *userAddCmd) Run(g *Globals, e *env) error {
	password := ""
	if c.PasswordStdin {
		line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password from stdin: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return errors.New("--password-stdin: standard input held no password")
		}
	}
	a, err := open(g, e, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	u, acct, err := a.Accounts.AddUser(e.ctx, c.Email, c.Name, password)
	if err != nil {
		return err
	}
	if g.JSON {
		return printJSON(e.stdout, map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "account_id": acct.ID})
	}
	fmt.Fprintf(e.stdout, "Added user %s (%s) with account %s.\n", u.Email, u.ID, acct.ID)
	if password == "" {
		fmt.Fprintln(e.stdout, "No password was set: the user can choose one with \"Forgot password\" on the sign-in page.")
	}
	return nil
}

type brandCmd struct {
	Add brandAddCmd `cmd:"" help:"Add a brand to the owner's account."`
}

type brandAddCmd struct {
	Owner string `required:"" help:"Email of a user who may create brands in their (first) account."`
	Name  string `required:"" help:"Brand name."`
}

func (c *brandAddCmd) Run(g *Globals, e *env) error {
	a, err := open(g, e, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.UserByEmail(e.ctx, c.Owner)
	if err != nil {
		return fmt.Errorf("--owner %s: no such user", c.Owner)
	}
	sc, err := a.Accounts.DefaultScope(e.ctx, u.ID)
	if err != nil {
		return err
	}
	b, err := a.Brands.Create(e.ctx, sc, brand.Input{Name: &c.Name})
	if err != nil {
		return err
	}
	if g.JSON {
		return printJSON(e.stdout, b)
	}
	fmt.Fprintf(e.stdout, "Added brand %q (%s).\n", b.Name, b.ID)
	return nil
}

type tokenCmd struct {
	Add tokenAddCmd `cmd:"" help:"Create an API token for a user (printed once)."`
}

type tokenAddCmd struct {
	Email string `required:"" help:"The user's email."`
	Name  string `default:"CLI token" help:"A name to recognise the token by."`
}

func (c *tokenAddCmd) Run(g *Globals, e *env) error {
	a, err := open(g, e, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.UserByEmail(e.ctx, c.Email)
	if err != nil {
		return fmt.Errorf("--email %s: no such user", c.Email)
	}
	sc, err := a.Accounts.DefaultScope(e.ctx, u.ID)
	if err != nil {
		return err
	}
	t, raw, err := a.Accounts.CreateToken(e.ctx, sc, c.Name)
	if err != nil {
		return err
	}
	if g.JSON {
		return printJSON(e.stdout, map[string]any{"token": raw, "id": t.ID, "name": t.Name, "account_id": t.AccountID, "user_id": t.UserID})
	}
	fmt.Fprintln(e.stdout, raw)
	return nil
}

type keysCmd struct {
	Rotate keysRotateCmd `cmd:"" help:"Re-encrypt every stored secret under the newest key (adding a key first on the embedded default)."`
}

type keysRotateCmd struct{}

func (c *keysRotateCmd) Run(g *Globals, e *env) error {
	a, err := open(g, e, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	added := false
	if a.Keys.FromFile() {
		if _, err := a.Keys.Rotate(app.KeyFilePath(a.Config)); err != nil {
			return err
		}
		added = true
	}
	n, err := a.Vault.RotateAll(e.ctx)
	if err != nil {
		return err
	}
	if g.JSON {
		return printJSON(e.stdout, map[string]any{"primary_key_id": a.Keys.Primary(), "key_added": added, "reencrypted": n})
	}
	if added {
		fmt.Fprintf(e.stdout, "Added key %d to %s.\n", a.Keys.Primary(), app.KeyFilePath(a.Config))
	} else {
		fmt.Fprintf(e.stdout, "Using key %d, the newest in PLUTOPRO_ENCRYPTION_KEYS.\n", a.Keys.Primary())
	}
	fmt.Fprintf(e.stdout, "Re-encrypted %d secret(s) under key %d.\n", n, a.Keys.Primary())
	return nil
}

type versionCmd struct{}

func (c *versionCmd) Run(g *Globals, e *env) error {
	if g.JSON {
		return printJSON(e.stdout, map[string]string{"version": app.Version})
	}
	fmt.Fprintf(e.stdout, "plutopro %s\n", app.Version)
	return nil
}
