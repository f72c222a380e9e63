package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const samples = "../../../shared/data/shopify-csvs"

// TestImportExport: the checks through the command line: the three
// samples give 60/66/82, an export re-imported changes nothing, bad rows give
// exit 1 with their lines, a non-CSV file exit 2 with nothing imported.
func TestImportExport(t *testing.T) {
	if _, err := os.Stat(samples); err != nil {
		t.Skipf("sample data not found: %v", err)
	}
	r := &runner{t: t, env: map[string]string{"PLUTOPRO_DATA_DIR": t.TempDir()}}
	r.mustJSON("", "user", "add", "--email", "ada@example.com", "--name", "Ada")
	r.mustJSON("", "brand", "add", "--owner", "ada@example.com", "--name", "Samples")

	var created, variants, images float64
	for _, f := range []string{"apparel.csv", "home-and-garden.csv", "jewelery.csv"} {
		rep := r.mustJSON("", "import", "--brand", "Samples", "--file", filepath.Join(samples, f))
		created += rep["created"].(float64)
		variants += rep["variants"].(float64)
		images += rep["images"].(float64)
		if rej := rep["rejected"].([]any); len(rej) != 0 {
			t.Fatalf("%s: rejected %v", f, rej)
		}
	}
	if created != 60 || variants != 66 || images != 82 {
		t.Fatalf("samples: %v products, %v variants, %v images; want 60, 66, 82", created, variants, images)
	}
	out := filepath.Join(t.TempDir(), "export.csv")
	if _, errs, code := r.run("", "export", "--brand", "Samples", "--format", "shopify", "--out", out); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	rep := r.mustJSON("", "import", "--brand", "Samples", "--file", out)
	if rep["unchanged"].(float64) != 60 || rep["created"].(float64) != 0 || rep["updated"].(float64) != 0 {
		t.Fatalf("re-import of the export = %v; want 60 unchanged", rep)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("Handle,Title,Variant SKU,Variant Price\ngood-one,Good One,G1,10.00\n,No Handle,X1,5.00\n"+
		"bad-price,Bad Price,B1,abc\ngood-two,\"Good\nTwo\",G2,12.50\nneg,Neg,N1,-1\n"), 0o600)
	stdout, stderr, code := r.run("", "import", "--brand", "Samples", "--file", bad)
	if code != 1 {
		t.Fatalf("bad rows: exit %d, want 1; %s %s", code, stdout, stderr)
	}
	for _, want := range []string{"line 3:", "line 4:", "line 7:", "2 created", "3 rows rejected"} {
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("bad rows output lacks %q:\n%s%s", want, stdout, stderr)
		}
	}

	png := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o600)
	if _, stderr, code := r.run("", "import", "--brand", "Samples", "--file", png); code != 2 || !strings.Contains(stderr, "cannot be imported") {
		t.Fatalf("non-CSV: exit %d, stderr %q; want 2 and a reason", code, stderr)
	}
	if _, _, code := r.run("", "import", "--brand", "Nope", "--file", bad); code != 2 {
		t.Fatalf("unknown brand: exit %d, want 2", code)
	}
}
