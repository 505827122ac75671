package auth_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"medianest/app/auth"
)

// Wrong passwords for one account from many addresses count against the
// account: a guesser with many addresses is throttled like one. Correct
// passwords do not count, and the limit lifts as it refills.
func TestLoginRateLimitPerAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Auth.LoginRateLimit = 5 }})
	e.mustCreate("root", "root-password-1", "admin")
	from := func(i int) *client {
		c := e.client()
		c.ip = fmt.Sprintf("198.51.100.%d", i+1)
		return c
	}
	// The real user signing in does not count.
	for i := range 3 {
		from(100+i).login("root", "root-password-1")
	}
	// 10 addresses, each below its own limit (5), fail 15 times in all:
	// the account's allowance (3 × auth.login_rate_limit).
	n := 0
	for i := range 10 {
		for range 2 {
			if n == 15 {
				break
			}
			from(i).do("POST", "/api/v1/auth/login", map[string]any{"username": "root", "password": "guess-" + strconv.Itoa(n)}).want(t, 401, "INVALID_CREDENTIALS")
			n++
		}
	}
	// An 11th address, and a different spelling of the name, are refused
	// before the password is checked.
	for _, name := range []string{"root", "ROOT"} {
		r := from(10).do("POST", "/api/v1/auth/login", map[string]any{"username": name, "password": "guess-x"}).want(t, 429, "RATE_LIMITED")
		if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}
	}
	// Another account is not affected.
	e.mustCreate("alice", "alice-password-1", "user")
	from(10).login("alice", "alice-password-1")
	// The allowance refills at auth.login_rate_limit a minute.
	e.clock.Advance(13 * time.Second)
	from(11).login("root", "root-password-1")
}

// A user's live sessions are capped (auth.max_sessions_per_user): a new
// sign-in beyond it ends the least recently used one.
func TestSessionCapEndsOldest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Auth.MaxSessionsPerUser = 3 }})
	e.mustCreate("alice", "alice-password-1", "user")
	var cs []*client
	for i := range 4 {
		c := e.client()
		c.ip = fmt.Sprintf("198.51.100.%d", i+1)
		c.login("alice", "alice-password-1")
		cs = append(cs, c)
		e.clock.Advance(2 * time.Minute)
	}
	cs[0].do("GET", "/api/v1/auth/session", nil).want(t, 401)
	for _, c := range cs[1:] {
		c.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	}
	var list []auth.SessionInfo
	cs[3].do("GET", "/api/v1/auth/sessions", nil).want(t, 200).decode(t, &list)
	if len(list) != 3 {
		t.Fatalf("%d sessions listed, want 3", len(list))
	}
	// Used just now, cs[1] is no longer the least recently used: the next
	// sign-in ends cs[2].
	e.clock.Advance(2 * time.Minute)
	cs[1].do("GET", "/api/v1/auth/session", nil).want(t, 200)
	e.client().login("alice", "alice-password-1")
	cs[2].do("GET", "/api/v1/auth/session", nil).want(t, 401)
	cs[1].do("GET", "/api/v1/auth/session", nil).want(t, 200)
}

func TestSessionsListIsPaged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.mustCreate("alice", "alice-password-1", "user")
	var last *client
	for i := range 5 {
		last = e.client()
		last.ip = fmt.Sprintf("198.51.100.%d", i+1)
		last.login("alice", "alice-password-1")
		e.clock.Advance(2 * time.Minute)
	}
	var list []auth.SessionInfo
	r := last.do("GET", "/api/v1/auth/sessions?page=1&pageSize=2", nil).want(t, 200)
	r.decode(t, &list)
	if len(list) != 2 || !list[0].Current || list[0].IP != "198.51.100.5" {
		t.Fatalf("page 1: %+v", list)
	}
	if fmt.Sprint(r.Env.Meta) != "map[page:1 pageSize:2 total:5 totalPages:3]" {
		t.Errorf("meta %v", r.Env.Meta)
	}
	last.do("GET", "/api/v1/auth/sessions?page=3&pageSize=2", nil).want(t, 200).decode(t, &list)
	if len(list) != 1 || list[0].IP != "198.51.100.1" {
		t.Errorf("page 3: %+v", list)
	}
	r = last.do("GET", "/api/v1/auth/sessions", nil).want(t, 200)
	r.decode(t, &list)
	if len(list) != 5 || r.Env.Meta["pageSize"] != float64(20) {
		t.Errorf("default page: %d sessions, meta %v", len(list), r.Env.Meta)
	}
	last.do("GET", "/api/v1/auth/sessions?page=0", nil).want(t, 400, "VALIDATION_ERROR")
}

// ?optional=true lets a page ask whether it is signed in without a failed
// request: anonymous callers and ended sessions get a null user, signed-in
// ones their session as always, and without the parameter it is 401.
func TestSessionOptional(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.mustCreate("alice", "alice-password-1", "user")
	anon := e.client()
	var out struct {
		User    *struct{ Username string } `json:"user"`
		Session *struct{ Via string }      `json:"session"`
	}
	anon.do("GET", "/api/v1/auth/session?optional=true", nil).want(t, 200).decode(t, &out)
	if out.User != nil || out.Session != nil {
		t.Fatalf("anonymous optional session: %+v", out)
	}
	anon.do("GET", "/api/v1/auth/session", nil).want(t, 401, "UNAUTHORIZED")

	c := e.client()
	c.login("alice", "alice-password-1")
	c.do("GET", "/api/v1/auth/session?optional=true", nil).want(t, 200).decode(t, &out)
	if out.User == nil || out.User.Username != "alice" || out.Session == nil || out.Session.Via != "cookie" {
		t.Fatalf("signed-in optional session: %+v", out)
	}
	c.do("POST", "/api/v1/auth/logout", map[string]any{}).want(t, 200)
	c.do("GET", "/api/v1/auth/session?optional=true", nil).want(t, 200).decode(t, &out)
	if out.User != nil {
		t.Fatalf("after sign-out: %+v", out)
	}
}
