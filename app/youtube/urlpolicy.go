package youtube

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"medianest/app/apperr"
)

// MaxURLLength bounds a download URL. Real video and playlist addresses are
// far shorter; the bound keeps stored rows and yt-dlp's argument list small.
const MaxURLLength = 2048

// lookupTimeout bounds the name resolution of one check, so a slow resolver
// cannot hold a request open.
const lookupTimeout = 5 * time.Second

// URLPolicy decides which URLs users may download from: http(s) addresses
// whose host is in youtube.allowed_hosts and does not resolve into a private
// or local network, unless an admin listed that host by its exact name. The
// check runs when a download is submitted; yt-dlp resolves the name again
// when it runs, so the address check narrows, but cannot close, the window
// for a name whose records change in between.
type URLPolicy struct {
	exact    map[string]bool // names (lower case, no trailing dot) and IP literals (netip form)
	suffixes []string        // ".example.com": example.com and its subdomains
	lookup   func(ctx context.Context, host string) ([]netip.Addr, error)
}

// NewURLPolicy returns the policy for allowedHosts (youtube.allowed_hosts).
// An entry is a host name, an IP literal (IPv6 with or without brackets) or a
// name written with a leading dot, which admits that name and its
// subdomains. Only an entry of the first two kinds lists a host explicitly,
// which is what lets it resolve to a private address. lookup resolves names;
// nil uses the system resolver.
func NewURLPolicy(allowedHosts []string, lookup func(ctx context.Context, host string) ([]netip.Addr, error)) *URLPolicy {
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	p := &URLPolicy{exact: map[string]bool{}, lookup: lookup}
	for _, h := range allowedHosts {
		h = strings.TrimSpace(h)
		if suffix, ok := strings.CutPrefix(h, "."); ok {
			if name := normalHost(suffix); name != "" {
				p.suffixes = append(p.suffixes, "."+name)
			}
			continue
		}
		if name := normalHost(h); name != "" {
			p.exact[name] = true
		}
	}
	return p
}

// normalHost is the form hosts are compared in: IP literals as netip
// prints them (brackets dropped), names lower-cased without a trailing dot.
func normalHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if a, err := netip.ParseAddr(h); err == nil {
		return a.String()
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

func invalidURL(msg string) error { return apperr.New(apperr.InvalidURL, "%s", msg) }

// Check returns raw in the form that is stored and handed to yt-dlp (scheme
// and host lower-cased, fragment dropped, the rest as given), or an
// apperr.InvalidURL error that tells the user what is wrong with it.
func (p *URLPolicy) Check(ctx context.Context, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", invalidURL("Enter the address of a video or playlist.")
	}
	if len(raw) > MaxURLLength {
		return "", invalidURL("The address is too long; at most 2048 characters are allowed.")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return "", invalidURL("The address is not a valid web address; paste the full link, starting with https://.")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", invalidURL("Only http and https addresses can be downloaded.")
	}
	if u.User != nil {
		return "", invalidURL("Addresses with a user name or password are not allowed.")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return "", invalidURL("The address has no host name.")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", invalidURL("The address has an invalid port.")
		}
	}
	host := u.Hostname()
	addr, isIP := parseIP(host)
	if !isIP && !validName(host) {
		return "", invalidURL("The address's host name is not valid.")
	}
	name := normalHost(host)
	explicit := p.exact[name]
	if !explicit && (isIP || !p.bySuffix(name)) {
		return "", invalidURL("Downloads from " + name + " are not allowed.")
	}

	addrs := []netip.Addr{addr}
	if !isIP {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		addrs, err = p.lookup(ctx, name)
		cancel()
		if err != nil || len(addrs) == 0 {
			return "", invalidURL("The host could not be found.")
		}
	}
	if !explicit {
		for _, a := range addrs {
			if internal(a) {
				return "", invalidURL("The address points into a private or local network, which is not allowed.")
			}
		}
	}

	u.Host = strings.ToLower(u.Host)
	u.Fragment, u.RawFragment = "", ""
	out := u.String()
	if len(out) > MaxURLLength {
		return "", invalidURL("The address is too long; at most 2048 characters are allowed.")
	}
	return out, nil
}

func (p *URLPolicy) bySuffix(name string) bool {
	for _, s := range p.suffixes {
		if name == s[1:] || strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// parseIP reads an IP literal host (url.Hostname has dropped the brackets).
// A zone (fe80::1%eth0) is refused by validName afterwards, as zones only
// exist on link-local addresses.
func parseIP(host string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

// validName accepts ASCII host names (IDNs arrive as punycode): letters,
// digits, '-', '_' and dots. Anything else could be read differently by
// yt-dlp's URL parser than by Go's.
func validName(h string) bool {
	if len(h) > 253 || strings.HasPrefix(h, ".") || strings.Contains(h, "..") {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// internalNets are the ranges netip's predicates do not name: CGNAT, "this
// network", IETF protocol assignments, benchmarking and the reserved class E
// (with the broadcast address).
var internalNets = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// internal reports whether a is an address of this host or of a private,
// link-local or otherwise non-public network, including IPv4 addresses
// embedded in IPv6 (mapped, NAT64, 6to4), which reach the same hosts.
func internal(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return internal(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return internal(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, n := range internalNets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}
