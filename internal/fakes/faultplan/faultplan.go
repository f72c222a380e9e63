// Package faultplan decides which calls to a fake server fail, the same
// way on every run: a list of faults for the next calls, then a seeded
// random share of the rest. Each fake turns a Fault into its platform's
// wire format (Shopify's THROTTLED at HTTP 200, Etsy's 429, Amazon's
// QuotaExceeded...).
package faultplan

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// Kind is a kind of failure; fakes say which they support.
type Kind string

// The kinds every store fake understands.
const (
	Throttle    Kind = "throttle"     // the platform's rate-limit answer
	ServerError Kind = "server_error" // a 500
	Unavailable Kind = "unavailable"  // a 503
	Drop        Kind = "drop"         // the connection closes without an answer
)

// Fault is one failed call.
type Fault struct {
	Kind Kind
	// RetryAfter is what a Throttle answer asks the client to wait (zero: 1 s).
	RetryAfter time.Duration
	// Latency delays the answer.
	Latency time.Duration
}

// Plan says which calls fail.
type Plan struct {
	// Next faults apply to the next calls, in order.
	Next []Fault
	// Rate is the share (0..1) of later calls that fail, with a Kind drawn
	// from Kinds (default ServerError).
	Rate  float64
	Kinds []Kind
	// RetryAfter for drawn Throttle faults.
	RetryAfter time.Duration
	// Seed seeds the draws.
	Seed uint64
	// Paths, when set, limits faults to requests whose path contains one of them.
	Paths []string
	// Latency is added to every call.
	Latency time.Duration
}

// Engine draws faults from a plan; safe for concurrent use.
type Engine struct {
	mu       sync.Mutex
	plan     Plan
	next     []Fault
	rng      *rand.Rand
	injected map[Kind]int
}

// New returns an engine following p.
func New(p Plan) *Engine {
	e := &Engine{}
	e.Set(p)
	return e
}

// Set replaces the plan and forgets the counts.
func (e *Engine) Set(p Plan) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.plan = p
	e.next = slices.Clone(p.Next)
	e.rng = rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15))
	e.injected = map[Kind]int{}
}

// Push queues faults for the next calls.
func (e *Engine) Push(fs ...Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.next = append(e.next, fs...)
}

// Draw decides one call to path: the fault and true when it fails, and
// the latency to add either way.
func (e *Engine) Draw(path string) (Fault, time.Duration, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	latency := e.plan.Latency
	if len(e.plan.Paths) > 0 && !slices.ContainsFunc(e.plan.Paths, func(p string) bool { return strings.Contains(path, p) }) {
		return Fault{}, latency, false
	}
	var f Fault
	switch {
	case len(e.next) > 0:
		f, e.next = e.next[0], e.next[1:]
	case e.plan.Rate > 0 && e.rng.Float64() < e.plan.Rate:
		f = Fault{Kind: ServerError, RetryAfter: e.plan.RetryAfter}
		if len(e.plan.Kinds) > 0 {
			f.Kind = e.plan.Kinds[e.rng.IntN(len(e.plan.Kinds))]
		}
	default:
		return Fault{}, latency, false
	}
	if f.Kind == "" {
		return Fault{}, latency + f.Latency, false
	}
	if f.RetryAfter <= 0 {
		f.RetryAfter = time.Second
	}
	e.injected[f.Kind]++
	return f, latency + f.Latency, true
}

// Injected counts the faults injected so far, by kind.
func (e *Engine) Injected() map[Kind]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[Kind]int, len(e.injected))
	for k, n := range e.injected {
		out[k] = n
	}
	return out
}
