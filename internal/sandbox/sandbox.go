package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/amazon"
	"github.com/plutopro/plutopro/internal/connect/etsy"
	"github.com/plutopro/plutopro/internal/connect/shopify"
	"github.com/plutopro/plutopro/internal/fakes/amazonfake"
	"github.com/plutopro/plutopro/internal/fakes/etsyfake"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
)

// DefaultCatalogDir is where the sample catalog the stores are seeded
// with lives, relative to the repository.
const DefaultCatalogDir = "../shared/data/shopify-csvs"

// Sandbox is the three fake stores, running.
type Sandbox struct {
	Info    *Info
	Shopify *shopifyfake.Server
	Etsy    *etsyfake.Server
	Amazon  *amazonfake.Server

	dataDir string
	servers []*http.Server
}

// Options tune the sandbox; the zero value is the sandbox `serve
// --sandbox` runs.
type Options struct {
	// CatalogDir holds the Shopify product CSVs every store is seeded
	// with (default DefaultCatalogDir).
	CatalogDir string
	Logger     *slog.Logger
	// Shopify, Etsy and Amazon adjust a fake's options before it starts
	// (tests inject faults this way).
	Shopify func(*shopifyfake.Options)
	Etsy    func(*etsyfake.Options)
	Amazon  func(*amazonfake.Options)
}

// Start seeds and starts the fake stores on loopback ports and writes
// sandbox.json to the data dir.
func Start(ctx context.Context, dataDir string, o Options) (*Sandbox, error) {
	if o.CatalogDir == "" {
		o.CatalogDir = DefaultCatalogDir
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	load := func() ([]*catalog.Product, error) { return LoadCatalog(o.CatalogDir) }
	if _, err := load(); err != nil {
		return nil, err
	}
	sb := &Sandbox{Info: &Info{PID: os.Getpid()}, dataDir: dataDir}
	listen := func() (net.Listener, string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, "", fmt.Errorf("sandbox: listen: %w", err)
		}
		return ln, "http://" + ln.Addr().String(), nil
	}
	serve := func(ln net.Listener, h http.Handler) {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		sb.servers = append(sb.servers, srv)
		go func() { _ = srv.Serve(ln) }()
	}
	fail := func(err error) (*Sandbox, error) {
		sb.Close()
		return nil, err
	}

	// Shopify.
	ln, base, err := listen()
	if err != nil {
		return fail(err)
	}
	products, _ := load()
	// The sandbox shop has Shopify Plus limits (bucket 10,000, 1,000
	// points/s), so clicking through does not wait on the leaky bucket.
	so := shopifyfake.Options{ClientID: "sandbox-shopify-app", ClientSecret: randomHex(), Products: products, PublicURL: base,
		BucketSize: 10000, RestoreRate: 1000}
	if o.Shopify != nil {
		o.Shopify(&so)
	}
	sb.Shopify = shopifyfake.NewUnstarted(so)
	serve(ln, sb.Shopify)
	in := sb.Info
	in.Shopify.URL, in.Shopify.Shop, in.Shopify.ClientID, in.Shopify.ClientSecret = base, sb.Shopify.Shop(), so.ClientID, so.ClientSecret

	// Etsy.
	if ln, base, err = listen(); err != nil {
		return fail(err)
	}
	products, _ = load()
	// A larger per-second quota than Etsy's default 10, so publishing 60
	// listings takes seconds, not half a minute.
	eo := etsyfake.Options{Keystring: "sandboxetsykeystring", SharedSecret: randomHex(), Products: products, PerSecond: 50}
	if o.Etsy != nil {
		o.Etsy(&eo)
	}
	sb.Etsy = etsyfake.NewUnstarted(eo)
	serve(ln, sb.Etsy)
	in.Etsy.URL, in.Etsy.Keystring, in.Etsy.SharedSecret = base, eo.Keystring, eo.SharedSecret

	// Amazon.
	if ln, base, err = listen(); err != nil {
		return fail(err)
	}
	products, _ = load()
	ao := amazonfake.Options{ApplicationID: "amzn1.sp.solution.plutopro-sandbox", ClientID: "amzn1.application-oa2-client.plutoprosandbox",
		ClientSecret: randomHex(), Products: products, RateScale: 100, ReportDelay: time.Second, PublicURL: base}
	if o.Amazon != nil {
		o.Amazon(&ao)
	}
	sb.Amazon = amazonfake.NewUnstarted(ao)
	serve(ln, sb.Amazon)
	in.Amazon.URL, in.Amazon.ApplicationID, in.Amazon.ClientID, in.Amazon.ClientSecret = base, ao.ApplicationID, ao.ClientID, ao.ClientSecret
	in.Amazon.SellerID, in.Amazon.MarketplaceID = sb.Amazon.SellerID(), sb.Amazon.MarketplaceID()

	if err := in.save(dataDir); err != nil {
		return fail(fmt.Errorf("sandbox: write %s: %w", FileName, err))
	}
	o.Logger.Info("sandbox stores running", "shopify", in.Shopify.URL, "shop", in.Shopify.Shop, "etsy", in.Etsy.URL, "amazon", in.Amazon.URL)
	return sb, nil
}

// Close stops the stores and removes sandbox.json.
func (sb *Sandbox) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range sb.servers {
		_ = srv.Shutdown(ctx)
	}
	if sb.dataDir != "" {
		if cur, err := Load(sb.dataDir); err == nil && cur != nil && cur.PID == sb.Info.PID && cur.Shopify.URL == sb.Info.Shopify.URL {
			_ = os.Remove(filepath.Join(sb.dataDir, FileName))
		}
	}
}

// Connectors are clients for the sandbox stores.
func Connectors(in *Info) map[connect.Platform]connect.Connector {
	shopURL := in.Shopify.URL
	return map[connect.Platform]connect.Connector{
		connect.Shopify: shopify.New(shopify.Options{ClientID: in.Shopify.ClientID, ClientSecret: in.Shopify.ClientSecret,
			BaseURL: func(shop string) string { return shopURL + "/shops/" + shop }}),
		connect.Etsy: etsy.New(etsy.Options{Keystring: in.Etsy.Keystring, SharedSecret: in.Etsy.SharedSecret,
			AuthBaseURL: in.Etsy.URL, APIBaseURL: in.Etsy.URL}),
		connect.Amazon: amazon.New(amazon.Options{ApplicationID: in.Amazon.ApplicationID, ClientID: in.Amazon.ClientID,
			ClientSecret: in.Amazon.ClientSecret, APIBaseURL: in.Amazon.URL, SellerCentralURL: in.Amazon.URL,
			LWAURL: in.Amazon.URL + "/auth/o2/token", MarketplaceID: in.Amazon.MarketplaceID, ReportPollInterval: 500 * time.Millisecond}),
	}
}

// LoadCatalog reads every Shopify product CSV of a directory.
func LoadCatalog(dir string) ([]*catalog.Product, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err == nil && len(files) == 0 {
		err = os.ErrNotExist
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: the sample catalog %s/*.csv is missing (run from the repository with ../shared beside it, or pass --sandbox-catalog): %w", dir, err)
	}
	var out []*catalog.Product
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		r, err := csvfile.NewReader(fh, csvfile.Options{Format: csvfile.FormatShopify})
		if err != nil {
			fh.Close()
			return nil, fmt.Errorf("sandbox: %s: %w", f, err)
		}
		for {
			it, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				fh.Close()
				return nil, fmt.Errorf("sandbox: %s: %w", f, err)
			}
			if it.Product != nil {
				out = append(out, it.Product)
			}
		}
		fh.Close()
	}
	return out, nil
}

func randomHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
