package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"medianest/app/httpx"
)

// FuzzClientIP: the client address never panics, is the peer whenever the
// peer is not a trusted proxy, and otherwise is the peer or one of the
// X-Forwarded-For hops that is not itself trusted.
func FuzzClientIP(f *testing.F) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("fd00::/8")}
	var got netip.Addr
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = httpx.ClientIP(r) })
	direct := httpx.Wrap(record, httpx.Options{})
	proxied := httpx.Wrap(record, httpx.Options{TrustedProxies: trusted})

	for _, s := range [][2]string{
		{"203.0.113.5:1234", ""}, {"203.0.113.5:1234", "1.2.3.4"}, {"10.0.0.2:1234", "198.51.100.7"},
		{"10.0.0.2:1234", "6.6.6.6, 198.51.100.7, 10.0.0.9"}, {"10.0.0.2:1234", "not-an-ip"},
		{"10.0.0.2:1234", "10.0.0.3, 10.0.0.4"}, {"[::1]:80", "::ffff:192.0.2.1"}, {"[::1]:80", "[2001:db8::1]:443"},
		{"[::ffff:10.0.0.1]:80", "192.0.2.9"}, {"[fe80::1%eth0]:80", "fe80::2%eth1"}, {"10.0.0.2:1", ",,,"},
		{"10.0.0.2:1", "1.1.1.1\n2.2.2.2"}, {"10.0.0.2", "1.1.1.1"}, {"garbage", "1.1.1.1"}, {"", ""},
		{"[fd00::1]:9", "fd00::2, 2001:db8::5 , 10.1.1.1"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, peer, xff string) {
		want := peerAddr(peer)
		serve := func(h http.Handler) netip.Addr {
			got = netip.Addr{}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = peer
			// Several header lines are joined like one comma-separated list.
			for _, v := range strings.Split(xff, "\n") {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			return got
		}
		if a := serve(direct); a != want {
			t.Fatalf("no trusted proxy, peer %q, XFF %q: ClientIP = %v, want the peer %v", peer, xff, a, want)
		}
		a := serve(proxied)
		if want.IsValid() && !a.IsValid() {
			t.Fatalf("peer %q, XFF %q: ClientIP is not a valid address", peer, xff)
		}
		if a == want {
			return
		}
		if !want.IsValid() || !inPrefixes(want, trusted) {
			t.Fatalf("untrusted peer %q, XFF %q: ClientIP = %v, want the peer", peer, xff, a)
		}
		if inPrefixes(a, trusted) || a.Is4In6() {
			t.Fatalf("peer %q, XFF %q: ClientIP = %v, a trusted proxy or a mapped address", peer, xff, a)
		}
		for _, h := range strings.FieldsFunc(xff, func(r rune) bool { return r == ',' || r == '\n' }) {
			if h, err := netip.ParseAddr(strings.TrimSpace(h)); err == nil && h.Unmap() == a {
				return
			}
		}
		t.Fatalf("peer %q, XFF %q: ClientIP = %v is neither the peer nor a hop", peer, xff, a)
	})
}

// peerAddr is the address of a RemoteAddr, host:port or a bare address.
func peerAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(s)
	return a.Unmap()
}

func inPrefixes(a netip.Addr, list []netip.Prefix) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
