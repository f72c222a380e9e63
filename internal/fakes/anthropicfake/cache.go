package anthropicfake

import (
	"crypto/sha256"
	"sync"
	"time"
)

// promptBlock is one unit of the prompt in caching order (tools, system,
// messages).
type promptBlock struct {
	canon  []byte
	tokens int
	// ttl is non-zero for a cache breakpoint (5m or 1h).
	ttl time.Duration
}

type promptCache struct {
	mu      sync.Mutex
	entries map[[32]byte]cacheEntry
}

type cacheEntry struct {
	expires time.Time
	ttl     time.Duration
}

func newPromptCache() *promptCache {
	return &promptCache{entries: map[[32]byte]cacheEntry{}}
}

func (c *promptCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[[32]byte]cacheEntry{}
}

// cachePlan is the caching outcome of one request, computed before the
// request is admitted and committed after.
type cachePlan struct {
	total, read, create int
	create5m, create1h  int
	refresh             [][32]byte
	writes              map[[32]byte]time.Duration
}

func (p cachePlan) input() int { return p.total - p.read - p.create }

type breakpoint struct {
	key    [32]byte
	tokens int
	ttl    time.Duration
}

// plan works out what a request with these blocks reads from and writes to
// the cache, at now, with min the model's minimum cacheable prefix.
func (c *promptCache) plan(now time.Time, model string, blocks []promptBlock, min int) cachePlan {
	var bps []breakpoint
	h := sha256.Sum256([]byte("model\x00" + model))
	total := 0
	for _, b := range blocks {
		buf := make([]byte, 0, len(h)+len(b.canon))
		buf = append(buf, h[:]...)
		buf = append(buf, b.canon...)
		h = sha256.Sum256(buf)
		total += b.tokens
		if b.ttl > 0 {
			bps = append(bps, breakpoint{key: h, tokens: total, ttl: b.ttl})
		}
	}
	p := cachePlan{total: total}
	if len(bps) == 0 {
		return p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	readIdx := -1
	for i := len(bps) - 1; i >= 0; i-- {
		e, ok := c.entries[bps[i].key]
		if ok && now.Before(e.expires) {
			readIdx = i
			p.read = bps[i].tokens
			p.refresh = append(p.refresh, bps[i].key)
			break
		}
	}
	last := len(bps) - 1
	if readIdx == last || bps[last].tokens < min {
		return p
	}
	p.writes = map[[32]byte]time.Duration{}
	prev := p.read
	for i := readIdx + 1; i <= last; i++ {
		bp := bps[i]
		if bp.tokens >= min {
			p.writes[bp.key] = bp.ttl
		}
		seg := bp.tokens - prev
		prev = bp.tokens
		if bp.ttl >= time.Hour {
			p.create1h += seg
		} else {
			p.create5m += seg
		}
	}
	p.create = bps[last].tokens - p.read
	return p
}

func (c *promptCache) commit(now time.Time, p cachePlan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range p.refresh {
		if e, ok := c.entries[k]; ok {
			e.expires = now.Add(e.ttl)
			c.entries[k] = e
		}
	}
	for k, ttl := range p.writes {
		c.entries[k] = cacheEntry{expires: now.Add(ttl), ttl: ttl}
	}
}
