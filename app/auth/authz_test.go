package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/auth"
	"medianest/app/plex/plextest"
	"medianest/app/principal"
)

// routes is every route Routes registers (audit's included), with who may
// call it. The test below checks the list against the mux itself.
var routes = []struct {
	method, path, who string
}{
	{"GET", "/api/v1/auth/providers", "anyone"},
	{"POST", "/api/v1/auth/plex/pin", "anyone"},
	{"POST", "/api/v1/auth/plex/verify", "anyone"},
	{"POST", "/api/v1/auth/login", "anyone"},
	{"POST", "/api/v1/auth/logout", "user"},
	{"GET", "/api/v1/auth/session", "user"},
	{"GET", "/api/v1/auth/sessions", "user"},
	{"DELETE", "/api/v1/auth/sessions/{id}", "user"},
	{"POST", "/api/v1/auth/password", "user"},
	{"GET", "/api/v1/auth/tokens", "user"},
	{"POST", "/api/v1/auth/tokens", "user"},
	{"DELETE", "/api/v1/auth/tokens/{id}", "user"},
}

func TestAuthzWalk(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	userA, a := e.signedIn("alice", "user")
	userB, _ := e.signedIn("bob", "user")
	e.signedIn("root", "admin")

	// The list is complete: every registered pattern is in it, and the mux
	// knows each one.
	mux := http.NewServeMux()
	e.svc.Routes(mux)
	for _, rt := range routes {
		req := httptest.NewRequest(rt.method, strings.ReplaceAll(rt.path, "{id}", "1"), nil)
		if _, pattern := mux.Handler(req); pattern != rt.method+" "+rt.path {
			t.Errorf("%s %s: the mux matched %q", rt.method, rt.path, pattern)
		}
	}
	src, _ := os.ReadFile(filepath.Join(".", "routes.go"))
	if n := strings.Count(string(src), "mux.Handle("); n != len(routes) {
		t.Errorf("routes.go registers %d routes, the walk knows %d", n, len(routes))
	}

	for _, rt := range routes {
		path := strings.ReplaceAll(rt.path, "{id}", "1")
		body := map[string]any{}
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			anon := e.client()
			r := anon.do(rt.method, path, body)
			if rt.who != "anyone" && (r.Status != 401 || r.Env.Error.Code != "UNAUTHORIZED") {
				t.Errorf("anonymous: %d %s", r.Status, r.Body)
			}
			if rt.who == "admin" {
				userA.do(rt.method, path, body).want(t, 403, "FORBIDDEN")
			}
		})
	}

	// User B cannot touch user A's sessions or tokens, and cannot tell
	// whether they exist.
	var sessions []auth.SessionInfo
	userA.do("GET", "/api/v1/auth/sessions", nil).want(t, 200).decode(t, &sessions)
	var ct createdToken
	userA.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "a"}).want(t, 201).decode(t, &ct)
	userB.do("DELETE", "/api/v1/auth/sessions/"+strconv.FormatInt(sessions[0].ID, 10), nil).want(t, 404, "NOT_FOUND")
	userB.do("DELETE", "/api/v1/auth/tokens/"+strconv.FormatInt(ct.Token.ID, 10), nil).want(t, 404, "NOT_FOUND")
	userB.do("DELETE", "/api/v1/auth/tokens/999999", nil).want(t, 404, "NOT_FOUND")
	var list []auth.Token
	userB.do("GET", "/api/v1/auth/tokens", nil).want(t, 200).decode(t, &list)
	if len(list) != 0 {
		t.Errorf("B sees tokens %+v", list)
	}
	userB.do("GET", "/api/v1/auth/sessions", nil).want(t, 200).decode(t, &sessions)
	for _, s := range sessions {
		if !s.Current {
			t.Errorf("B sees a session that is not its own: %+v", s)
		}
	}
	userA.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	if got := e.svc.SessionsCached(); got < 3 {
		t.Errorf("SessionsCached = %d", got)
	}
	_ = a
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	_, alice := e.signedIn("alice", "user")
	c := e.client()
	c.login("alice", "pw-alice-0123456789")
	var got *principal.User
	probe := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := principal.UserFrom(r.Context()); ok {
			got = &u
		}
		w.WriteHeader(204)
	})
	call := func(h http.Handler, withCookie bool) int {
		got = nil
		req := httptest.NewRequest("GET", "/api/v1/anything", nil)
		if withCookie {
			req.AddCookie(c.cookies[auth.CookieName])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// Identify never refuses, and attaches the user when there is one.
	if code := call(e.svc.Identify(probe), false); code != 204 || got != nil {
		t.Errorf("identify anonymous: %d %v", code, got)
	}
	if code := call(e.svc.Identify(probe), true); code != 204 || got == nil || got.ID != alice.ID {
		t.Errorf("identify signed in: %d %v", code, got)
	}
	// RequireUser after Identify reuses what Identify found.
	if code := call(e.svc.Identify(e.svc.RequireUser(probe)), true); code != 204 || got == nil {
		t.Errorf("identify + require: %d", code)
	}
	if code := call(e.svc.RequireAdmin(probe), true); code != 403 {
		t.Errorf("require admin as user: %d", code)
	}
	// WithUser makes a context other packages' tests can use.
	admin := principal.User{ID: 42, Username: "x", Role: principal.RoleAdmin, Status: principal.StatusActive}
	req := httptest.NewRequest("GET", "/", nil).WithContext(principal.WithUser(context.Background(), admin))
	rec := httptest.NewRecorder()
	e.svc.RequireAdmin(probe).ServeHTTP(rec, req)
	if rec.Code != 204 || got.ID != 42 {
		t.Errorf("WithUser: %d %v", rec.Code, got)
	}
	if _, ok := auth.SessionFrom(req.Context()); ok {
		t.Error("a WithUser context claims a session")
	}
}

func TestDisableEndsSessionsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	admin, _ := e.signedIn("root", "admin")
	c, u := e.signedIn("alice", "user")
	var ct createdToken
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "t"}).want(t, 201).decode(t, &ct)
	script := e.client()
	script.bearer = ct.Secret
	// Both are cached now.
	c.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	script.do("GET", "/api/v1/auth/session", nil).want(t, 200)

	admin.do("PATCH", "/api/v1/admin/users/"+strconv.FormatInt(u.ID, 10), map[string]any{"status": "disabled"}).want(t, 200)
	c.do("GET", "/api/v1/auth/session", nil).want(t, 401, "UNAUTHORIZED")
	script.do("GET", "/api/v1/auth/session", nil).want(t, 401, "UNAUTHORIZED")
	e.client().do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "pw-alice-0123456789"}).want(t, 403, "ACCOUNT_DISABLED")

	// Re-enabling does not revive the ended session, nor the API token.
	admin.do("PATCH", "/api/v1/admin/users/"+strconv.FormatInt(u.ID, 10), map[string]any{"status": "active"}).want(t, 200)
	c.do("GET", "/api/v1/auth/session", nil).want(t, 401)
	script.do("GET", "/api/v1/auth/session", nil).want(t, 401)
	c.login("alice", "pw-alice-0123456789")

	// Disabled from another process (the CLI): the running server notices
	// through the auth epoch without waiting for the cache TTL.
	c.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	if err := e.cliService().SetStatus(ctx, "alice", "disabled"); err != nil {
		t.Fatal(err)
	}
	if changed, err := e.svc.SyncEpoch(ctx); err != nil || !changed {
		t.Fatalf("epoch: %v %v", changed, err)
	}
	c.do("GET", "/api/v1/auth/session", nil).want(t, 401)
}

func TestCachedSessionReadsNoDatabase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	c, _ := e.signedIn("alice", "user")
	c.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	// With the read pool closed, any read would fail the request.
	if err := e.db.R.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		c.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	}
}

func TestNoSecretsLeak(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	const (
		plexToken   = "PLEXTOKEN-owner-abc123XYZ"
		serverToken = "SERVERTOKEN-owner-def456UVW"
		password    = "PASSWORD-correct-horse-battery"
		newPassword = "PASSWORD-new-staple-987654"
	)
	e.tv.AddUser(plexToken, plextest.Account{ID: 9, Username: "owner"})
	e.tv.Share(plexToken, e.pms.MachineID(), true, serverToken)
	owner := e.client()
	owner.plexSignIn(plexToken).want(t, 200)

	admin := e.client()
	admin.do("POST", "/api/v1/auth/plex/verify", map[string]any{"pinId": 1}).want(t, 410)
	e.mustCreate("alice", password, "admin")
	admin.login("alice", password)
	admin.do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": password + "x"}).want(t, 401)
	admin.do("POST", "/api/v1/auth/password", map[string]any{"currentPassword": password, "newPassword": newPassword}).want(t, 200)
	admin.do("POST", "/api/v1/admin/users", map[string]any{"username": "bob", "password": password, "role": "user"}).want(t, 201)
	var ct createdToken
	tokenResp := admin.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "ci"}).want(t, 201)
	tokenResp.decode(t, &ct)
	script := e.client()
	script.bearer = ct.Secret
	script.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	admin.do("GET", "/api/v1/admin/users", nil).want(t, 200)
	admin.do("GET", "/api/v1/admin/audit", nil).want(t, 200)
	owner.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	owner.do("GET", "/api/v1/auth/sessions", nil).want(t, 200)

	secrets := map[string]string{
		"plex token": plexToken, "server token": serverToken, "password": password, "new password": newPassword,
		"owner session": owner.cookies[auth.CookieName].Value, "admin session": admin.cookies[auth.CookieName].Value,
		"api token": ct.Secret,
	}
	var dbBytes []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(e.db.Path + suffix)
		if err != nil && suffix == "" {
			t.Fatal(err)
		}
		dbBytes = append(dbBytes, b...)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "request") {
		t.Fatal("nothing was logged; the check would prove nothing")
	}
	for name, s := range secrets {
		if strings.Contains(string(dbBytes), s) {
			t.Errorf("the database file holds the %s in clear", name)
		}
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the %s", name)
		}
		for _, body := range e.bodies {
			if strings.Contains(body, s) && !(name == "api token" && body == tokenResp.Body) {
				t.Errorf("a response holds the %s: %s", name, body)
			}
		}
	}
}

func TestRunNoticesOtherProcesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{epochPoll: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	c, _ := e.signedIn("alice", "user")
	c.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	if err := e.cliService().SetStatus(context.Background(), "alice", "disabled"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.do("GET", "/api/v1/auth/session", nil).Status != 401 {
		if time.Now().After(deadline) {
			t.Fatal("the running server never noticed the CLI")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A session deleted behind the cache without an epoch bump (an old
	// CLI, a hand-edited database) ends at its next activity write.
	b, u := e.signedIn("bob", "user")
	b.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	if _, err := e.db.W.Exec(`DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	b.do("GET", "/api/v1/auth/session", nil).want(t, 200) // cached, within the minute
	e.clock.Advance(2 * time.Minute)
	b.do("GET", "/api/v1/auth/session", nil).want(t, 401)
}
