package generate

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestPacerLearnsFromHeaders(t *testing.T) {
	p := NewPacer(6000) // 100/s
	if p.Limit() != 100 {
		t.Fatalf("Limit = %v, want 100", p.Limit())
	}
	h := http.Header{}
	h.Set("anthropic-ratelimit-requests-limit", "600")
	p.Observe(h)
	if p.Limit() != 10 {
		t.Fatalf("after a 600/min header, Limit = %v, want 10", p.Limit())
	}
	h.Set("anthropic-ratelimit-requests-limit", "6000")
	p.Observe(h)
	if p.Limit() != 10 {
		t.Fatalf("a higher server limit raised the pace to %v", p.Limit())
	}
	// An exhausted window holds requests until its reset.
	h = http.Header{}
	h.Set("anthropic-ratelimit-requests-remaining", "0")
	h.Set("anthropic-ratelimit-requests-reset", time.Now().Add(300*time.Millisecond).UTC().Format(time.RFC3339Nano))
	p.Observe(h)
	start := time.Now()
	if err := p.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Fatalf("Wait returned after %v, before the window reset", waited)
	}
	// retry-after holds too; a cancelled context stops the wait.
	h = http.Header{}
	h.Set("retry-after", "2")
	p.Observe(h)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Wait(ctx); err == nil {
		t.Fatal("Wait ignored retry-after")
	}
}

func TestPacerInputTokens(t *testing.T) {
	p := NewPacer(6000)
	if p.InputTokenLimit() != 0 {
		t.Fatal("an input-token pace without configuration")
	}
	h := http.Header{}
	h.Set("anthropic-ratelimit-input-tokens-limit", "60000")
	p.Observe(h)
	if p.InputTokenLimit() != 1000 {
		t.Fatalf("input-token pace = %v/s, want 1000 (60,000/min from the header)", p.InputTokenLimit())
	}
	p.LimitInputTokens(6000)
	if p.InputTokenLimit() != 100 {
		t.Fatalf("input-token pace = %v/s after a lower configured limit, want 100", p.InputTokenLimit())
	}
	// The bucket starts full (a minute's worth); spending it makes the next
	// large request wait.
	if err := p.waitTokens(context.Background(), 6000); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := p.waitTokens(ctx, 1000); err == nil {
		t.Fatal("1,000 more tokens went through at once after the minute's 6,000 were spent")
	}
	// An exhausted output-token window holds requests.
	h = http.Header{}
	h.Set("anthropic-ratelimit-output-tokens-remaining", "0")
	h.Set("anthropic-ratelimit-output-tokens-reset", time.Now().Add(2*time.Second).UTC().Format(time.RFC3339))
	p.Observe(h)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if err := p.Wait(ctx2); err == nil {
		t.Fatal("Wait ignored an exhausted output-token window")
	}
}
