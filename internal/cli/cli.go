// Package cli is PlutoPro's command line: it parses arguments with kong and
// runs each command against the app. Run takes the process's environment as
// arguments so tests drive it like a user would.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/plutopro/plutopro/internal/app"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/config"
	"github.com/plutopro/plutopro/internal/telemetry"
)

// Globals are the flags every command takes.
type Globals struct {
	DataDir     string `name:"data-dir" env:"PLUTOPRO_DATA_DIR" default:"./plutopro-data" help:"Directory for the SQLite database and generated keys (${env})."`
	DatabaseURL string `name:"database-url" env:"DATABASE_URL" help:"PostgreSQL URL (postgres://...); empty means SQLite in the data dir (${env})."`
	JSON        bool   `name:"json" help:"Print machine-readable JSON."`
}

type cliRoot struct {
	Globals

	Serve       serveCmd       `cmd:"" help:"Run the web app, JSON API and job workers."`
	Worker      workerCmd      `cmd:"" help:"Run job workers only."`
	Migrate     migrateCmd     `cmd:"" help:"Apply database migrations."`
	User        userCmd        `cmd:"" help:"Manage users."`
	Brand       brandCmd       `cmd:"" help:"Manage brands."`
	Token       tokenCmd       `cmd:"" help:"Manage API tokens."`
	Import      importCmd      `cmd:"" help:"Import a catalog file (Shopify, Etsy or generic CSV) into a brand; waits for it."`
	Export      exportCmd      `cmd:"" help:"Export a brand's catalog as a Shopify product CSV."`
	Generate    generateCmd    `cmd:"" help:"Write drafts for a brand's products with the configured writer (PLUTOPRO_LLM)."`
	Connect     connectCmd     `cmd:"" help:"Connect a brand to a store (prints the authorization URL; --sandbox completes it against the sandbox stores)."`
	Connections connectionsCmd `cmd:"" help:"List a brand's store connections."`
	Sync        syncCmd        `cmd:"" help:"Sync a brand's catalog from its connected stores."`
	Publish     publishCmd     `cmd:"" help:"Publish a brand's approved drafts to its connected stores."`
	Revert      revertCmd      `cmd:"" help:"Restore a product's fields in its store to an earlier published value or the original."`
	Keys        keysCmd        `cmd:"" help:"Manage encryption keys."`
	Version     versionCmd     `cmd:"" help:"Print the version."`
}

// env is what a command may use of the process.
type env struct {
	ctx    context.Context
	getenv config.Getenv
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// exitError carries an exit code other than 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Run runs the command line args and returns the exit code.
func Run(ctx context.Context, args []string, getenv config.Getenv, stdin io.Reader, stdout, stderr io.Writer) int {
	var root cliRoot
	exitCode := -1
	parser, err := kong.New(&root,
		kong.Name("plutopro"),
		kong.Description("PlutoPro writes product content for ecommerce sellers."),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exitCode = code }),
		kong.Vars{"version": app.Version},
		kong.Resolvers(envResolver(getenv)),
	)
	if err != nil {
		fmt.Fprintf(stderr, "plutopro: %v\n", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exitCode >= 0 {
		return exitCode // --help
	}
	if err != nil {
		fmt.Fprintf(stderr, "plutopro: %v\n", oneLine(err.Error()))
		return 2
	}
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if err := kctx.Run(&root.Globals, e); err != nil {
		fmt.Fprintf(stderr, "plutopro: %s\n", oneLine(describe(err)))
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}

// envResolver lets kong's env tags read from getenv rather than the process
// environment, so tests can pass their own.
func envResolver(getenv config.Getenv) kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		for _, name := range flag.Envs {
			if v := getenv(name); v != "" {
				return v, nil
			}
		}
		return nil, nil
	})
}

func describe(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code != apperr.Internal {
		return ae.Message
	}
	return err.Error()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// loadConfig merges the globals, command flags and environment.
func loadConfig(g *Globals, e *env, addr string) (config.Config, error) {
	cfg := config.Defaults()
	cfg.DataDir = g.DataDir
	cfg.DatabaseURL = g.DatabaseURL
	if addr != "" {
		cfg.Addr = addr
	}
	if err := cfg.FromEnv(e.getenv); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// open opens the app for a one-shot command: quiet logs, no workers.
func open(g *Globals, e *env, o app.Options) (*app.App, error) {
	cfg, err := loadConfig(g, e, "")
	if err != nil {
		return nil, err
	}
	logger := telemetry.NewLogger(e.stderr, cfg.LogFormat, max(cfg.LogLevel, slog.LevelWarn))
	return app.Open(e.ctx, cfg, logger, o)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
