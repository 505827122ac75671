package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"medianest/app/apperr"
	"medianest/app/plex"
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

// maxPins bounds the PINs kept in memory; with the per-address limit it is
// out of reach of one client.
const maxPins = 10_000

// maxPinLife is how long a strong PIN lives at plex.tv, and the longest
// this instance remembers one.
const maxPinLife = 30 * time.Minute

type pinEntry struct {
	expires time.Time
	binding string     // the pin cookie value minted for it
	ip      netip.Addr // the address that created it
}

// pinStore remembers the PINs this instance issued until they expire: a PIN
// it never issued is answered 410 without asking plex.tv.
type pinStore struct {
	mu sync.Mutex
	m  map[int64]pinEntry
}

func newPinStore() *pinStore { return &pinStore{m: map[int64]pinEntry{}} }

func (p *pinStore) add(id int64, e pinEntry, now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.m) >= maxPins {
		for k, v := range p.m {
			if !now.Before(v.expires) {
				delete(p.m, k)
			}
		}
		if len(p.m) >= maxPins {
			return apperr.New(apperr.Unavailable, "Too many Plex sign-ins are in progress; try again in a few minutes.")
		}
	}
	p.m[id] = e
	return nil
}

// get returns a live PIN; an expired one is forgotten.
func (p *pinStore) get(id int64, now time.Time) (pinEntry, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[id]
	if ok && !now.Before(e.expires) {
		delete(p.m, id)
		return pinEntry{}, false
	}
	return e, ok
}

// consume forgets id and reports whether it was still there, so that one
// approved PIN yields one session even when polled twice at once.
func (p *pinStore) consume(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.m[id]
	delete(p.m, id)
	return ok
}

func (p *pinStore) drop(id int64) {
	p.mu.Lock()
	delete(p.m, id)
	p.mu.Unlock()
}

var errPinExpired = apperr.New(apperr.PinExpired, "The Plex sign-in code expired or was not issued here; start again.")

// secureCookies reports whether cookies sent in answer to r are Secure:
// over TLS, or when server.secure_cookies says the proxy in front speaks it.
func (s *Service) secureCookies(r *http.Request) bool {
	return r.TLS != nil || s.srvCfg.SecureCookies
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
func (s *Service) bound(r *http.Request, e pinEntry) bool {
	// A browser may send several cookies of one name (set for different
	// paths or domains); one of them must be the binding.
	match := 0
	for _, c := range r.CookiesNamed(s.pinCookieName(r)) {
		match |= subtle.ConstantTimeCompare([]byte(c.Value), []byte(e.binding))
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
