// Package app is the composition root: it turns a Config into a database,
// a job client, the domain services and the HTTP handler, and runs them.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/config"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/sandbox"
	"github.com/plutopro/plutopro/internal/secrets"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/telemetry"
	"github.com/plutopro/plutopro/internal/web"
)

// Version is the build's version, set with -ldflags "-X .../internal/app.Version=...".
var Version = "dev"

// App holds every long-lived part of a running PlutoPro.
type App struct {
	Config   config.Config
	Logger   *slog.Logger
	DB       *store.DB
	Keys     *secrets.Keyring
	Vault    *secrets.Vault
	Jobs     *jobs.Client
	Outbox   *mail.Outbox
	Accounts *account.Service
	Brands   *brand.Service
	Catalog  *catalog.Service
	Transfer *transfer.Service
	Drafts   *drafts.Service
	Learn    *learn.Service
	Connect  *connect.Service
	// SandboxInfo is the running sandbox stores this app talks to (nil
	// outside the sandbox).
	SandboxInfo *sandbox.Info
	Metrics     *telemetry.Metrics
	Sandbox     bool
}

// Options says what a process needs from the app.
type Options struct {
	// Work runs job workers in this process (serve on any engine, worker).
	Work bool
	// Migrate applies pending migrations at open (serve, worker, migrate).
	Migrate bool
	// Sandbox marks the UI as running against the built-in fakes.
	Sandbox bool
	// SandboxInfo points the store connectors at running sandbox stores.
	// Without it, Open looks for the sandbox.json a `serve --sandbox` on
	// the same data dir wrote, so CLI commands reach the same stores.
	SandboxInfo *sandbox.Info
}

// Open builds the app. Close releases it.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger, o Options) (_ *App, err error) {
	a := &App{Config: cfg, Logger: logger, Sandbox: o.Sandbox}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.DB, err = store.Open(ctx, cfg.StoreOptions()); err != nil {
		return nil, err
	}
	if o.Migrate {
		if err = a.migrate(ctx); err != nil {
			return nil, err
		}
	} else if n, perr := a.DB.Pending(ctx); perr != nil {
		return nil, fmt.Errorf("database not initialised; run `plutopro migrate` first: %w", perr)
	} else if n > 0 {
		return nil, fmt.Errorf("the database needs %d migration(s); run `plutopro migrate` (or start `plutopro serve`) first", n)
	}
	if a.Keys, err = openKeys(cfg); err != nil {
		return nil, err
	}
	a.Vault = secrets.NewVault(a.DB, a.Keys)
	a.Metrics = telemetry.NewMetrics()
	a.Metrics.SetVersion(Version)

	var sender *mail.SMTPSender
	if cfg.SMTPURL != "" {
		if sender, err = mail.NewSMTPSender(cfg.SMTPURL, cfg.MailFrom); err != nil {
			return nil, err
		}
	}
	a.Outbox = mail.NewOutbox(a.DB, nil, sender)
	a.Accounts = account.NewService(a.DB, a.Outbox, cfg.BaseURL)
	a.Brands = brand.NewService(a.DB)
	a.Catalog = catalog.NewService(a.DB, a.Brands)
	a.Transfer = transfer.NewService(a.DB, a.Brands, a.Catalog)
	if cfg.MaxUploadBytes > 0 {
		a.Transfer.MaxUploadBytes = cfg.MaxUploadBytes
	}
	if a.DB.Engine() == store.SQLite {
		a.Transfer.UploadDir = filepath.Join(cfg.DataDir, "uploads")
	}
	a.Drafts = drafts.NewService(a.DB, a.Brands, a.Catalog, newProvider(cfg))
	a.Learn = learn.NewService(a.DB, a.Brands)
	a.Drafts.SetLearn(a.Learn)
	a.SandboxInfo = o.SandboxInfo
	if a.SandboxInfo == nil {
		if a.SandboxInfo, err = sandbox.Load(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	connectors := storeConnectors(cfg)
	if a.SandboxInfo != nil {
		a.Sandbox = true
		connectors = sandbox.Connectors(a.SandboxInfo)
	}
	a.Connect = connect.NewService(a.DB, a.Brands, a.Catalog, a.Vault, connectors, cfg.BaseURL)
	a.Connect.Logger = logger

	workers := river.NewWorkers()
	river.AddWorker(workers, &mail.SendWorker{Outbox: a.Outbox})
	river.AddWorker(workers, &purgeWorker{accounts: a.Accounts})
	river.AddWorker(workers, &transfer.ImportWorker{Service: a.Transfer, Logger: logger})
	river.AddWorker(workers, &transfer.SweepWorker{Service: a.Transfer})
	// Remote writers pace their own calls (see newProvider).
	genWorker := &drafts.Worker{Service: a.Drafts, Logger: logger}
	river.AddWorker(workers, genWorker)
	river.AddWorker(workers, &drafts.BatchWorker{Worker: genWorker})
	river.AddWorker(workers, &learn.Worker{Service: a.Learn})
	river.AddWorker(workers, &connect.SyncWorker{Service: a.Connect})
	river.AddWorker(workers, &connect.PublishWorker{Service: a.Connect})
	river.AddWorker(workers, &connect.PeriodicSyncWorker{Service: a.Connect})
	a.Jobs, err = jobs.New(a.DB, jobs.Options{
		Workers:     workers,
		Work:        o.Work,
		Concurrency: cfg.Workers,
		Queues:      map[string]int{drafts.Queue: cfg.LLMConcurrency},
		Logger:      logger,
		Periodic: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return purgeArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			// Imports whose worker died are handed to a new job.
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return transfer.SweepArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			// Stores without product webhooks (Etsy, Amazon) are polled;
			// Shopify's webhooks are backed up by the same sync.
			river.NewPeriodicJob(river.PeriodicInterval(cfg.Stores.SyncInterval), func() (river.JobArgs, *river.InsertOpts) {
				return connect.PeriodicSyncArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: cfg.Stores.SyncInterval}}
			}, nil),
		},
		Middleware: []rivertype.Middleware{&jobMetrics{m: a.Metrics}},
	})
	if err != nil {
		return nil, err
	}
	a.Outbox.SetJobs(a.Jobs)
	a.Transfer.SetJobs(a.Jobs)
	a.Drafts.SetJobs(a.Jobs)
	a.Learn.SetJobs(a.Jobs)
	a.Connect.SetJobs(a.Jobs)
	return a, nil
}

func (a *App) migrate(ctx context.Context) error {
	if _, err := a.DB.Migrate(ctx); err != nil {
		return err
	}
	return jobs.Migrate(ctx, a.DB)
}

// Migrate applies every pending migration (the app's and River's).
func Migrate(ctx context.Context, db *store.DB) error {
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	return jobs.Migrate(ctx, db)
}

func openKeys(cfg config.Config) (*secrets.Keyring, error) {
	if cfg.EncryptionKeys != "" {
		return secrets.ParseKeys(cfg.EncryptionKeys)
	}
	if cfg.DatabaseURL != "" {
		// With PostgreSQL several processes on several machines share the
		// data, so a key file on one machine's disk would not do.
		return nil, errors.New("PLUTOPRO_ENCRYPTION_KEYS is required with DATABASE_URL (format: 1:BASE64_32_BYTE_KEY)")
	}
	return secrets.LoadOrCreateFile(KeyFilePath(cfg))
}

// KeyFilePath is where the embedded default keeps its generated keys.
func KeyFilePath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "encryption.keys") }

// Close releases the database.
func (a *App) Close() {
	if a.DB != nil {
		a.DB.Close()
	}
}

// Handler is the whole HTTP surface: web pages, the JSON API, health and metrics.
func (a *App) Handler() (http.Handler, error) {
	sandboxShop := ""
	if a.SandboxInfo != nil {
		sandboxShop = a.SandboxInfo.Shopify.Shop
	}
	w, err := web.New(web.Config{
		SandboxShop: sandboxShop,
		Accounts:    a.Accounts,
		Brands:      a.Brands,
		Catalog:     a.Catalog,
		Transfer:    a.Transfer,
		Drafts:      a.Drafts,
		Learn:       a.Learn,
		Connect:     a.Connect,
		Outbox:      a.Outbox,
		Logger:      a.Logger,
		BaseURL:     a.Config.BaseURL,
		Sandbox:     a.Sandbox,
		Version:     Version,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", api.New(api.Config{Accounts: a.Accounts, Brands: a.Brands, Catalog: a.Catalog, Transfer: a.Transfer,
		Drafts: a.Drafts, Learn: a.Learn, Connect: a.Connect, Logger: a.Logger, Version: Version}))
	mux.Handle("POST /webhooks/{platform}", a.Connect.WebhookHandler())
	mux.Handle("GET /healthz", telemetry.HealthHandler(a.DB.Ping))
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.Handle("/", w.Handler())

	// Browsers send Sec-Fetch-Site/Origin; a cross-site unsafe request is
	// refused before it reaches any handler (CSRF defence in depth, beside
	// the form tokens).
	cop := http.NewCrossOriginProtection()
	var h http.Handler = cop.Handler(mux)
	h = a.Metrics.Middleware(h)
	h = telemetry.Recoverer(a.Logger)(h)
	h = telemetry.AccessLog(a.Logger, a.Config.TrustedProxies)(h)
	return h, nil
}

// Serve runs the HTTP server on ln (and the workers, when the app was opened
// with Work) until ctx ends, then shuts down gracefully: no new requests or
// jobs, running ones get up to Config.ShutdownTimeout to finish.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	h, err := a.Handler()
	if err != nil {
		return err
	}
	return a.serve(ctx, ln, h)
}

func (a *App) serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// Generous: a 100 MB catalog upload on a slow link takes a while;
		// slow-header attacks are bounded by ReadHeaderTimeout.
		ReadTimeout:    30 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if err := a.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Logger.Info("plutopro serving", "url", "http://"+ln.Addr().String(), "engine", a.DB.Engine(), "version", Version, "sandbox", a.Sandbox)

	select {
	case err := <-errc:
		a.stopJobs()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down", "timeout", a.Config.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var httpErr, jobErr error
	wg.Add(2)
	go func() { defer wg.Done(); httpErr = srv.Shutdown(sctx) }()
	go func() { defer wg.Done(); jobErr = a.Jobs.Stop(sctx) }()
	wg.Wait()
	a.Logger.Info("stopped")
	return errors.Join(httpErr, jobErr)
}

// Work runs only the job workers until ctx ends.
func (a *App) Work(ctx context.Context) error {
	if err := a.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	a.Logger.Info("plutopro worker running", "engine", a.DB.Engine(), "concurrency", a.Config.Workers, "version", Version)
	<-ctx.Done()
	a.Logger.Info("shutting down", "timeout", a.Config.ShutdownTimeout.String())
	return a.stopJobs()
}

func (a *App) stopJobs() error {
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	return a.Jobs.Stop(sctx)
}

// purgeArgs is the hourly clean-up of ended sessions and spent tokens.
type purgeArgs struct{}

func (purgeArgs) Kind() string { return "account_purge_expired" }

type purgeWorker struct {
	river.WorkerDefaults[purgeArgs]
	accounts *account.Service
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[purgeArgs]) error {
	return w.accounts.PurgeExpired(ctx)
}

// jobMetrics counts finished jobs by kind and outcome.
type jobMetrics struct {
	river.MiddlewareDefaults
	m *telemetry.Metrics
}

func (j *jobMetrics) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	err := doInner(ctx)
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	j.m.JobDone(job.Kind, outcome)
	return err
}
