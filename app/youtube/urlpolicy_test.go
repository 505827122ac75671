package youtube_test

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"medianest/app/apperr"
	"medianest/app/config"
	"medianest/app/youtube"
)

// fakeDNS answers from a fixed table; any other name is not found. Tests
// never ask the real resolver.
func fakeDNS(table map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		ips, ok := table[host]
		if !ok {
			return nil, errors.New("no such host")
		}
		var out []netip.Addr
		for _, s := range ips {
			out = append(out, netip.MustParseAddr(s))
		}
		return out, nil
	}
}

var dns = fakeDNS(map[string][]string{
	"youtube.com":        {"142.250.185.78", "2a00:1450:4001:82a::200e"},
	"www.youtube.com":    {"142.250.185.78"},
	"youtu.be":           {"142.250.185.110"},
	"media.example.com":  {"10.0.0.1"},
	"cdn.example.com":    {"93.184.215.14"},
	"mixed.example.com":  {"93.184.215.14", "192.168.1.10"},
	"cgnat.example.com":  {"100.64.1.1"},
	"mapped.example.com": {"::ffff:127.0.0.1"},
	"nat64.example.com":  {"64:ff9b::a00:1"},
	"v6ula.example.com":  {"fd12:3456::1"},
	"v6ll.example.com":   {"fe80::1"},
	"mcast.example.com":  {"224.0.0.1"},
	"zero.example.com":   {"0.0.0.0"},
	"example.com":        {"93.184.215.14"},
	"empty.example.com":  {},
})

func TestURLPolicyCheck(t *testing.T) {
	defaults := config.Default().YouTube.AllowedHosts
	withSuffix := append([]string{".example.com"}, defaults...)
	cases := []struct {
		name    string
		allowed []string // nil: the defaults
		raw     string
		want    string // the canonical URL; "" means refused
		msg     string // a part of the refusal's message
	}{
		{"watch page", nil, "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", ""},
		{"trimmed", nil, "  https://youtu.be/dQw4w9WgXcQ\n", "https://youtu.be/dQw4w9WgXcQ", ""},
		{"case, trailing dot and port", nil, "HTTPS://YouTube.com.:443/watch?v=dQw4w9WgXcQ&list=PL1",
			"https://youtube.com.:443/watch?v=dQw4w9WgXcQ&list=PL1", ""},
		{"fragment dropped, path case kept", nil, "https://www.youtube.com/Watch?v=AbC#t=10", "https://www.youtube.com/Watch?v=AbC", ""},
		{"playlist over http", nil, "http://youtube.com/playlist?list=PLx", "http://youtube.com/playlist?list=PLx", ""},

		{"empty", nil, "   ", "", "Enter the address"},
		{"file", nil, "file:///etc/passwd", "", "Only http and https"},
		{"ftp", nil, "ftp://youtube.com/x", "", "Only http and https"},
		{"javascript", nil, "javascript:alert(1)", "", "Only http and https"},
		{"data", nil, "data:text/html,<script>alert(1)</script>", "", "Only http and https"},
		{"option as URL", nil, "--exec=rm -rf /", "", "not a valid web address"},
		{"short option", nil, "-x", "", "not a valid web address"},
		{"no scheme", nil, "www.youtube.com/watch?v=1", "", "not a valid web address"},
		{"opaque", nil, "http:youtube.com", "", "no host name"},
		{"empty host", nil, "http:///watch?v=1", "", "no host name"},
		{"port only", nil, "http://:80/", "", "no host name"},
		{"bad port", nil, "http://youtube.com:99999/", "", "invalid port"},
		{"space in host", nil, "http://you tube.com/", "", "not a valid web address"},
		{"control char", nil, "http://youtube.com/\x00", "", "not a valid web address"},
		{"non-ASCII host", nil, "https://yоutube.com/", "", "host name is not valid"},
		{"user and password", nil, "http://user:pass@youtube.com/watch?v=1", "", "user name or password"},
		{"empty userinfo", nil, "http://@youtube.com/watch?v=1", "", "user name or password"},
		{"backslash userinfo", nil, `https://youtube.com\@evil.test/`, "", "not a valid web address"},
		{"100 KB", nil, "https://www.youtube.com/watch?v=" + strings.Repeat("a", 100<<10), "", "too long"},

		{"suffix of listed name", nil, "https://youtube.com.evil.test/", "", "evil.test are not allowed"},
		{"listed name as suffix", nil, "https://evilyoutube.com/", "", "evilyoutube.com are not allowed"},
		{"subdomain of exact entry", nil, "https://x.youtube.com/", "", "not allowed"},
		{"loopback literal", nil, "http://127.0.0.1/x", "", "127.0.0.1 are not allowed"},
		{"loopback literal listed", []string{"127.0.0.1"}, "http://127.0.0.1/x", "http://127.0.0.1/x", ""},
		{"loopback literal listed, with port", []string{"127.0.0.1"}, "http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x", ""},
		{"IPv6 loopback", nil, "http://[::1]/", "", "not allowed"},
		{"IPv6 loopback listed", []string{"[::1]"}, "http://[::1]:9/v", "http://[::1]:9/v", ""},
		{"mapped private", nil, "http://[::ffff:10.0.0.1]/", "", "not allowed"},
		{"unspecified", nil, "http://0.0.0.0/", "", "not allowed"},
		{"metadata service", nil, "http://169.254.169.254/", "", "not allowed"},
		{"zone", []string{"fe80::1"}, "http://[fe80::1%25eth0]/", "", "host name is not valid"},

		{"private via suffix entry", withSuffix, "https://media.example.com/v.mp4", "", "private or local network"},
		{"private listed exactly", []string{"media.example.com"}, "https://media.example.com/v.mp4", "https://media.example.com/v.mp4", ""},
		{"public via suffix entry", withSuffix, "https://CDN.example.com/v.mp4", "https://cdn.example.com/v.mp4", ""},
		{"suffix entry admits the apex", withSuffix, "https://example.com/v.mp4", "https://example.com/v.mp4", ""},
		{"suffix entry is not a suffix of a label", withSuffix, "https://badexample.com/v.mp4", "", "badexample.com are not allowed"},
		{"one private address of several", withSuffix, "https://mixed.example.com/", "", "private or local network"},
		{"CGNAT", withSuffix, "https://cgnat.example.com/", "", "private or local network"},
		{"mapped loopback record", withSuffix, "https://mapped.example.com/", "", "private or local network"},
		{"NAT64 of private", withSuffix, "https://nat64.example.com/", "", "private or local network"},
		{"IPv6 ULA", withSuffix, "https://v6ula.example.com/", "", "private or local network"},
		{"IPv6 link-local", withSuffix, "https://v6ll.example.com/", "", "private or local network"},
		{"multicast", withSuffix, "https://mcast.example.com/", "", "private or local network"},
		{"unspecified record", withSuffix, "https://zero.example.com/", "", "private or local network"},
		{"unknown name", withSuffix, "https://nowhere.example.com/", "", "could not be found"},
		{"no records", withSuffix, "https://empty.example.com/", "", "could not be found"},
		{"entry case and dot", []string{" CDN.Example.COM. "}, "https://cdn.example.com/", "https://cdn.example.com/", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			allowed := c.allowed
			if allowed == nil {
				allowed = defaults
			}
			got, err := youtube.NewURLPolicy(allowed, dns).Check(context.Background(), c.raw)
			if c.want != "" {
				if err != nil || got != c.want {
					t.Fatalf("Check(%.80q) = %q, %v; want %q", c.raw, got, err, c.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check(%.80q) = %q, want a refusal", c.raw, got)
			}
			if !apperr.Is(err, apperr.InvalidURL) {
				t.Fatalf("error %v is not INVALID_URL", err)
			}
			if e, _ := apperr.As(err); !strings.Contains(e.Message, c.msg) || len(e.Message) > 200 {
				t.Errorf("message %q, want it to mention %q", e.Message, c.msg)
			}
		})
	}
}

// TestURLPolicyLookupIsBounded: a resolver that never answers does not hold
// the check past the caller's context.
func TestURLPolicyLookupIsBounded(t *testing.T) {
	hang := func(ctx context.Context, _ string) ([]netip.Addr, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := youtube.NewURLPolicy([]string{"youtube.com"}, hang).Check(ctx, "https://youtube.com/")
	if !apperr.Is(err, apperr.InvalidURL) {
		t.Fatalf("err = %v, want INVALID_URL", err)
	}
}

// TestURLPolicyIPLiteralsNotResolved: an IP literal is judged as it is;
// the resolver is not asked.
func TestURLPolicyIPLiteralsNotResolved(t *testing.T) {
	asked := false
	lookup := func(context.Context, string) ([]netip.Addr, error) { asked = true; return nil, errors.New("no") }
	got, err := youtube.NewURLPolicy([]string{"93.184.215.14"}, lookup).Check(context.Background(), "http://93.184.215.14/v")
	if err != nil || got != "http://93.184.215.14/v" || asked {
		t.Fatalf("Check = %q, %v (resolver asked: %v)", got, err, asked)
	}
}

func FuzzURLPolicy(f *testing.F) {
	for _, s := range []string{
		"https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://YouTube.com.:443/watch?v=1#x",
		"http://user:pass@youtube.com/", "file:///etc/passwd", "--exec=rm -rf /", "-x",
		"http://[::ffff:10.0.0.1]/", "https://cdn.example.com/a b", "https://media.example.com/",
		"http://127.0.0.1:8080/x", "https://youtu.be/%zz", "https://youtube.com/\u00e9?q=\u00e9",
	} {
		f.Add(s)
	}
	allowed := []string{"youtube.com", "www.youtube.com", "youtu.be", ".example.com", "127.0.0.1"}
	p := youtube.NewURLPolicy(allowed, dns)
	listed := func(host string) bool {
		host = strings.TrimSuffix(strings.ToLower(host), ".")
		switch host {
		case "youtube.com", "www.youtube.com", "youtu.be", "127.0.0.1":
			return true
		}
		return host == "example.com" || strings.HasSuffix(host, ".example.com")
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := p.Check(context.Background(), raw)
		if err != nil {
			if !apperr.Is(err, apperr.InvalidURL) {
				t.Fatalf("Check(%q): error %v is not INVALID_URL", raw, err)
			}
			return
		}
		if len(got) > youtube.MaxURLLength || strings.HasPrefix(got, "-") {
			t.Fatalf("Check(%q) = %q", raw, got)
		}
		u, err := url.Parse(got)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || !listed(u.Hostname()) || u.Fragment != "" {
			t.Fatalf("Check(%q) = %q accepted (parse err %v)", raw, got, err)
		}
		// The canonical form is a fixed point.
		if again, err := p.Check(context.Background(), got); err != nil || again != got {
			t.Fatalf("Check(%q) = %q, but Check(%q) = %q, %v", raw, got, got, again, err)
		}
	})
}

func BenchmarkURLPolicy(b *testing.B) {
	p := youtube.NewURLPolicy(config.Default().YouTube.AllowedHosts, dns)
	ctx := context.Background()
	for b.Loop() {
		if _, err := p.Check(ctx, "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf#t=1"); err != nil {
			b.Fatal(err)
		}
	}
}
