package faultplan

import (
	"testing"
	"time"
)

func TestNextThenRate(t *testing.T) {
	e := New(Plan{Next: []Fault{{Kind: Throttle}, {Kind: ""}, {Kind: Drop, Latency: time.Second}}})
	kinds := []Kind{}
	for range 4 {
		f, _, ok := e.Draw("/x")
		if ok {
			kinds = append(kinds, f.Kind)
		} else {
			kinds = append(kinds, "ok")
		}
	}
	if want := []Kind{Throttle, "ok", Drop, "ok"}; !equal(kinds, want) {
		t.Fatalf("draws = %v, want %v", kinds, want)
	}
	if got := e.Injected(); got[Throttle] != 1 || got[Drop] != 1 {
		t.Errorf("injected = %v", got)
	}
}

func TestRateIsSeededAndFiltered(t *testing.T) {
	run := func() (n int) {
		e := New(Plan{Rate: 0.3, Kinds: []Kind{ServerError, Unavailable}, Seed: 42, Paths: []string{"/api/"}})
		for i := range 1000 {
			path := "/api/things"
			if i%2 == 1 {
				path = "/oauth/authorize"
			}
			if f, _, ok := e.Draw(path); ok {
				if path != "/api/things" {
					t.Fatalf("fault on %s, outside Paths", path)
				}
				if f.Kind != ServerError && f.Kind != Unavailable {
					t.Fatalf("kind %s not in Kinds", f.Kind)
				}
				n++
			}
		}
		return n
	}
	a, b := run(), run()
	if a != b {
		t.Errorf("the same seed drew %d and %d faults", a, b)
	}
	if a < 100 || a > 200 { // 30% of 500 calls on /api/
		t.Errorf("%d faults in 500 calls at rate 0.3", a)
	}
}

func TestRetryAfterDefault(t *testing.T) {
	e := New(Plan{Next: []Fault{{Kind: Throttle}}})
	if f, _, _ := e.Draw("/"); f.RetryAfter != time.Second {
		t.Errorf("RetryAfter = %v, want 1s", f.RetryAfter)
	}
}

func equal(a, b []Kind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
