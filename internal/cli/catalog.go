package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/plutopro/plutopro/internal/app"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/tenant"
)

type importCmd struct {
	Brand  string   `required:"" help:"Brand id or name."`
	File   string   `required:"" type:"existingfile" help:"CSV file to import."`
	Format string   `enum:",shopify,generic,etsy" default:"" help:"File format: shopify, generic or etsy (default: detect from the header)."`
	Map    []string `name:"map" help:"Generic CSV: map a column to a field, as column=field (repeatable)."`
	As     string   `name:"as" help:"Email of the user the import runs as (default: the owner of the brand's account)."`
}

// importReport is what `import --json` prints.
type importReport struct {
	ID        string           `json:"id"`
	Status    string           `json:"status"`
	Created   int              `json:"created"`
	Updated   int              `json:"updated"`
	Unchanged int              `json:"unchanged"`
	Variants  int              `json:"variants"`
	Images    int              `json:"images"`
	Rejected  []csvfile.Reject `json:"rejected"`
	Error     string           `json:"error,omitempty"`
}

func (c *importCmd) Run(g *Globals, e *env) error {
	colMap := map[string]string{}
	for _, m := range c.Map {
		col, field, ok := strings.Cut(m, "=")
		if !ok || strings.TrimSpace(col) == "" || strings.TrimSpace(field) == "" {
			return &exitError{code: 2, err: fmt.Errorf("--map %q: use column=field", m)}
		}
		colMap[strings.TrimSpace(col)] = strings.TrimSpace(field)
	}
	// The CLI works the job itself, so an import finishes with no server
	// running; with a server on the same database either may run it.
	a, err := open(g, e, app.Options{Migrate: true, Work: true})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer a.Close()
	if err := a.Jobs.Start(e.ctx); err != nil {
		return &exitError{code: 2, err: err}
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), a.Config.ShutdownTimeout)
		defer cancel()
		_ = a.Jobs.Stop(sctx)
	}()
	sc, brandID, err := resolveBrand(e, a, c.Brand, c.As)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	f, err := os.Open(c.File)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer f.Close()
	im, err := a.Transfer.Start(e.ctx, sc, brandID, transfer.Input{Filename: filepath.Base(c.File), Format: csvfile.Format(c.Format), Map: colMap, Body: f})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	var bar *progressbar.ProgressBar
	if tf, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(tf.Fd())) && !g.JSON {
		bar = progressbar.NewOptions64(im.SizeBytes, progressbar.OptionSetWriter(e.stderr), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription("importing "+filepath.Base(c.File)), progressbar.OptionClearOnFinish())
	}
	im, err = a.Transfer.Wait(e.ctx, sc, brandID, im.ID, func(p *transfer.Import) {
		if bar != nil {
			_ = bar.Set64(p.BytesRead)
		}
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	rejects, err := a.Transfer.Rejects(e.ctx, sc, brandID, im.ID, 0)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	rep := importReport{ID: im.ID, Status: im.Status, Created: im.Created, Updated: im.Updated, Unchanged: im.Unchanged,
		Variants: im.Variants, Images: im.Images, Rejected: rejects, Error: im.Error}
	if g.JSON {
		if err := printJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "Imported %s: %d created, %d updated, %d unchanged (%d variants, %d images in the file), %s rejected.\n",
			filepath.Base(c.File), im.Created, im.Updated, im.Unchanged, im.Variants, im.Images, rows(len(rejects)))
		for _, r := range rejects {
			fmt.Fprintf(e.stdout, "  line %d: %s\n", r.Line, r.Reason)
		}
	}
	switch {
	case im.Status == transfer.StatusFailed:
		return &exitError{code: 2, err: errors.New(im.Error)}
	case len(rejects) > 0 && im.Created+im.Updated+im.Unchanged == 0:
		return &exitError{code: 2, err: fmt.Errorf("nothing could be imported: %s rejected", rows(len(rejects)))}
	case len(rejects) > 0:
		return &exitError{code: 1, err: fmt.Errorf("%s rejected (the other rows were imported)", rows(len(rejects)))}
	}
	return nil
}

type exportCmd struct {
	Brand  string `required:"" help:"Brand id or name."`
	Format string `enum:"shopify" default:"shopify" help:"File format."`
	Out    string `required:"" help:"File to write (- for standard output)."`
	As     string `name:"as" help:"Email of the user the export runs as (default: the owner of the brand's account)."`
}

func (c *exportCmd) Run(g *Globals, e *env) error {
	a, err := open(g, e, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	sc, brandID, err := resolveBrand(e, a, c.Brand, c.As)
	if err != nil {
		return err
	}
	w := e.stdout
	var tmp *os.File
	if c.Out != "-" {
		// Write beside the target and rename, so a failed export never
		// leaves half a file under the real name.
		tmp, err = os.CreateTemp(filepath.Dir(c.Out), ".plutopro-export-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		w = tmp
	}
	n, err := a.Transfer.Export(e.ctx, sc, brandID, c.Format, w)
	if err != nil {
		return err
	}
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), c.Out); err != nil {
			return err
		}
	}
	if g.JSON && c.Out != "-" {
		return printJSON(e.stdout, map[string]any{"products": n, "file": c.Out, "format": c.Format})
	}
	if c.Out != "-" {
		fmt.Fprintf(e.stdout, "Exported %d products to %s.\n", n, c.Out)
	}
	return nil
}

// resolveBrand finds a brand by id or name. Without --as, it acts as an
// owner of the account the brand belongs to (the operator's view); with
// --as, as that user in their accounts.
func resolveBrand(e *env, a *app.App, ref, as string) (tenant.Scope, string, error) {
	if as != "" {
		u, err := a.Accounts.UserByEmail(e.ctx, as)
		if err != nil {
			return tenant.Scope{}, "", fmt.Errorf("--as %s: no such user", as)
		}
		ms, err := a.Accounts.Memberships(e.ctx, u.ID)
		if err != nil {
			return tenant.Scope{}, "", err
		}
		for _, m := range ms {
			sc := tenant.Scope{AccountID: m.Account.ID, UserID: u.ID, Role: m.Role}
			if b, err := a.Brands.Find(e.ctx, sc, ref); err == nil {
				return sc, b.ID, nil
			}
		}
		return tenant.Scope{}, "", fmt.Errorf("--brand %s: no such brand for %s", ref, as)
	}
	sc, brandID, err := a.OperatorScope(e.ctx, ref)
	if err != nil {
		return tenant.Scope{}, "", err
	}
	return sc, brandID, nil
}

func rows(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}
