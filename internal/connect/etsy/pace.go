package etsy

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
)

const (
	// defaultPerSecond is Etsy's documented default, assumed until a
	// response says otherwise.
	defaultPerSecond = 10
	// paceWindow is the second counted, with a little slack for requests
	// that reach Etsy later than they leave.
	paceWindow    = time.Second + 50*time.Millisecond
	minutesPerDay = 24 * 60
)

// pacer spaces one client's requests to Etsy's per-second limit and stops
// them when the day's quota is spent.
type pacer struct {
	mu        sync.Mutex
	perSecond int
	sent      []time.Time // send times within the last paceWindow, oldest first
	blocked   time.Time   // no request before this (the second's quota is spent)

	perDay   int       // -1 until Etsy says
	today    int       // requests left today; -1 until Etsy says
	resumeAt time.Time // when today is 0: when requests may try again
	minutes  [minutesPerDay]minuteCount
	rs       connect.RateState
}

// minuteCount counts this client's requests in one minute (Unix minute m).
type minuteCount struct {
	m int64
	n int32
}

func newPacer() *pacer {
	return &pacer{
		perSecond: defaultPerSecond,
		perDay:    -1,
		today:     -1,
		rs:        connect.RateState{RemainingToday: -1},
	}
}

func (p *pacer) state() connect.RateState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rs
}

// reserve takes a slot for a request sent now, or says how long to wait,
// or fails when the day's quota is spent. Requests that do not count
// against the day (metered false: the OAuth token endpoint) are only
// paced.
func (p *pacer) reserve(now time.Time, metered bool) (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if metered && p.today == 0 {
		if now.Before(p.resumeAt) {
			return 0, p.dailyError()
		}
		p.today = -1 // the window has slid: try, and let Etsy say
	}
	if now.Before(p.blocked) {
		return p.blocked.Sub(now), nil
	}
	cut := now.Add(-paceWindow)
	i := 0
	for i < len(p.sent) && !p.sent[i].After(cut) {
		i++
	}
	p.sent = p.sent[i:]
	if len(p.sent) >= p.perSecond {
		return p.sent[len(p.sent)-p.perSecond].Add(paceWindow).Sub(now), nil
	}
	p.sent = append(p.sent, now)
	if !metered {
		return 0, nil
	}
	m := now.Unix() / 60
	b := &p.minutes[m%minutesPerDay]
	if b.m != m {
		b.m, b.n = m, 0
	}
	b.n++
	if p.today > 0 {
		p.setToday(p.today-1, now)
	}
	return 0, nil
}

// setToday records what is left of the day; the caller holds p.mu.
func (p *pacer) setToday(n int, now time.Time) {
	p.today = n
	p.rs.RemainingToday = float64(n)
	if n > 0 {
		return
	}
	// Etsy's day is a sliding 24 hours: the first request to leave it is
	// the oldest one made in it. This client knows its own; if they are all
	// recent the quota went to others and a whole day is the safe bound.
	resume := now.Add(24 * time.Hour)
	nowMin := now.Unix() / 60
	for _, b := range p.minutes {
		if b.n > 0 && b.m > nowMin-minutesPerDay {
			if t := time.Unix((b.m+1)*60, 0).Add(24 * time.Hour); t.Before(resume) {
				resume = t
			}
		}
	}
	p.resumeAt = resume
}

func (p *pacer) dailyError() error {
	limit := ""
	if p.perDay > 0 {
		limit = fmt.Sprintf(" (%d requests in any 24 hours)", p.perDay)
	}
	return &connect.StoreError{
		Platform: connect.Etsy,
		Status:   http.StatusTooManyRequests,
		Code:     "daily_limit",
		Message: fmt.Sprintf("PlutoPro has used Etsy's daily request allowance for this app%s; requests can resume from about %s",
			limit, p.resumeAt.UTC().Format("2006-01-02 15:04 UTC")),
		Retryable: true,
	}
}

// observe reads Etsy's rate headers from a response received at now.
func (p *pacer) observe(h http.Header, now time.Time) {
	num := func(name string) (int, bool) {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		return n, err == nil && n >= 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := false
	if n, ok := num("X-Limit-Per-Second"); ok && n > 0 {
		p.perSecond = min(n, 10_000)
		p.rs.Limit = float64(n)
		seen = true
	}
	if n, ok := num("X-Remaining-This-Second"); ok {
		p.rs.Remaining = float64(n)
		if n == 0 {
			if t := now.Add(paceWindow); t.After(p.blocked) {
				p.blocked = t
			}
		}
		seen = true
	}
	if n, ok := num("X-Limit-Per-Day"); ok && n > 0 {
		p.perDay = n
		seen = true
	}
	if n, ok := num("X-Remaining-Today"); ok {
		p.setToday(n, now)
		seen = true
	}
	if seen {
		p.rs.UpdatedAt = now
	}
}

// throttled counts a 429.
func (p *pacer) throttled(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rs.Throttled++
	p.rs.UpdatedAt = now
}

// exhausted reports whether the day's quota is known to be spent, and the
// error saying so.
func (p *pacer) exhausted(now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.today == 0 && now.Before(p.resumeAt) {
		return p.dailyError()
	}
	return nil
}
