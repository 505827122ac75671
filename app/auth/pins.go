package auth

import (
	"container/list"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"medianest/app/apperr"
	"medianest/app/httpx"
	"medianest/app/plex"
	"medianest/app/ratelimit"
	"medianest/app/settings"
	"medianest/app/upstream"
	"medianest/db"
)

// ClientIdentifier returns the X-Plex-Client-Identifier of this install:
// plex.client_identifier when configured, else the one stored in settings,
// else a new random UUID that is stored there first. plex.tv lets only the
// client that created a PIN poll it, so the identifier must outlive
// restarts. The server calls this before it builds the plex clients.
func ClientIdentifier(ctx context.Context, d *db.DB, configured string, now time.Time) (string, error) {
	if configured != "" {
		return configured, nil
	}
	var id string
	err := d.Write(ctx, func(tx *sql.Tx) (err error) {
		id, err = settings.PutIfAbsent(ctx, tx, settingClientID, newUUID(), now)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("auth: plex client identifier: %w", err)
	}
	return id, nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// pinCookie binds a PIN to the browser that asked for it. PIN ids are
// plex.tv's and roughly sequential, so without a binding anyone who guessed
// an id could poll it and collect the session its owner approved. Its value
// is minted by the server for every PIN, never taken from the browser: a
// value planted in the victim's browser would otherwise be one the planter
// knows. Sent Secure, the cookie is named with the __Host- prefix (so it has
// Path=/ and no Domain), which browsers accept only from this very origin
// over HTTPS: a neighbouring subdomain or a plain-HTTP response cannot plant
// or overwrite it.
const (
	pinCookie       = "medianest_pin"
	pinCookieSecure = "__Host-" + pinCookie
)

// The PIN store is bounded per client and in total, so that no flood can
// keep anyone else from starting a sign-in. A browser holds one pin cookie,
// so it can poll only its newest PIN: a handful per client (an IPv4
// address or an IPv6 /64, see ratelimit.ClientKey) serves every browser
// behind one NAT, and an IPv6 /56 (what a subscriber is often given) gets a
// few dozen. A new PIN
// beyond a cap pushes out the oldest of that client or network, and one
// beyond maxPins the oldest of all: a flood can at worst cost its
// neighbours the PIN they are approving, never refuse a new sign-in.
const (
	maxPins           = 10_000
	maxPinsPerClient  = 10
	maxPinsPerNetwork = 64
)

// maxPinLife is how long a strong PIN lives at plex.tv, and the longest
// this instance remembers one.
const maxPinLife = 30 * time.Minute

type pinEntry struct {
	id      int64
	expires time.Time
	binding string // the pin cookie value minted for it
	// keys are the client and (IPv6) the network that created it; the
	// network is the zero Prefix for IPv4.
	keys [2]netip.Prefix
	elem *list.Element
}

// pinKeys is what a PIN created from ip counts against.
func pinKeys(ip netip.Addr) [2]netip.Prefix {
	k := [2]netip.Prefix{ratelimit.ClientKey(ip)}
	if k[0].Addr().Is6() {
		k[1] = netip.PrefixFrom(k[0].Addr(), 56).Masked()
	}
	return k
}

// pinStore remembers the PINs this instance issued until they expire: a PIN
// it never issued is answered 410 without asking plex.tv. Every add and get
// first forgets the expired PINs at the old end.
type pinStore struct {
	mu    sync.Mutex
	m     map[int64]*pinEntry
	order *list.List // of *pinEntry, oldest first
	byKey map[netip.Prefix][]*pinEntry
}

func newPinStore() *pinStore {
	return &pinStore{m: map[int64]*pinEntry{}, order: list.New(), byKey: map[netip.Prefix][]*pinEntry{}}
}

// add remembers PIN id for the client at ip. A PIN of the same client bound
// to the cookie the browser still sends (replaced now) goes first, then the
// oldest of a client or network at its cap, then the oldest of all.
func (p *pinStore) add(id int64, expires time.Time, binding, replaced string, ip netip.Addr, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune(now)
	keys := pinKeys(ip)
	if replaced != "" {
		for _, old := range p.byKey[keys[0]] {
			if old.binding == replaced {
				p.remove(old)
				break
			}
		}
	}
	for i, limit := range [2]int{maxPinsPerClient, maxPinsPerNetwork} {
		if k := keys[i]; k.IsValid() && len(p.byKey[k]) >= limit {
			p.remove(p.byKey[k][0])
		}
	}
	if len(p.m) >= maxPins {
		p.remove(p.order.Front().Value.(*pinEntry))
	}
	if old, ok := p.m[id]; ok {
		p.remove(old)
	}
	e := &pinEntry{id: id, expires: expires, binding: binding, keys: keys}
	e.elem = p.order.PushBack(e)
	p.m[id] = e
	for _, k := range keys {
		if k.IsValid() {
			p.byKey[k] = append(p.byKey[k], e)
		}
	}
}

// prune forgets the expired PINs at the old end. PINs are added in order
// of creation and mostly expire in that order; one that expires early is
// forgotten when asked for, or when it gets to the old end.
func (p *pinStore) prune(now time.Time) {
	for f := p.order.Front(); f != nil; f = p.order.Front() {
		e := f.Value.(*pinEntry)
		if now.Before(e.expires) {
			return
		}
		p.remove(e)
	}
}

// remove forgets e; callers hold p.mu.
func (p *pinStore) remove(e *pinEntry) {
	delete(p.m, e.id)
	p.order.Remove(e.elem)
	for _, k := range e.keys {
		if !k.IsValid() {
			continue
		}
		l := slices.DeleteFunc(p.byKey[k], func(x *pinEntry) bool { return x == e })
		if len(l) == 0 {
			delete(p.byKey, k)
		} else {
			p.byKey[k] = l
		}
	}
}

// len is how many PINs are remembered, the expired ones at the old end
// forgotten first.
func (p *pinStore) len(now time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune(now)
	return len(p.m)
}

// get returns the binding of a live PIN; an expired one is forgotten.
func (p *pinStore) get(id int64, now time.Time) (binding string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune(now)
	e, ok := p.m[id]
	if !ok {
		return "", false
	}
	if !now.Before(e.expires) {
		p.remove(e)
		return "", false
	}
	return e.binding, true
}

// consume forgets id and reports whether it was still there, so that one
// approved PIN yields one session even when polled twice at once.
func (p *pinStore) consume(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[id]
	if ok {
		p.remove(e)
	}
	return ok
}

func (p *pinStore) drop(id int64) { p.consume(id) }

var errPinExpired = apperr.New(apperr.PinExpired, "The Plex sign-in code expired or was not issued here; start again.")

// secureCookies reports whether cookies sent in answer to r are Secure:
// over TLS (directly, or through a trusted proxy that says so in
// X-Forwarded-Proto), or when server.secure_cookies says the proxy in front
// speaks it.
func (s *Service) secureCookies(r *http.Request) bool {
	return httpx.HTTPS(r) || s.srvCfg.SecureCookies
}

// pinCookieName is the pin cookie's name for r.
func (s *Service) pinCookieName(r *http.Request) string {
	if s.secureCookies(r) {
		return pinCookieSecure
	}
	return pinCookie
}

// bound reports whether r may poll the PIN: it carries the cookie of the
// browser that created it. A caller without it is refused whatever its
// address: behind a shared NAT, CGNAT or an untrusted proxy, "the same
// address" is anyone, and the caller would then sign in as whoever approves
// the PIN.
func (s *Service) bound(r *http.Request, binding string) bool {
	// A browser may send several cookies of one name (set for different
	// paths or domains); one of them must be the binding.
	match := 0
	for _, c := range r.CookiesNamed(s.pinCookieName(r)) {
		match |= subtle.ConstantTimeCompare([]byte(c.Value), []byte(binding))
	}
	return match == 1
}

func (s *Service) setPinCookie(w http.ResponseWriter, r *http.Request, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: pinCookie, Value: value, Path: s.cookiePath, MaxAge: int(maxAge / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
	if s.secureCookies(r) {
		c.Name, c.Path, c.Secure = pinCookieSecure, "/", true
	}
	http.SetCookie(w, c)
}

// tvFailure is where sign-in turns a plex.tv failure into the API's answer,
// so the user learns what failed and what to do; the cause stays in the
// chain for the log. An expired PIN is PIN_EXPIRED, a timeout
// UPSTREAM_TIMEOUT, an open breaker SERVICE_UNAVAILABLE, anything else
// (a refused token included: only plex.tv can say why) UPSTREAM_ERROR.
func tvFailure(err error, step string) error {
	switch {
	case errors.Is(err, plex.ErrPINExpired):
		return errPinExpired
	case errors.Is(err, upstream.ErrTimeout):
		return apperr.Wrap(apperr.UpstreamTimeout, err, "plex.tv did not answer in time while %s; try again in a moment.", step)
	case errors.Is(err, upstream.ErrUnavailable):
		return apperr.Wrap(apperr.Unavailable, err, "plex.tv is unavailable after repeated failures; try again in a minute.")
	case errors.Is(err, context.Canceled):
		return err
	}
	return apperr.Wrap(apperr.UpstreamError, err, "plex.tv failed while %s; try again in a moment.", step)
}
