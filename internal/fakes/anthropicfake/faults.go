package anthropicfake

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// FaultKind is a failure the fake can inject into a call.
type FaultKind string

const (
	// RateLimited answers 429 rate_limit_error with a retry-after header.
	RateLimited FaultKind = "rate_limit_error"
	// Overloaded answers 529 overloaded_error.
	Overloaded FaultKind = "overloaded_error"
	// ServerError answers 500 api_error.
	ServerError FaultKind = "api_error"
	// DropConnection hijacks the connection and closes it without an answer.
	DropConnection FaultKind = "drop_connection"
	// Slow only delays the call by Fault.Latency and then answers normally.
	Slow FaultKind = "slow"
)

// Fault is one injected failure.
type Fault struct {
	Kind FaultKind
	// RetryAfter is sent, in whole seconds rounded up, as the retry-after
	// header of a RateLimited fault. Zero means 1 s.
	RetryAfter time.Duration
	// Latency delays the answer (or the dropped connection).
	Latency time.Duration
}

// Faults says which calls fail. The Next list is used first, one entry per
// call; after it, each call fails with probability Rate, with a kind drawn
// from Kinds. Draws come from a generator seeded with Seed, so a sequence of
// calls made one after the other fails the same way on every run.
type Faults struct {
	// Next faults are applied to the next len(Next) calls, in order.
	Next []Fault
	// Rate is the fraction (0..1) of the calls after Next that fail.
	Rate float64
	// Kinds are drawn uniformly for Rate faults; default {ServerError}.
	Kinds []FaultKind
	// RetryAfter for RateLimited faults drawn by Rate; zero means 1 s.
	RetryAfter time.Duration
	// Seed seeds the draws.
	Seed uint64
	// Latency is added to every call.
	Latency time.Duration
	// LatencyFunc, when set, adds a per-call latency; call counts from 1.
	LatencyFunc func(call int) time.Duration
	// Paths, when non-empty, limits faults and latency to calls whose URL
	// path is one of these (e.g. "/v1/messages"). Empty means every call.
	Paths []string
	// BatchItemErrorRate is the fraction (0..1) of batch requests whose
	// result line is "errored" (with an error type drawn from Kinds).
	BatchItemErrorRate float64
}

// NextN returns n copies of f, for Faults.Next.
func NextN(n int, f Fault) []Fault {
	out := make([]Fault, n)
	for i := range out {
		out[i] = f
	}
	return out
}

type faultEngine struct {
	mu    sync.Mutex
	f     Faults
	next  []Fault
	rng   *rand.Rand
	calls int
}

func newFaultEngine(f Faults) *faultEngine {
	e := &faultEngine{}
	e.set(f)
	return e
}

func (e *faultEngine) set(f Faults) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.f = f
	e.next = slices.Clone(f.Next)
	e.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	e.calls = 0
}

func (e *faultEngine) push(fs ...Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.next = append(e.next, fs...)
}

// draw decides the fault of one call to path; ok is false for a call that
// proceeds normally (latency may still be non-zero).
func (e *faultEngine) draw(path string) (f Fault, latency time.Duration, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.f.Paths) > 0 && !slices.Contains(e.f.Paths, path) {
		return Fault{}, 0, false
	}
	e.calls++
	latency = e.f.Latency
	if e.f.LatencyFunc != nil {
		latency += e.f.LatencyFunc(e.calls)
	}
	if len(e.next) > 0 {
		f = e.next[0]
		e.next = e.next[1:]
		return f, latency + f.Latency, f.Kind != "" && f.Kind != Slow
	}
	if e.f.Rate > 0 && e.rng.Float64() < e.f.Rate {
		f = Fault{Kind: e.kind(), RetryAfter: e.f.RetryAfter}
		return f, latency, f.Kind != Slow
	}
	return Fault{}, latency, false
}

func (e *faultEngine) kind() FaultKind {
	if len(e.f.Kinds) == 0 {
		return ServerError
	}
	return e.f.Kinds[e.rng.IntN(len(e.f.Kinds))]
}

// drawBatchItem decides whether a batch item ends errored, and with which
// error type.
func (e *faultEngine) drawBatchItem() (errType string, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.f.BatchItemErrorRate <= 0 || e.rng.Float64() >= e.f.BatchItemErrorRate {
		return "", false
	}
	switch k := e.kind(); k {
	case RateLimited, Overloaded, ServerError:
		return string(k), true
	default:
		return string(ServerError), true
	}
}
