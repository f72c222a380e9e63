package amazonfake

import (
	"math"
	"sync"
	"time"
)

// limiter holds one token bucket per operation, the algorithm Amazon
// documents for its usage plans: a bucket of Burst tokens refilled at Rate
// per second, one token per request.
type limiter struct {
	mu      sync.Mutex
	plans   map[string]RateLimit
	buckets map[string]*bucket
}

type bucket struct {
	level float64
	at    time.Time
}

func newLimiter(o Options) *limiter {
	scale := o.RateScale
	if scale <= 0 {
		scale = 1
	}
	plans := map[string]RateLimit{}
	for id, p := range DefaultRateLimits() {
		plans[id] = RateLimit{Rate: p.Rate * scale, Burst: math.Max(1, math.Round(p.Burst*scale))}
	}
	for id, p := range o.RateLimits {
		if p.Burst < 1 {
			p.Burst = 1
		}
		plans[id] = p
	}
	return &limiter{plans: plans, buckets: map[string]*bucket{}}
}

// take spends a token of the operation's bucket; false when it is empty.
// Operations without a plan are not limited.
func (l *limiter) take(op string, now time.Time) (RateLimit, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.plans[op]
	if !ok {
		return RateLimit{Rate: 1000, Burst: 1000}, true
	}
	b := l.buckets[op]
	if b == nil {
		b = &bucket{level: p.Burst, at: now}
		l.buckets[op] = b
	}
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.level = math.Min(p.Burst, b.level+dt*p.Rate)
		b.at = now
	}
	if b.level < 1 {
		return p, false
	}
	b.level--
	return p, true
}
