// Command plutopro runs PlutoPro: the web app, the JSON API and the job
// workers, plus the operator commands. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/plutopro/plutopro/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
