package anthropicfake

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Nominal limits shown in the rate-limit headers when no limit is enforced.
const (
	nominalRPM  = 4000
	nominalITPM = 2_000_000
	nominalOTPM = 400_000
)

// bucket is a token bucket that refills continuously at capacity per minute,
// the algorithm Anthropic documents for its rate limits.
type bucket struct {
	capacity float64
	level    float64
	at       time.Time
	enforce  bool
}

func newBucket(limit int, enforce bool) *bucket {
	return &bucket{capacity: float64(limit), level: float64(limit), enforce: enforce}
}

func (b *bucket) refill(now time.Time) {
	if b.at.IsZero() {
		b.at = now
		return
	}
	if dt := now.Sub(b.at); dt > 0 {
		b.level = math.Min(b.capacity, b.level+b.capacity*dt.Minutes())
		b.at = now
	}
}

// wait is how long until the bucket holds n.
func (b *bucket) wait(n float64) time.Duration {
	if b.level >= n {
		return 0
	}
	if n > b.capacity {
		n = b.capacity
	}
	return time.Duration((n - b.level) / b.capacity * float64(time.Minute))
}

func (b *bucket) take(n float64) {
	b.level -= n
}

func (b *bucket) remaining() int64 {
	return int64(math.Max(0, math.Floor(b.level)))
}

// reset is when the bucket will be full again.
func (b *bucket) reset(now time.Time) time.Time {
	missing := b.capacity - math.Max(0, b.level)
	if missing <= 0 {
		return now
	}
	return now.Add(time.Duration(missing / b.capacity * float64(time.Minute)))
}

type rateLimiter struct {
	mu                 sync.Mutex
	req, input, output *bucket
}

func newRateLimiter(o Options) *rateLimiter {
	pick := func(v, nominal int) (int, bool) {
		if v > 0 {
			return v, true
		}
		return nominal, false
	}
	r, re := pick(o.RequestsPerMinute, nominalRPM)
	i, ie := pick(o.InputTokensPerMinute, nominalITPM)
	out, oe := pick(o.OutputTokensPerMinute, nominalOTPM)
	return &rateLimiter{req: newBucket(r, re), input: newBucket(i, ie), output: newBucket(out, oe)}
}

// admit checks a request counting inputTokens. When enforced buckets cannot
// serve it, it returns how long to wait and the names of the short buckets
// ("requests", "input-tokens", "output-tokens"); the request is then not
// counted. Otherwise it takes the request and its input tokens.
func (l *rateLimiter) admit(now time.Time, inputTokens int) (wait time.Duration, short []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range []*bucket{l.req, l.input, l.output} {
		b.refill(now)
	}
	if l.req.enforce {
		if w := l.req.wait(1); w > 0 {
			wait = max(wait, w)
			short = append(short, "requests")
		}
	}
	if l.input.enforce {
		if w := l.input.wait(float64(inputTokens)); w > 0 {
			wait = max(wait, w)
			short = append(short, "input-tokens", "tokens")
		}
	}
	if l.output.enforce && l.output.level < 1 {
		wait = max(wait, l.output.wait(1))
		short = append(short, "output-tokens", "tokens")
	}
	if len(short) > 0 {
		return wait, short
	}
	l.req.take(1)
	l.input.take(float64(inputTokens))
	return 0, nil
}

// spend takes output tokens after an answer.
func (l *rateLimiter) spend(outputTokens int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.output.take(float64(outputTokens))
}

// headers writes the anthropic-ratelimit-* headers; the remaining count of
// each bucket named in short is shown as 0.
func (l *rateLimiter) headers(h http.Header, now time.Time, short []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	set := func(name string, b *bucket) {
		b.refill(now)
		h.Set("anthropic-ratelimit-"+name+"-limit", strconv.FormatInt(int64(b.capacity), 10))
		h.Set("anthropic-ratelimit-"+name+"-remaining", strconv.FormatInt(b.remaining(), 10))
		h.Set("anthropic-ratelimit-"+name+"-reset", b.reset(now).UTC().Format(time.RFC3339))
	}
	set("requests", l.req)
	set("input-tokens", l.input)
	set("output-tokens", l.output)
	// "tokens" shows the most restrictive of the two token limits in effect.
	tighter := l.input
	if l.output.remaining() < l.input.remaining() {
		tighter = l.output
	}
	set("tokens", tighter)
	for _, name := range short {
		h.Set("anthropic-ratelimit-"+name+"-remaining", "0")
	}
}
