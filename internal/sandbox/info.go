// Package sandbox runs fake Shopify, Etsy and Amazon stores on loopback,
// seeded with the sample catalog, so `plutopro serve --sandbox` can be
// clicked through (connect, sync, generate, review, publish) without an
// account anywhere. The running fakes' addresses and app credentials are
// written to sandbox.json in the data dir, so CLI commands on the same
// data dir reach the same stores; the file goes when the server stops.
package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileName is the file in the data dir describing the running sandbox.
const FileName = "sandbox.json"

// Info is where the sandbox stores run and the app credentials they
// accept (made up at start; they open nothing real).
type Info struct {
	PID     int `json:"pid"`
	Shopify struct {
		URL          string `json:"url"`
		Shop         string `json:"shop"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	} `json:"shopify"`
	Etsy struct {
		URL          string `json:"url"`
		Keystring    string `json:"keystring"`
		SharedSecret string `json:"shared_secret"`
	} `json:"etsy"`
	Amazon struct {
		URL           string `json:"url"`
		ApplicationID string `json:"application_id"`
		ClientID      string `json:"client_id"`
		ClientSecret  string `json:"client_secret"`
		SellerID      string `json:"seller_id"`
		MarketplaceID string `json:"marketplace_id"`
	} `json:"amazon"`
}

// Load reads the running sandbox of a data dir; nil when there is none.
func Load(dataDir string) (*Info, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	var in Info
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("sandbox: %s is damaged: %w", FileName, err)
	}
	return &in, nil
}

// save writes the file, readable by the owner only.
func (in *Info) save(dataDir string) error {
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dataDir, FileName+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dataDir, FileName))
}
