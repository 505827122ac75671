package auth_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/auth"
	"medianest/app/config"
	"medianest/app/principal"
	"medianest/db"
)

func TestLocalLoginAndSessionCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Server.BaseURL = "https://example.com/medianest" }})
	e.mustCreate("alice", "alice-password-1", "admin")

	c := e.client()
	r := c.do("POST", "/api/v1/auth/login", map[string]any{"username": "ALICE", "password": "alice-password-1"}).want(t, 200)
	u := userOf(t, r)
	if u.Username != "alice" || u.Role != "admin" || u.Provider != "local" || u.LastLoginAt == nil {
		t.Errorf("user = %+v", u)
	}
	ck := c.cookies[auth.CookieName]
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/medianest" ||
		ck.MaxAge != int((24*time.Hour).Seconds()) || len(ck.Value) != 43 {
		t.Fatalf("cookie %+v", ck)
	}
	if ck.Secure {
		t.Error("Secure cookie without TLS or secure_cookies")
	}
	tls := e.client()
	tls.scheme = "https"
	tls.login("alice", "alice-password-1")
	if !tls.cookies[auth.CookieName].Secure {
		t.Error("no Secure cookie over TLS")
	}
	// The JSON is the API's User object exactly.
	var raw map[string]any
	r.decode(t, &struct{ User *map[string]any }{&raw})
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	if len(raw) != 10 || raw["avatarUrl"] == nil || raw["displayName"] == nil || raw["lastLoginAt"] == nil {
		t.Errorf("user JSON keys %v", keys)
	}

	// Remember me: the longer TTL.
	c2 := e.client()
	c2.do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "alice-password-1", "rememberMe": true}).want(t, 200)
	if ck := c2.cookies[auth.CookieName]; ck.MaxAge != int((720 * time.Hour).Seconds()) {
		t.Errorf("remember cookie MaxAge %d", ck.MaxAge)
	}

	// Sessions list with the current flag.
	var list []auth.SessionInfo
	c.do("GET", "/api/v1/auth/sessions", nil).want(t, 200).decode(t, &list)
	if len(list) != 3 {
		t.Fatalf("sessions = %+v", list)
	}
	current := 0
	for _, s := range list {
		if s.Current {
			current++
		}
		if s.IP != "192.0.2.10" {
			t.Errorf("session ip %q", s.IP)
		}
	}
	if current != 1 {
		t.Errorf("%d current sessions", current)
	}

	// A second sign-in from the same browser ends the first session.
	old := c.cookies[auth.CookieName].Value
	c.login("alice", "alice-password-1")
	if c.cookies[auth.CookieName].Value == old {
		t.Error("session id reused across sign-ins")
	}
	stale := e.client()
	stale.cookies[auth.CookieName] = &http.Cookie{Name: auth.CookieName, Value: old}
	stale.do("GET", "/api/v1/auth/session", nil).want(t, 401, "UNAUTHORIZED")
	if stale.cookies[auth.CookieName] != nil {
		t.Error("a stale cookie was not cleared")
	}
}

func TestSecureCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Server.SecureCookies = true; c.Server.BaseURL = "" }})
	e.mustCreate("alice", "alice-password-1", "user")
	c := e.client()
	c.login("alice", "alice-password-1")
	if ck := c.cookies[auth.CookieName]; !ck.Secure || ck.Path != "/" {
		t.Errorf("cookie %+v", ck)
	}
}

// Behind a TLS-terminating proxy the cookie is Secure when the proxy is
// trusted and says X-Forwarded-Proto: https; anyone else saying it gets a
// plain cookie.
func TestSecureCookieBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Server.TrustedProxies = []string{"192.0.2.10"} }})
	e.mustCreate("alice", "alice-password-1", "user")
	for _, c := range []struct {
		ip, proto string
		secure    bool
	}{
		{"192.0.2.10", "https", true},
		{"192.0.2.10", "http", false},
		{"198.51.100.7", "https", false},
	} {
		cl := e.client()
		cl.ip = c.ip
		cl.header.Set("X-Forwarded-Proto", c.proto)
		cl.login("alice", "alice-password-1")
		if ck := cl.cookies[auth.CookieName]; ck == nil || ck.Secure != c.secure {
			t.Errorf("from %s with X-Forwarded-Proto %s: cookie %+v, want Secure %v", c.ip, c.proto, ck, c.secure)
		}
	}
}

func TestSlidingExpiryAndLastSeen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	c, u := e.signedIn("alice", "user")
	ctx := context.Background()
	read := func() (seen, exp int64) {
		t.Helper()
		err := e.db.R.QueryRowContext(ctx, `SELECT last_seen_at, expires_at FROM sessions WHERE user_id = ?`, u.ID).Scan(&seen, &exp)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	seen0, exp0 := read()
	e.clock.Advance(30 * time.Second)
	c.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	if seen, exp := read(); seen != seen0 || exp != exp0 {
		t.Error("last_seen_at written within the minute")
	}
	e.clock.Advance(31 * time.Second)
	r := c.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	seen1, exp1 := read()
	if seen1 != db.Millis(e.clock.Now()) || exp1 != db.Millis(e.clock.Now().Add(24*time.Hour)) {
		t.Errorf("after a minute: seen %d exp %d", seen1, exp1)
	}
	if !strings.Contains(r.Header.Get("Set-Cookie"), auth.CookieName) {
		t.Error("the slid cookie was not sent again")
	}
	// The session outlives its first expiry because it was used.
	e.clock.Advance(23*time.Hour + 30*time.Minute)
	c.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	// Unused past its expiry, it ends.
	e.clock.Advance(25 * time.Hour)
	c.do("GET", "/api/v1/auth/session", nil).want(t, 401, "UNAUTHORIZED")
	n, err := e.svc.CleanupExpired(ctx)
	if err != nil || n != 1 {
		t.Errorf("cleanup removed %d, %v", n, err)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	a, _ := e.signedIn("alice", "user")
	b := e.client()
	b.login("alice", "pw-alice-0123456789")
	third := e.client()
	third.login("alice", "pw-alice-0123456789")

	a.do("POST", "/api/v1/auth/logout", map[string]any{}).want(t, 200)
	if a.cookies[auth.CookieName] != nil {
		t.Error("cookie kept after logout")
	}
	b.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	b.do("POST", "/api/v1/auth/logout", map[string]any{"allSessions": true}).want(t, 200)
	third.do("GET", "/api/v1/auth/session", nil).want(t, 401)
	var n int
	e.db.R.QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n)
	if n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

func TestDeleteSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	a, _ := e.signedIn("alice", "user")
	a2 := e.client()
	a2.login("alice", "pw-alice-0123456789")
	var list []auth.SessionInfo
	a.do("GET", "/api/v1/auth/sessions", nil).want(t, 200).decode(t, &list)
	var other int64
	for _, s := range list {
		if !s.Current {
			other = s.ID
		}
	}
	a.do("DELETE", "/api/v1/auth/sessions/"+strconv.FormatInt(other, 10), nil).want(t, 204)
	a2.do("GET", "/api/v1/auth/session", nil).want(t, 401)
	a.do("DELETE", "/api/v1/auth/sessions/"+strconv.FormatInt(other, 10), nil).want(t, 404, "NOT_FOUND")
	a.do("DELETE", "/api/v1/auth/sessions/abc", nil).want(t, 404, "NOT_FOUND")
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	a, _ := e.signedIn("alice", "user")
	other := e.client()
	other.login("alice", "pw-alice-0123456789")

	a.do("POST", "/api/v1/auth/password", map[string]any{"currentPassword": "pw-alice-0123456789", "newPassword": "short"}).
		want(t, 400, "VALIDATION_ERROR")
	a.do("POST", "/api/v1/auth/password", map[string]any{"currentPassword": "wrong-password-1", "newPassword": "a-new-password-1"}).
		want(t, 400, "VALIDATION_ERROR")
	a.do("POST", "/api/v1/auth/password", map[string]any{"currentPassword": "pw-alice-0123456789", "newPassword": "a-new-password-1"}).
		want(t, 200)
	a.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	other.do("GET", "/api/v1/auth/session", nil).want(t, 401)
	e.client().do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "pw-alice-0123456789"}).want(t, 401, "INVALID_CREDENTIALS")
	e.client().login("alice", "a-new-password-1")
}

func TestSameAnswerForUnknownUserAndWrongPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.mustCreate("alice", "alice-password-1", "user")
	c := e.client()
	unknown := c.do("POST", "/api/v1/auth/login", map[string]any{"username": "nobody", "password": "whatever-password"}, "X-Request-Id", "same-id")
	wrong := c.do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "whatever-password"}, "X-Request-Id", "same-id")
	unknown.want(t, 401, "INVALID_CREDENTIALS")
	if unknown.Body != wrong.Body {
		t.Errorf("unknown user: %s\nwrong password: %s", unknown.Body, wrong.Body)
	}
	// A disabled account learns that it is disabled only with the right password.
	if err := e.svc.SetStatus(context.Background(), "alice", principal.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "whatever-password"}).want(t, 401, "INVALID_CREDENTIALS")
	c.do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "alice-password-1"}).want(t, 403, "ACCOUNT_DISABLED")
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Auth.LoginRateLimit = 5 }})
	e.mustCreate("alice", "alice-password-1", "user")
	c := e.client()
	for i := 0; i < 5; i++ {
		c.do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "wrong-password-" + strconv.Itoa(i)}).want(t, 401)
	}
	r := c.do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "alice-password-1"}).want(t, 429, "RATE_LIMITED")
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// Another address is not affected.
	other := e.client()
	other.ip = "203.0.113.9"
	other.login("alice", "alice-password-1")
	// Successful sign-ins do not count.
	for i := 0; i < 6; i++ {
		other.login("alice", "alice-password-1")
	}
	// After the window the address may try again.
	e.clock.Advance(time.Minute)
	c.login("alice", "alice-password-1")
}

func TestCrossOriginProtection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	c, _ := e.signedIn("alice", "user")
	evil := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}

	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "x"}, evil...).want(t, 403, "CROSS_ORIGIN")
	c.do("POST", "/api/v1/auth/logout", map[string]any{}, evil...).want(t, 403, "CROSS_ORIGIN")
	c.do("DELETE", "/api/v1/auth/sessions/1", nil, "Origin", "https://evil.example").want(t, 403, "CROSS_ORIGIN")
	// Safe methods and same-origin requests pass.
	c.do("GET", "/api/v1/auth/session", nil, evil...).want(t, 200)
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "same"}, "Sec-Fetch-Site", "same-origin").want(t, 201)
	// The configured public origin is trusted even when Host differs.
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "base"}, "Origin", "https://media.example.com", "Sec-Fetch-Site", "same-site").want(t, 201)

	// A Bearer token is not a browser credential: it passes.
	var created struct {
		Secret string `json:"secret"`
	}
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "ci"}).want(t, 201).decode(t, &created)
	script := e.client()
	script.bearer = created.Secret
	script.do("DELETE", "/api/v1/auth/sessions/999", nil, evil...).want(t, 404, "NOT_FOUND")

	// Sign-in endpoints are protected without any cookie.
	anon := e.client()
	anon.do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "pw-alice-0123456789"}, evil...).want(t, 403, "CROSS_ORIGIN")
	anon.do("POST", "/api/v1/auth/plex/pin", map[string]any{}, evil...).want(t, 403, "CROSS_ORIGIN")
	anon.do("POST", "/api/v1/auth/plex/verify", map[string]any{"pinId": 1}, evil...).want(t, 403, "CROSS_ORIGIN")
}

// A cached session is read again from the database once it is older than
// auth.session_cache_ttl, so a change another process made without
// revoking (here a new display name) is seen within that time.
func TestSessionCacheTTL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Auth.SessionCacheTTL = config.Duration(5 * time.Minute) }})
	c, u := e.signedIn("alice", "user")
	name := func() string {
		t.Helper()
		var out struct {
			User principal.User `json:"user"`
		}
		c.do("GET", "/api/v1/auth/session", nil).want(t, 200).decode(t, &out)
		return out.User.DisplayName
	}
	if _, err := e.db.W.Exec(`UPDATE users SET display_name = 'Alice B.' WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(4 * time.Minute)
	if got := name(); got != "alice" {
		t.Errorf("within the ttl: %q, want the cached name", got)
	}
	cached := e.svc.SessionsCached()
	e.clock.Advance(time.Minute)
	if got := name(); got != "Alice B." {
		t.Errorf("after the ttl: %q, want the new name", got)
	}
	if got := e.svc.SessionsCached(); got != cached {
		t.Errorf("the expired entry was not replaced: %d cached, was %d", got, cached)
	}
}
