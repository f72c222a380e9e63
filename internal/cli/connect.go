package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/app"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/sandbox"
	"github.com/plutopro/plutopro/internal/tenant"
)

type connectCmd struct {
	Brand    string `required:"" help:"Brand id or name."`
	Platform string `required:"" enum:"shopify,etsy,amazon" help:"Store platform: shopify, etsy or amazon."`
	Shop     string `help:"Shopify shop domain (name.myshopify.com); in the sandbox it defaults to the sandbox shop."`
	Sandbox  bool   `help:"Complete the authorization against the sandbox stores that 'plutopro serve --sandbox' runs on this data dir."`
	As       string `name:"as" help:"Email of the user connecting (default: the owner of the brand's account)."`
}

// connectionView is what connect and connections print (never a token).
type connectionView struct {
	*connect.Connection
	LastSync *connect.Sync `json:"last_sync,omitempty"`
}

func (c *connectCmd) Run(g *Globals, e *env) error {
	a, err := open(g, e, app.Options{Migrate: true})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer a.Close()
	sc, brandID, err := resolveBrand(e, a, c.Brand, c.As)
	if err != nil {
		return err
	}
	p := connect.Platform(c.Platform)
	shop := c.Shop
	if c.Sandbox {
		if a.SandboxInfo == nil {
			return fmt.Errorf("no sandbox is running on %s: start `plutopro serve --sandbox` with the same data dir first", g.DataDir)
		}
		if shop == "" && p == connect.Shopify {
			shop = a.SandboxInfo.Shopify.Shop
		}
	}
	authURL, err := a.Connect.Begin(e.ctx, sc, brandID, p, shop)
	if err != nil {
		return err
	}
	if !c.Sandbox {
		if g.JSON {
			return printJSON(e.stdout, map[string]string{"authorization_url": authURL})
		}
		fmt.Fprintf(e.stdout, "Open this URL to authorize PlutoPro (valid for 15 minutes); the store sends you back to %s:\n%s\n",
			a.Connect.CallbackURL(p), authURL)
		return nil
	}
	query, err := sandbox.Authorize(e.ctx, authURL)
	if err != nil {
		return err
	}
	conn, err := a.Connect.Complete(e.ctx, p, query)
	if err != nil {
		return err
	}
	last, _ := a.Connect.LastSync(e.ctx, conn.ID)
	if g.JSON {
		return printJSON(e.stdout, connectionView{Connection: conn, LastSync: last})
	}
	fmt.Fprintf(e.stdout, "Connected %s store %s (%s) to the brand; the first sync is queued. Run `plutopro sync --brand %s --wait` to follow it.\n",
		p, conn.Account, conn.Name, c.Brand)
	return nil
}

type connectionsCmd struct {
	Brand string `required:"" help:"Brand id or name."`
}

func (c *connectionsCmd) Run(g *Globals, e *env) error {
	a, err := open(g, e, app.Options{Migrate: true})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer a.Close()
	sc, brandID, err := resolveBrand(e, a, c.Brand, "")
	if err != nil {
		return err
	}
	conns, err := a.Connect.List(e.ctx, sc, brandID)
	if err != nil {
		return err
	}
	views := make([]connectionView, 0, len(conns))
	for _, conn := range conns {
		last, _ := a.Connect.LastSync(e.ctx, conn.ID)
		views = append(views, connectionView{Connection: conn, LastSync: last})
	}
	if g.JSON {
		return printJSON(e.stdout, map[string]any{"connections": views})
	}
	if len(views) == 0 {
		fmt.Fprintln(e.stdout, "No stores connected. Connect one with `plutopro connect --brand B --platform shopify|etsy|amazon`.")
	}
	for _, v := range views {
		line := fmt.Sprintf("%-8s %-40s %s", v.Platform, v.Account, v.Status)
		if v.LastSync != nil {
			line += fmt.Sprintf("; last sync %s: %d products (%d new, %d updated)", v.LastSync.Status, v.LastSync.Done, v.LastSync.Created, v.LastSync.Updated)
		}
		if v.Error != "" {
			line += "; " + v.Error
		}
		fmt.Fprintln(e.stdout, line)
	}
	return nil
}

// workingApp opens the app working jobs itself, so a command finishes
// with no server running (with one on the same database, either works them).
func workingApp(g *Globals, e *env) (*app.App, func(), error) {
	a, err := open(g, e, app.Options{Migrate: true, Work: true})
	if err != nil {
		return nil, nil, &exitError{code: 2, err: err}
	}
	if err := a.Jobs.Start(e.ctx); err != nil {
		a.Close()
		return nil, nil, &exitError{code: 2, err: err}
	}
	return a, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = a.Jobs.Stop(ctx)
		a.Close()
	}, nil
}

type syncCmd struct {
	Brand    string `required:"" help:"Brand id or name."`
	Platform string `enum:",shopify,etsy,amazon" default:"" help:"Only this platform (default: every connected store)."`
	Wait     bool   `help:"Wait until the sync is done, showing progress."`
}

func (c *syncCmd) Run(g *Globals, e *env) error {
	a, done, err := workingApp(g, e)
	if err != nil {
		return err
	}
	defer done()
	sc, brandID, err := resolveBrand(e, a, c.Brand, "")
	if err != nil {
		return err
	}
	conns, err := a.Connect.List(e.ctx, sc, brandID)
	if err != nil {
		return err
	}
	var syncs []*connect.Sync
	for _, conn := range conns {
		if (c.Platform != "" && string(conn.Platform) != c.Platform) || conn.Status == connect.StatusDisconnected {
			continue
		}
		sy, err := a.Connect.StartSync(e.ctx, sc, brandID, conn.ID)
		if err != nil {
			return err
		}
		syncs = append(syncs, sy)
	}
	if len(syncs) == 0 {
		return fmt.Errorf("the brand has no connected store%s; connect one first", platformSuffix(c.Platform))
	}
	failed := false
	for i, sy := range syncs {
		if c.Wait {
			if sy, err = a.Connect.WaitSync(e.ctx, sc, brandID, sy.ID, func(s *connect.Sync) {
				if !g.JSON {
					fmt.Fprintf(e.stderr, "\rsyncing: %d products", s.Done)
				}
			}); err != nil {
				return err
			}
			syncs[i] = sy
			if !g.JSON {
				fmt.Fprintln(e.stderr)
			}
		}
		failed = failed || sy.Status == connect.SyncFailed
	}
	if g.JSON {
		if err := printJSON(e.stdout, map[string]any{"syncs": syncs}); err != nil {
			return err
		}
	} else {
		for _, sy := range syncs {
			fmt.Fprintf(e.stdout, "Sync %s: %s, %d products (%d new, %d updated, %d unchanged)%s\n", sy.ID, sy.Status, sy.Done, sy.Created,
				sy.Updated, sy.Unchanged, errSuffix(sy.Error))
		}
	}
	if failed {
		return &exitError{code: 1, err: fmt.Errorf("a sync failed")}
	}
	return nil
}

type publishCmd struct {
	Brand    string   `required:"" help:"Brand id or name."`
	Platform string   `enum:",shopify,etsy,amazon" default:"" help:"Only this platform (default: every connected store)."`
	Product  []string `help:"Only these products (ids; repeatable)."`
	Wait     bool     `help:"Wait until every publication is done or failed."`
}

func (c *publishCmd) Run(g *Globals, e *env) error {
	a, done, err := workingApp(g, e)
	if err != nil {
		return err
	}
	defer done()
	sc, brandID, err := resolveBrand(e, a, c.Brand, "")
	if err != nil {
		return err
	}
	pubs, err := a.Connect.Publish(e.ctx, sc, brandID, connect.PublishInput{Platform: connect.Platform(c.Platform), ProductIDs: c.Product})
	if err != nil {
		return err
	}
	if c.Wait {
		if pubs, err = waitPublications(e, a, sc, brandID, pubs); err != nil {
			return err
		}
	}
	return printPublications(g, e, pubs, "Nothing to publish: no approved drafts that are not in the store yet.")
}

func waitPublications(e *env, a *app.App, sc tenant.Scope, brandID string, pubs []*connect.Publication) ([]*connect.Publication, error) {
	for i := range pubs {
		for {
			p, err := a.Connect.GetPublication(e.ctx, sc, brandID, pubs[i].ID)
			if err != nil {
				return nil, err
			}
			pubs[i] = p
			if p.Status == connect.PubDone || p.Status == connect.PubFailed {
				break
			}
			select {
			case <-e.ctx.Done():
				return pubs, e.ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return pubs, nil
}

func printPublications(g *Globals, e *env, pubs []*connect.Publication, none string) error {
	if g.JSON {
		if pubs == nil {
			pubs = []*connect.Publication{}
		}
		return printJSON(e.stdout, map[string]any{"publications": pubs})
	}
	if len(pubs) == 0 {
		fmt.Fprintln(e.stdout, none)
	}
	failed := 0
	for _, p := range pubs {
		fmt.Fprintf(e.stdout, "%s %s product %s version %d: %s%s\n", p.Platform, p.Kind, p.ProductID, p.Version, p.Status, errSuffix(p.Error))
		if p.Status == connect.PubFailed {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d publications failed; retry them from the brand's store page", failed, len(pubs))}
	}
	return nil
}

type revertCmd struct {
	Brand   string `required:"" help:"Brand id or name."`
	Product string `required:"" help:"Product id, or its handle."`
	To      int    `name:"to" default:"0" help:"Version to restore: 0 is the store's original, N what publication N wrote."`
	Wait    bool   `default:"true" negatable:"" help:"Wait until the store has it (default true)."`
}

func (c *revertCmd) Run(g *Globals, e *env) error {
	a, done, err := workingApp(g, e)
	if err != nil {
		return err
	}
	defer done()
	sc, brandID, err := resolveBrand(e, a, c.Brand, "")
	if err != nil {
		return err
	}
	productID, err := resolveProduct(e, a, sc, brandID, c.Product)
	if err != nil {
		return err
	}
	p, err := a.Connect.Revert(e.ctx, sc, brandID, productID, c.To)
	if err != nil {
		return err
	}
	pubs := []*connect.Publication{p}
	if c.Wait {
		if pubs, err = waitPublications(e, a, sc, brandID, pubs); err != nil {
			return err
		}
	}
	return printPublications(g, e, pubs, "")
}

// resolveProduct finds a product by id or handle.
func resolveProduct(e *env, a *app.App, sc tenant.Scope, brandID, ref string) (string, error) {
	if p, err := a.Catalog.Get(e.ctx, sc, brandID, ref); err == nil {
		return p.ID, nil
	}
	var found string
	err := a.Catalog.Each(e.ctx, sc, brandID, func(p *catalog.Product) error {
		if strings.EqualFold(p.Handle, ref) && found == "" {
			found = p.ID
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if found == "" {
		return "", fmt.Errorf("--product %s: no such product in the brand", ref)
	}
	return found, nil
}

func platformSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " on " + p
}

func errSuffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}
