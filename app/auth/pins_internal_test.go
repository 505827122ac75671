package auth

import (
	"net/netip"
	"testing"
	"time"
)

func TestPinStoreCapsAndPrunes(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := newPinStore()
	ip := netip.MustParseAddr("192.0.2.1")
	for i := range int64(maxPinsPerClient + 5) {
		p.add(i+1, now.Add(time.Minute), "b", "", ip, now)
	}
	if n := p.len(now); n != maxPinsPerClient {
		t.Fatalf("one address holds %d PINs, want %d", n, maxPinsPerClient)
	}
	if _, ok := p.get(1, now); ok {
		t.Error("the oldest PIN of a full client was kept")
	}
	if _, ok := p.get(maxPinsPerClient+5, now); !ok {
		t.Error("the newest PIN was not kept")
	}
	// A browser starting again replaces the PIN its cookie was bound to.
	p.add(100, now.Add(time.Minute), "fresh", "", netip.MustParseAddr("192.0.2.2"), now)
	p.add(101, now.Add(time.Minute), "fresher", "fresh", netip.MustParseAddr("192.0.2.2"), now)
	if _, ok := p.get(100, now); ok {
		t.Error("the replaced PIN was kept")
	}
	// The /64s of one /56 share its cap.
	for i := range maxPinsPerNetwork + 3 {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 1, byte(i)})
		p.add(int64(1000+i), now.Add(time.Minute), "b", "", a, now)
	}
	if got := len(p.byKey[netip.MustParsePrefix("2001:db8:0:100::/56")]); got != maxPinsPerNetwork {
		t.Errorf("the /56 holds %d PINs, want %d", got, maxPinsPerNetwork)
	}
	// Expired PINs go on the next add, without anyone asking for them.
	later := now.Add(time.Minute)
	p.add(5000, later.Add(time.Minute), "b", "", ip, later)
	if n := p.len(later); n != 1 || len(p.byKey) != 1 {
		t.Errorf("after expiry %d PINs in %d keys remain, want 1 in 1", n, len(p.byKey))
	}
}
