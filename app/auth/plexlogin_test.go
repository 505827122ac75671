package auth_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"medianest/app/auth"
	"medianest/app/plex/plextest"
	"medianest/app/principal"
)

func userOf(t *testing.T, r *response) principal.User {
	t.Helper()
	var out struct{ User principal.User }
	r.decode(t, &out)
	return out.User
}

func TestPlexSignInFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	machine := e.pms.MachineID()
	e.tv.AddUser("owner-plex-token", plextest.Account{ID: 1122334, Username: "admin.user", FriendlyName: "Server Owner"})
	e.tv.Share("owner-plex-token", machine, true, "owner-server-token")
	e.tv.AddUser("jane-plex-token", plextest.Account{ID: 48213377, Username: "jane", Email: "jane@example.com"})
	e.tv.Share("jane-plex-token", machine, false, "jane-server-token")
	e.tv.AddUser("bob-plex-token", plextest.Account{ID: 777, Username: "bob"})
	e.tv.Share("bob-plex-token", "some-other-server", false, "bob-elsewhere")

	var prov struct{ Plex, PlexConfigured, Local, SetupRequired bool }
	e.client().do("GET", "/api/v1/auth/providers", nil).want(t, 200).decode(t, &prov)
	if !prov.Plex || !prov.PlexConfigured || !prov.Local || !prov.SetupRequired {
		t.Errorf("providers before setup = %+v", prov)
	}
	if hint, ok := e.svc.SetupHint(ctx); !ok || !strings.Contains(hint, "medianest user add --admin") {
		t.Errorf("setup hint = %q, %v", hint, ok)
	}

	t.Run("pin answer", func(t *testing.T) {
		c := e.client()
		p := c.startPin()
		if p.ID == 0 || len(p.Code) != 25 || p.PollIntervalMs != 2000 || !p.ExpiresAt.After(e.clock.Now()) {
			t.Errorf("pin = %+v", p)
		}
		u, err := url.Parse(p.AuthURL)
		if err != nil || !strings.HasPrefix(p.AuthURL, "https://app.plex.tv/auth#?") {
			t.Fatalf("authUrl %q", p.AuthURL)
		}
		frag, _ := url.ParseQuery(strings.TrimPrefix(u.Fragment, "?"))
		if frag.Get("clientID") != e.clientID || frag.Get("code") != p.Code ||
			frag.Get("context[device][product]") != "MediaNest" || frag.Get("forwardUrl") != "https://media.example.com/" {
			t.Errorf("authUrl fragment = %v", frag)
		}
		c.verify(p.ID).want(t, 202)
		if got := c.verify(p.ID).want(t, 202).Env.Data; string(got) != `{"status":"pending"}` {
			t.Errorf("pending body %s", got)
		}
	})

	t.Run("owner becomes admin", func(t *testing.T) {
		c := e.client()
		u := userOf(t, c.plexSignIn("owner-plex-token").want(t, 200))
		if u.Role != principal.RoleAdmin || u.Provider != principal.ProviderPlex || u.Username != "admin.user" ||
			u.DisplayName != "Server Owner" || u.LastLoginAt == nil || u.Status != principal.StatusActive {
			t.Errorf("owner = %+v", u)
		}
		if c.cookies[auth.CookieName] == nil {
			t.Fatal("no session cookie")
		}
		var sess struct {
			User    principal.User
			Session auth.Session
		}
		c.do("GET", "/api/v1/auth/session", nil).want(t, 200).decode(t, &sess)
		if sess.User.ID != u.ID || sess.Session.Via != "cookie" || sess.Session.ExpiresAt == nil {
			t.Errorf("session = %+v", sess)
		}
		if tok, err := e.svc.PlexServerToken(ctx, u.ID); err != nil || tok != "owner-server-token" {
			t.Errorf("owner server token = %q, %v", tok, err)
		}
		if _, ok := e.svc.SetupHint(ctx); ok {
			t.Error("setup hint after the owner signed in")
		}
	})

	t.Run("shared user becomes user", func(t *testing.T) {
		// A local account already holds the name "jane": the Plex account
		// must get its own.
		local := e.mustCreate("jane", "local-jane-password", "user")
		c := e.client()
		u := userOf(t, c.plexSignIn("jane-plex-token").want(t, 200))
		if u.Role != principal.RoleUser || u.Provider != principal.ProviderPlex || u.ID == local.ID || u.Username == "jane" || u.Email != "jane@example.com" {
			t.Errorf("jane = %+v (local %+v)", u, local)
		}
		if tok, err := e.svc.PlexServerToken(ctx, u.ID); err != nil || tok != "jane-server-token" {
			t.Errorf("jane's server token = %q, %v", tok, err)
		}
		if tok, err := e.svc.PlexServerToken(ctx, local.ID); err != nil || tok != "" {
			t.Errorf("local server token = %q, %v", tok, err)
		}
		// Signing in again refreshes the profile and tokens, not the account.
		e.tv.AddUser("jane-plex-token", plextest.Account{ID: 48213377, Username: "jane", Email: "jane@new.example", FriendlyName: "Jane D."})
		e.tv.Share("jane-plex-token", machine, false, "jane-server-token-2")
		again := userOf(t, e.client().plexSignIn("jane-plex-token").want(t, 200))
		if again.ID != u.ID || again.Email != "jane@new.example" || again.DisplayName != "Jane D." || again.Username != u.Username {
			t.Errorf("after re-sign-in = %+v", again)
		}
		if tok, _ := e.svc.PlexServerToken(ctx, u.ID); tok != "jane-server-token-2" {
			t.Errorf("server token not refreshed: %q", tok)
		}
		// The first browser's cached session sees the new profile.
		var sess struct{ User principal.User }
		c.do("GET", "/api/v1/auth/session", nil).want(t, 200).decode(t, &sess)
		if sess.User.DisplayName != "Jane D." {
			t.Errorf("cached session still shows %q", sess.User.DisplayName)
		}
	})

	t.Run("stranger is refused", func(t *testing.T) {
		c := e.client()
		r := c.plexSignIn("bob-plex-token").want(t, 403, "NO_SERVER_ACCESS")
		if !strings.Contains(r.Env.Error.Message, "owner") || c.cookies[auth.CookieName] != nil {
			t.Errorf("stranger: %s", r.Body)
		}
	})

	t.Run("disabled account", func(t *testing.T) {
		users, _ := e.svc.ListUsers(ctx)
		var name string
		for _, u := range users {
			if u.Provider == principal.ProviderPlex && u.Role == principal.RoleUser {
				name = u.Username
			}
		}
		if err := e.svc.SetStatus(ctx, name, principal.StatusDisabled); err != nil {
			t.Fatal(err)
		}
		e.client().plexSignIn("jane-plex-token").want(t, 403, "ACCOUNT_DISABLED")
		if err := e.svc.SetStatus(ctx, name, principal.StatusActive); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("expired pins", func(t *testing.T) {
		c := e.client()
		// plex.tv forgot it.
		p := c.startPin()
		e.tv.Expire(p.ID)
		c.verify(p.ID).want(t, 410, "PIN_EXPIRED")
		// Still listed but past its expiry.
		p = c.startPin()
		e.tv.Lapse(p.ID)
		c.verify(p.ID).want(t, 410, "PIN_EXPIRED")
		// Past the expiry this instance recorded.
		p = c.startPin()
		e.clock.Advance(31 * time.Minute)
		c.verify(p.ID).want(t, 410, "PIN_EXPIRED")
		// Never issued here.
		c.verify(123456789).want(t, 410, "PIN_EXPIRED")
		// Issued to another browser on another address.
		p = c.startPin()
		other := e.client()
		other.ip = "198.51.100.7"
		other.verify(p.ID).want(t, 410, "PIN_EXPIRED")
		// A used PIN cannot be used twice.
		p = c.startPin()
		e.tv.Approve(p.ID, "owner-plex-token")
		c.verify(p.ID).want(t, 200)
		c.verify(p.ID).want(t, 410, "PIN_EXPIRED")
	})

	t.Run("headers", func(t *testing.T) {
		reqs := e.tv.Requests()
		if len(reqs) < 10 {
			t.Fatalf("only %d requests reached plex.tv", len(reqs))
		}
		for _, r := range reqs {
			if r.Get("X-Plex-Client-Identifier") != e.clientID || r.Get("X-Plex-Product") != "MediaNest" {
				t.Errorf("%s %s: client id %q product %q", r.Method, r.Path, r.Get("X-Plex-Client-Identifier"), r.Get("X-Plex-Product"))
			}
		}
		// Stable across restarts: the stored identifier comes back.
		again, err := auth.ClientIdentifier(ctx, e.db, "", time.Now())
		if err != nil || again != e.clientID || len(again) != 36 {
			t.Errorf("client identifier %q then %q (%v)", e.clientID, again, err)
		}
		if got, _ := auth.ClientIdentifier(ctx, e.db, "configured-id", time.Now()); got != "configured-id" {
			t.Errorf("configured identifier ignored: %q", got)
		}
	})
}

func TestPlexSignInUpstreamFailures(t *testing.T) {
	t.Parallel()
	// Short enough for the slow case below, long enough that the fast calls
	// never reach it under -race on a busy machine.
	e := newEnv(t, envOpts{tvTimeout: time.Second})
	e.tv.AddUser("owner-plex-token", plextest.Account{ID: 1, Username: "owner"})
	e.tv.Share("owner-plex-token", e.pms.MachineID(), true, "srv")

	c := e.client()
	p := c.startPin()
	e.tv.SetDown(500)
	r := c.verify(p.ID).want(t, 502, "UPSTREAM_ERROR")
	if !strings.Contains(r.Env.Error.Message, "plex.tv") {
		t.Errorf("down message: %q", r.Env.Error.Message)
	}
	c.do("POST", "/api/v1/auth/plex/pin", map[string]any{}).want(t, 502, "UPSTREAM_ERROR")
	e.tv.SetDown(0)

	e.tv.SetDelay(5 * time.Second)
	r = c.verify(p.ID).want(t, 504, "UPSTREAM_TIMEOUT")
	if !strings.Contains(r.Env.Error.Message, "plex.tv did not answer in time") {
		t.Errorf("slow message: %q", r.Env.Error.Message)
	}
	e.tv.SetDelay(0)

	// plex.tv is fine again; the PIN still works.
	e.tv.Approve(p.ID, "owner-plex-token")
	c.verify(p.ID).want(t, 200)

	// A Plex server that cannot be reached on first use is a clear 502.
	e2 := newEnv(t, envOpts{})
	e2.tv.AddUser("tok", plextest.Account{ID: 5, Username: "five"})
	e2.tv.Share("tok", e2.pms.MachineID(), false, "srv5")
	e2.pms.SetDown(500)
	r = e2.client().plexSignIn("tok").want(t, 502, "UPSTREAM_ERROR")
	if !strings.Contains(r.Env.Error.Message, "Plex server") {
		t.Errorf("pms down message: %q", r.Env.Error.Message)
	}
	e2.pms.SetDown(0)
	e2.client().plexSignIn("tok").want(t, 200)
}

func TestPlexSignInWithoutServer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{noPlexServer: true})
	var prov struct{ Plex, PlexConfigured bool }
	e.client().do("GET", "/api/v1/auth/providers", nil).want(t, 200).decode(t, &prov)
	if !prov.Plex || prov.PlexConfigured {
		t.Errorf("providers = %+v", prov)
	}
	c := e.client()
	c.do("POST", "/api/v1/auth/plex/pin", map[string]any{}).want(t, 503, "SERVICE_UNAVAILABLE")
	c.verify(1984731652).want(t, 410, "PIN_EXPIRED")
	if n := len(e.tv.Requests()); n != 0 {
		t.Errorf("%d requests reached plex.tv", n)
	}
}

func TestPlexForwardURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Server.BaseURL = "https://example.com/medianest/" }})
	c := e.client()
	var p pinOut
	c.do("POST", "/api/v1/auth/plex/pin", map[string]any{"forwardUrl": "https://example.com/medianest/login?next=1"}).want(t, 201).decode(t, &p)
	if !strings.Contains(p.AuthURL, "forwardUrl=https%3A%2F%2Fexample.com%2Fmedianest%2Flogin%3Fnext%3D1") {
		t.Errorf("authUrl %s", p.AuthURL)
	}
	if ck := c.cookies["medianest_pin"]; ck == nil || ck.Path != "/medianest" || !ck.HttpOnly {
		t.Errorf("pin cookie %+v", ck)
	}
	c.do("POST", "/api/v1/auth/plex/pin", map[string]any{"forwardUrl": "https://evil.example/"}).want(t, 400, "VALIDATION_ERROR")
}
