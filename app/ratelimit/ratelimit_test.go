package ratelimit_test

import (
	"net/netip"
	"testing"
	"time"

	"medianest/app/ratelimit"
)

func TestLimiterRefund(t *testing.T) {
	t.Parallel()
	l := ratelimit.New[netip.Prefix](ratelimit.PerMinute(10), 10, 100)
	ip := netip.MustParseAddr("192.0.2.1")
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var last ratelimit.Grant
	for i := range 10 {
		g, _, ok := l.Take(ratelimit.ClientKey(ip), now)
		if !ok {
			t.Fatalf("attempt %d refused", i)
		}
		last = g
	}
	_, retry, ok := l.Take(ratelimit.ClientKey(ip), now)
	if ok || retry != 6*time.Second {
		t.Fatalf("11th attempt: %v %v, want refused for 6s", ok, retry)
	}
	// A correct password a moment later gives its attempt back.
	last.Refund()
	if _, _, ok := l.Take(ratelimit.ClientKey(ip), now.Add(100*time.Millisecond)); !ok {
		t.Fatal("a refunded attempt was not given back")
	}
	// Refunds never raise a bucket past its burst.
	later := now.Add(time.Hour)
	for range 5 {
		g, _, _ := l.Take(ratelimit.ClientKey(ip), later)
		g.Refund()
	}
	n := 0
	for {
		if _, _, ok := l.Take(ratelimit.ClientKey(ip), later); !ok {
			break
		}
		n++
	}
	if n != 10 {
		t.Errorf("%d attempts after refunds to a full bucket, want 10", n)
	}
	// A refused attempt has nothing to refund, and creates nothing more.
	var none ratelimit.Grant
	none.Refund()
	if l.Len() != 1 {
		t.Errorf("%d buckets", l.Len())
	}
}

// A refused attempt takes nothing: however many are refused, the next
// token comes when the rate says.
func TestLimiterRefusalCostsNothing(t *testing.T) {
	t.Parallel()
	l := ratelimit.New[netip.Prefix](ratelimit.PerMinute(10), 10, 100)
	ip := netip.MustParseAddr("192.0.2.1")
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for range 10 {
		l.Take(ratelimit.ClientKey(ip), now)
	}
	for i := range 100 {
		if _, retry, ok := l.Take(ratelimit.ClientKey(ip), now.Add(time.Duration(i)*10*time.Millisecond)); ok || retry != 6*time.Second {
			t.Fatalf("refusal %d: %v %v", i, ok, retry)
		}
	}
	if _, _, ok := l.Take(ratelimit.ClientKey(ip), now.Add(6*time.Second)); !ok {
		t.Error("refusals delayed the next token")
	}
}

// Over a long run a client gets the burst plus the rate, not more.
func TestLimiterSustainedRate(t *testing.T) {
	t.Parallel()
	l := ratelimit.New[netip.Prefix](ratelimit.PerMinute(10), 10, 100)
	ip := netip.MustParseAddr("2001:db8::1")
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	allowed := 0
	for s := range 10 * 60 {
		if _, _, ok := l.Take(ratelimit.ClientKey(ip), start.Add(time.Duration(s)*time.Second)); ok {
			allowed++
		}
	}
	// 10 at once, then one every 6 s for the remaining 599 s.
	if allowed < 109 || allowed > 110 {
		t.Errorf("%d attempts allowed in 10 minutes, want 10 + 10/min", allowed)
	}
}

func TestClientKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"192.0.2.7":                "192.0.2.7/32",
		"::ffff:192.0.2.7":         "192.0.2.7/32",
		"2001:db8:1:2:3:4:5:6":     "2001:db8:1:2::/64",
		"2001:db8:1:2::1":          "2001:db8:1:2::/64",
		"fe80::1%eth0":             "fe80::/64",
		"2001:db8:1:3:ffff::ffff":  "2001:db8:1:3::/64",
		"::1":                      "::/64",
		"2001:db8:ffff:ffff:1::20": "2001:db8:ffff:ffff::/64",
	} {
		if got := ratelimit.ClientKey(netip.MustParseAddr(in)).String(); got != want {
			t.Errorf("ClientKey(%s) = %s, want %s", in, got, want)
		}
	}
	if a, b := ratelimit.ClientKey(netip.Addr{}), ratelimit.ClientKey(netip.Addr{}); a != b {
		t.Error("the zero address has no stable key")
	}
}
