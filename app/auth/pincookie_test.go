package auth_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"medianest/app/auth"
	"medianest/app/plex/plextest"
)

func TestPinCookieIsMintedPerPin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.tv.AddUser("owner-plex-token", plextest.Account{ID: 1, Username: "owner"})
	e.tv.Share("owner-plex-token", e.pms.MachineID(), true, "srv")

	// An attacker planted a pin cookie whose value they know in the
	// victim's browser.
	planted := &http.Cookie{Name: "medianest_pin", Value: strings.Repeat("A", 43)}
	victim := e.client()
	victim.cookies[planted.Name] = planted
	p := victim.startPin()
	ck := victim.cookies["medianest_pin"]
	if ck == nil || ck.Value == planted.Value || len(ck.Value) != 43 {
		t.Fatalf("pin cookie after a planted one: %+v", ck)
	}

	attacker := e.client()
	attacker.ip = "198.51.100.7"
	attacker.cookies[planted.Name] = planted
	attacker.verify(p.ID).want(t, 410, "PIN_EXPIRED")

	// Another browser, even on the victim's address, cannot poll it with
	// its own cookie.
	neighbour := e.client()
	neighbour.startPin()
	if neighbour.cookies["medianest_pin"].Value == ck.Value {
		t.Fatal("two browsers got the same binding")
	}
	// Nor can a client without cookies from elsewhere.
	stranger := e.client()
	stranger.ip = "203.0.113.50"

	e.tv.Approve(p.ID, "owner-plex-token")
	attacker.verify(p.ID).want(t, 410, "PIN_EXPIRED")
	neighbour.verify(p.ID).want(t, 410, "PIN_EXPIRED")
	stranger.verify(p.ID).want(t, 410, "PIN_EXPIRED")
	if attacker.cookies[auth.CookieName] != nil || neighbour.cookies[auth.CookieName] != nil || stranger.cookies[auth.CookieName] != nil {
		t.Fatal("a session went to another client")
	}
	victim.verify(p.ID).want(t, 200)
	if victim.cookies[auth.CookieName] == nil || victim.cookies["medianest_pin"] != nil {
		t.Errorf("after sign-in: cookies %v", victim.cookies)
	}

	// Each PIN gets its own binding, also for the same browser.
	first := victim.startPin()
	b1 := victim.cookies["medianest_pin"].Value
	victim.startPin()
	if b2 := victim.cookies["medianest_pin"].Value; b2 == b1 {
		t.Error("a second PIN reused the binding of the first")
	}
	// The first PIN is bound to a value the browser no longer holds.
	victim.verify(first.ID).want(t, 410, "PIN_EXPIRED")
}

func TestPinCookieSecureUsesHostPrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		secure bool   // server.secure_cookies
		scheme string // how the request arrives
	}{
		{"secure_cookies", true, "http"},
		{"tls", false, "https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOpts{config: func(c *setCfg) {
				c.Server.BaseURL = "https://example.com/medianest/"
				c.Server.SecureCookies = tc.secure
			}})
			e.tv.AddUser("owner-plex-token", plextest.Account{ID: 1, Username: "owner"})
			e.tv.Share("owner-plex-token", e.pms.MachineID(), true, "srv")

			c := e.client()
			c.scheme = tc.scheme
			p := c.startPin()
			ck := c.cookies["__Host-medianest_pin"]
			if ck == nil || ck.Path != "/" || ck.Domain != "" || !ck.Secure || !ck.HttpOnly || len(ck.Value) != 43 {
				t.Fatalf("pin cookie %+v", ck)
			}
			if c.cookies["medianest_pin"] != nil {
				t.Fatal("the unprefixed pin cookie was set as well")
			}

			// A planted unprefixed cookie is not read.
			attacker := e.client()
			attacker.scheme = tc.scheme
			attacker.ip = "198.51.100.7"
			attacker.cookies["medianest_pin"] = &http.Cookie{Name: "medianest_pin", Value: ck.Value}
			attacker.verify(p.ID).want(t, 410, "PIN_EXPIRED")

			c.verify(p.ID).want(t, 202)
			e.tv.Approve(p.ID, "owner-plex-token")
			c.verify(p.ID).want(t, 200)
			if c.cookies["__Host-medianest_pin"] != nil {
				t.Error("pin cookie not cleared after sign-in")
			}
		})
	}
}

// A caller without the pin cookie gets for a live PIN exactly what it gets
// for an id this instance never issued, even from the address that created
// the PIN (a shared NAT, or a proxy not in trusted_proxies): otherwise it
// could find live ids, wait for their owner to approve, and take the
// session.
func TestPinVerifyWithoutCookieLooksLikeUnknownPin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.tv.AddUser("owner-plex-token", plextest.Account{ID: 1, Username: "owner"})
	e.tv.Share("owner-plex-token", e.pms.MachineID(), true, "srv")

	victim := e.client()
	p := victim.startPin()
	hijacker := e.client() // same address, no cookies
	hijacker.ip = victim.ip

	// Everything but the request id, which differs per request.
	strip := func(r *response) string {
		return fmt.Sprintf("%d %s %v %s %s %s", r.Status, r.Header.Get("Content-Type"), r.Env.Success,
			r.Env.Data, r.Env.Error.Code, r.Env.Error.Message)
	}
	unknown := strip(hijacker.verify(p.ID+1000).want(t, 410, "PIN_EXPIRED"))
	if got := strip(hijacker.verify(p.ID)); got != unknown {
		t.Fatalf("live PIN without the cookie: %s; unknown PIN: %s", got, unknown)
	}
	e.tv.Approve(p.ID, "owner-plex-token")
	if got := strip(hijacker.verify(p.ID)); got != unknown {
		t.Fatalf("approved PIN without the cookie: %s; unknown PIN: %s", got, unknown)
	}
	if hijacker.cookies[auth.CookieName] != nil {
		t.Fatal("a cookieless caller on the owner's address got the session")
	}
	victim.verify(p.ID).want(t, 200)
}
