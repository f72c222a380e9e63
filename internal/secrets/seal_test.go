package secrets

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

var testAD = AD{Table: "secret_values", Row: "0190d6a1-0000-7000-8000-000000000001", Purpose: "shopify.access_token"}

func TestSealOpenRoundTrip(t *testing.T) {
	kr := testKeyring(t, 1, 2)
	tests := []struct {
		name string
		pt   []byte
	}{
		{"empty", []byte{}},
		{"one byte", []byte{0}},
		{"oauth token", []byte("shpat_0123456789abcdef0123456789abcdef")},
		{"binary 64KiB", bytes.Repeat([]byte{0, 1, 2, 0xff}, 16<<10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := kr.Seal(tt.pt, testAD)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ct, "v1.2.") {
				t.Errorf("envelope %q does not start with v1.2.", ct[:min(len(ct), 20)])
			}
			if len(tt.pt) > 4 && strings.Contains(ct, string(tt.pt[:5])) {
				t.Error("envelope contains plaintext")
			}
			pt, err := kr.Open(ct, testAD)
			if err != nil {
				t.Fatal(err)
			}
			if pt == nil || !bytes.Equal(pt, tt.pt) {
				t.Errorf("Open = %q, want %q", pt, tt.pt)
			}
			again, err := kr.Seal(tt.pt, testAD)
			if err != nil {
				t.Fatal(err)
			}
			if again == ct {
				t.Error("sealing twice gave the same envelope")
			}
		})
	}
}

func TestSealNeedsCompleteAD(t *testing.T) {
	kr := testKeyring(t, 1)
	ct, err := kr.Seal([]byte("x"), testAD)
	if err != nil {
		t.Fatal(err)
	}
	for _, ad := range []AD{{}, {Row: "r", Purpose: "p"}, {Table: "t", Purpose: "p"}, {Table: "t", Row: "r"}} {
		if _, err := kr.Seal([]byte("x"), ad); err == nil {
			t.Errorf("Seal with %+v succeeded", ad)
		}
		if pt, err := kr.Open(ct, ad); err == nil || pt != nil {
			t.Errorf("Open with %+v = %q, %v", ad, pt, err)
		}
	}
}

// mustFail checks the fail-closed contract: ErrDecrypt and no plaintext.
func mustFail(t *testing.T, kr *Keyring, ct string, ad AD, what string) {
	t.Helper()
	pt, err := kr.Open(ct, ad)
	if err == nil {
		t.Fatalf("%s: Open succeeded (%q)", what, pt)
	}
	if !errors.Is(err, ErrDecrypt) {
		t.Fatalf("%s: err = %v, want ErrDecrypt", what, err)
	}
	if pt != nil {
		t.Fatalf("%s: Open returned %d bytes with an error", what, len(pt))
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	kr := testKeyring(t, 1)
	ct, err := kr.Seal([]byte("refresh-token-value"), testAD)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("every bit of the decoded ciphertext", func(t *testing.T) {
		_, raw, err := parse(ct)
		if err != nil {
			t.Fatal(err)
		}
		head := ct[:strings.LastIndexByte(ct, '.')+1]
		for i := range raw {
			for bit := range 8 {
				mut := bytes.Clone(raw)
				mut[i] ^= 1 << bit
				mustFail(t, kr, head+b64.EncodeToString(mut), testAD, "raw flip")
			}
		}
	})

	t.Run("every byte of the envelope text", func(t *testing.T) {
		mutations := []struct {
			name string
			fn   func(b []byte, i int) string
		}{
			{"xor 0x01", func(b []byte, i int) string { b[i] ^= 0x01; return string(b) }},
			{"xor 0x20", func(b []byte, i int) string { b[i] ^= 0x20; return string(b) }},
			{"xor 0x80", func(b []byte, i int) string { b[i] ^= 0x80; return string(b) }},
			{"newline", func(b []byte, i int) string { b[i] = '\n'; return string(b) }},
			{"padding", func(b []byte, i int) string { b[i] = '='; return string(b) }},
			{"delete", func(b []byte, i int) string { return string(b[:i]) + string(b[i+1:]) }},
			{"insert newline", func(b []byte, i int) string { return string(b[:i]) + "\n" + string(b[i:]) }},
			{"insert A", func(b []byte, i int) string { return string(b[:i]) + "A" + string(b[i:]) }},
		}
		for _, m := range mutations {
			for i := range len(ct) {
				mut := m.fn([]byte(ct), i)
				if mut == ct {
					t.Fatalf("%s at %d did not change the envelope", m.name, i)
				}
				mustFail(t, kr, mut, testAD, m.name)
			}
		}
	})

	// Every other alphabet character at every body position: catches a
	// lenient decoder that ignores the unused low bits of the last character.
	t.Run("every substitution in the body", func(t *testing.T) {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		start := strings.LastIndexByte(ct, '.') + 1
		for i := start; i < len(ct); i++ {
			for _, c := range []byte(alphabet) {
				if c == ct[i] {
					continue
				}
				b := []byte(ct)
				b[i] = c
				mustFail(t, kr, string(b), testAD, "substitution")
			}
		}
	})

	t.Run("truncation and extension", func(t *testing.T) {
		for n := range len(ct) {
			mustFail(t, kr, ct[:n], testAD, "truncated")
		}
		for _, suffix := range []string{"=", "==", "A", "AA", "\n", " ", "."} {
			mustFail(t, kr, ct+suffix, testAD, "extended with "+suffix)
		}
		mustFail(t, kr, " "+ct, testAD, "leading space")
	})
}

func TestOpenRejectsRelocation(t *testing.T) {
	kr := testKeyring(t, 1)
	ct, err := kr.Seal([]byte("token"), testAD)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ad   AD
	}{
		{"other row", AD{Table: testAD.Table, Row: "0190d6a1-0000-7000-8000-000000000002", Purpose: testAD.Purpose}},
		{"other table", AD{Table: "store_connections", Row: testAD.Row, Purpose: testAD.Purpose}},
		{"other purpose", AD{Table: testAD.Table, Row: testAD.Row, Purpose: "shopify.refresh_token"}},
		// Length prefixes keep field boundaries: shifting a character
		// between fields must not produce the same associated data.
		{"boundary shift row/purpose", AD{Table: testAD.Table, Row: testAD.Row + "s", Purpose: strings.TrimPrefix(testAD.Purpose, "s")}},
		{"boundary shift table/row", AD{Table: "secret_value", Row: "s" + testAD.Row, Purpose: testAD.Purpose}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustFail(t, kr, ct, tt.ad, tt.name)
		})
	}
	if _, err := kr.Open(ct, testAD); err != nil {
		t.Fatalf("original AD no longer opens: %v", err)
	}
}

func TestOpenRejectsChangedKeyID(t *testing.T) {
	// The same key under two ids, so the only thing that can make the edited
	// envelope fail is the key id bound into the associated data.
	same := keyringFrom(t, map[uint32][]byte{1: key32, 2: key32})
	ct, err := same.Seal([]byte("token"), testAD) // sealed under 2, the primary
	if err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(ct, "v1.2.")
	for _, edited := range []string{"v1.1." + body, "v1.02." + body, "v01.2." + body, "v2.2." + body, "v1.+2." + body} {
		mustFail(t, same, edited, testAD, edited[:6])
	}

	different := testKeyring(t, 1, 2)
	ct, err = different.Seal([]byte("token"), testAD)
	if err != nil {
		t.Fatal(err)
	}
	mustFail(t, different, "v1.1."+strings.TrimPrefix(ct, "v1.2."), testAD, "different keys")
}

func TestOpenUnknownKey(t *testing.T) {
	sealer := testKeyring(t, 5)
	ct, err := sealer.Seal([]byte("token"), testAD)
	if err != nil {
		t.Fatal(err)
	}
	opener := testKeyring(t, 1, 2)
	pt, err := opener.Open(ct, testAD)
	if !errors.Is(err, ErrDecrypt) || pt != nil || !strings.Contains(err.Error(), "unknown key 5") {
		t.Fatalf("Open = %q, %v; want ErrDecrypt naming unknown key 5", pt, err)
	}
	// Same id, different key material: authentication fails.
	other := testKeyring(t, 5)
	mustFail(t, other, ct, testAD, "same id, other key")
}

func TestKeyIDAndNeedsRotation(t *testing.T) {
	kr := testKeyring(t, 1)
	old, err := kr.Seal([]byte("x"), testAD)
	if err != nil {
		t.Fatal(err)
	}
	kr2 := keyringFrom(t, map[uint32][]byte{1: kr.state().keys[1], 7: key32})
	fresh, err := kr2.Seal([]byte("x"), testAD)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ct    string
		id    uint32
		ok    bool
		needs bool
	}{
		{old, 1, true, true},
		{fresh, 7, true, false},
		{"", 0, false, false},
		{"v1.", 0, false, false},
		{"v1.7.", 0, false, false},
		{"v1.07." + strings.TrimPrefix(fresh, "v1.7."), 0, false, false},
		{"v1.0." + strings.TrimPrefix(fresh, "v1.7."), 0, false, false},
		{"v1.4294967296." + strings.TrimPrefix(fresh, "v1.7."), 0, false, false},
		{"plaintext-token", 0, false, false},
	}
	for _, tt := range tests {
		id, err := KeyID(tt.ct)
		if (err == nil) != tt.ok || id != tt.id {
			t.Errorf("KeyID(%.20q) = %d, %v; want %d ok=%v", tt.ct, id, err, tt.id, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrDecrypt) {
			t.Errorf("KeyID(%.20q) err = %v, want ErrDecrypt", tt.ct, err)
		}
		if got := kr2.NeedsRotation(tt.ct); got != tt.needs {
			t.Errorf("NeedsRotation(%.20q) = %v, want %v", tt.ct, got, tt.needs)
		}
	}
}

// G1: random nonces must not repeat. 100,000 draws of 96 bits collide with
// probability about 2^-63; any repeat means a broken nonce source.
func TestNoncesDoNotRepeat(t *testing.T) {
	kr := testKeyring(t, 1)
	const n = 100_000
	seen := make(map[[nonceSize]byte]struct{}, n)
	for i := range n {
		ct, err := kr.Seal(nil, testAD)
		if err != nil {
			t.Fatal(err)
		}
		_, raw, err := parse(ct)
		if err != nil {
			t.Fatal(err)
		}
		nonce := [nonceSize]byte(raw[:nonceSize])
		if _, dup := seen[nonce]; dup {
			t.Fatalf("nonce repeated after %d encryptions", i)
		}
		seen[nonce] = struct{}{}
	}
}

// FuzzOpen feeds arbitrary envelopes and associated data to Open, KeyID and
// NeedsRotation: none may panic, failures must be ErrDecrypt with no
// plaintext, and the only envelope that may open is the genuine seed.
// It also checks that anything sealed opens again to the same bytes.
func FuzzOpen(f *testing.F) {
	kr := keyringFrom(f, map[uint32][]byte{1: key32b, 2: key32})
	// Fuzz workers are separate processes, so the genuine envelope must be the
	// same in each: seal it with a fixed nonce (tests only; Seal never does).
	nonce := bytes.Repeat([]byte{7}, nonceSize)
	raw := kr.state().aeads[2].Seal(bytes.Clone(nonce), nonce, []byte("seed token"), testAD.encode(2))
	genuine := "v1.2." + b64.EncodeToString(raw)
	if pt, err := kr.Open(genuine, testAD); err != nil || string(pt) != "seed token" {
		f.Fatalf("fixed-nonce envelope does not open: %q, %v", pt, err)
	}
	body := strings.TrimPrefix(genuine, "v1.2.")
	seeds := []string{
		genuine,
		"v1.1." + body,
		"v1.3." + body,
		"v1.2." + body[:len(body)-1],
		"v1.2." + body + "A",
		"v1.2." + strings.ToUpper(body),
		"v1.2." + body[:10] + "\n" + body[10:],
		"", "v1", "v1.", "v1..", "v1.2.", "v1.2..", "v1.0.AAAA", "v1.00000000001.AAAA",
		"v1.4294967295." + body, "v1.4294967296." + body, "v1.-1." + body,
		"v1.2." + strings.Repeat("A", 37), "v1.2." + strings.Repeat("_", 38),
		"\xff\xfe", "v1.2.\x00",
	}
	for _, s := range seeds {
		f.Add(s, testAD.Table, testAD.Row, testAD.Purpose)
	}
	f.Add(genuine, testAD.Table, testAD.Row, "other")
	f.Add(genuine, "", "", "")

	f.Fuzz(func(t *testing.T, envelope, table, row, purpose string) {
		ad := AD{Table: table, Row: row, Purpose: purpose}
		pt, err := kr.Open(envelope, ad)
		if err == nil {
			if envelope != genuine || ad != testAD || string(pt) != "seed token" {
				t.Fatalf("Open(%q, %+v) succeeded with %q", envelope, ad, pt)
			}
		} else {
			if pt != nil {
				t.Fatalf("Open returned plaintext with error %v", err)
			}
			if ad.complete() && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Open error %v is not ErrDecrypt", err)
			}
		}
		if id, err := KeyID(envelope); err == nil {
			if !strings.HasPrefix(envelope, "v1.") || id == 0 {
				t.Fatalf("KeyID(%q) = %d for a malformed envelope", envelope, id)
			}
		}
		_ = kr.NeedsRotation(envelope)

		if ad.complete() {
			ct, err := kr.Seal([]byte(envelope), ad)
			if err != nil {
				t.Fatal(err)
			}
			back, err := kr.Open(ct, ad)
			if err != nil || string(back) != envelope {
				t.Fatalf("round trip: %q, %v", back, err)
			}
		}
	})
}
