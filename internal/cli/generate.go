package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/plutopro/plutopro/internal/app"
	"github.com/plutopro/plutopro/internal/drafts"
)

type generateCmd struct {
	Brand       string `required:"" help:"Brand id or name."`
	Channel     string `enum:",shopify,etsy,amazon,google" default:"" help:"Channel to write for (default: the brand's default channel)."`
	Fields      string `help:"Comma-separated fields (default: every field of the channel)."`
	OnlyMissing bool   `name:"only-missing" help:"Only fill fields a product does not have yet."`
	Batch       bool   `help:"Send the whole run as one Anthropic Message Batch (half price; results can take hours)."`
	Wait        bool   `help:"Wait until every product is done (this process works the jobs too)."`
	As          string `name:"as" help:"Email of the user the generation runs as (default: the owner of the brand's account)."`
}

// generateReport is what `generate --json` prints.
type generateReport struct {
	ID                string  `json:"id"`
	Status            string  `json:"status"`
	Provider          string  `json:"provider"`
	Model             string  `json:"model"`
	Products          int     `json:"products"`
	Drafts            int     `json:"drafts"`
	Invalid           int     `json:"invalid"`
	Failed            int     `json:"failed"`
	InputTokens       int     `json:"input_tokens"`
	CachedInputTokens int     `json:"cached_input_tokens"`
	OutputTokens      int     `json:"output_tokens"`
	CostUSD           float64 `json:"cost_usd"`
}

func (c *generateCmd) Run(g *Globals, e *env) error {
	a, err := open(g, e, app.Options{Migrate: true, Work: c.Wait})
	if err != nil {
		return err
	}
	defer a.Close()
	if c.Wait {
		if err := a.Jobs.Start(e.ctx); err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), a.Config.ShutdownTimeout)
			defer cancel()
			_ = a.Jobs.Stop(sctx)
		}()
	}
	sc, brandID, err := resolveBrand(e, a, c.Brand, c.As)
	if err != nil {
		return err
	}
	var fields []string
	if c.Fields != "" {
		fields = strings.Split(c.Fields, ",")
	}
	gen, err := a.Drafts.Start(e.ctx, sc, brandID, drafts.StartInput{Channel: c.Channel, Fields: fields, OnlyMissing: c.OnlyMissing, Batch: c.Batch})
	if err != nil {
		return err
	}
	if c.Wait {
		var bar *progressbar.ProgressBar
		if tf, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(tf.Fd())) && !g.JSON {
			bar = progressbar.NewOptions(gen.Products, progressbar.OptionSetWriter(e.stderr),
				progressbar.OptionSetDescription("writing "+gen.Channel+" drafts"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		}
		gen, err = a.Drafts.Wait(e.ctx, sc, brandID, gen.ID, func(p *drafts.Generation) {
			if bar != nil {
				_ = bar.Set(p.Done)
			}
		})
		if bar != nil {
			_ = bar.Finish()
		}
		if err != nil {
			return err
		}
	}
	rep := generateReport{ID: gen.ID, Status: gen.Status, Provider: gen.Provider, Model: gen.Model, Products: gen.Products,
		Drafts: gen.Drafts, Invalid: gen.Invalid, Failed: gen.Failed, InputTokens: gen.InputTokens,
		CachedInputTokens: gen.CachedInputTokens, OutputTokens: gen.OutputTokens, CostUSD: gen.CostUSD}
	if g.JSON {
		return printJSON(e.stdout, rep)
	}
	if !c.Wait {
		fmt.Fprintf(e.stdout, "Generation %s queued: %d products, %s fields %s. Follow it with the API or run with --wait.\n",
			gen.ID, gen.Products, gen.Channel, strings.Join(gen.Fields, ", "))
		return nil
	}
	fmt.Fprintf(e.stdout, "Wrote %d %s drafts for %d products with %s (%s): %d flagged invalid, %d products failed; tokens in %d (cached %d), out %d; cost $%.4f.\n",
		gen.Drafts, gen.Channel, gen.Products, gen.Provider, gen.Model, gen.Invalid, gen.Failed, gen.InputTokens, gen.CachedInputTokens,
		gen.OutputTokens, gen.CostUSD)
	if gen.Failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d products failed; see the log", gen.Failed)}
	}
	return nil
}
