package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"medianest/app/admin"
	"medianest/app/audit"
	"medianest/app/auth"
	"medianest/app/backup"
	"medianest/app/config"
	"medianest/app/httpx"
	"medianest/app/media"
	"medianest/app/overseerr"
	"medianest/app/principal"
	"medianest/app/secret"
	"medianest/app/services"
	"medianest/app/upstream"
	"medianest/app/youtube"
	"medianest/db"
	"medianest/db/dbtest"
)

// TestMain fails the package when a test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var start = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// env is the admin routes and the auth routes over a real database and the
// real auth service.
type env struct {
	t       *testing.T
	db      *db.DB
	clock   *clock
	auth    *auth.Service
	handler http.Handler
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: dbtest.New(t), clock: &clock{t: start}}
	box, err := secret.NewBox(make([]byte, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	rec := audit.New(e.db, e.clock.Now)
	e.auth, err = auth.New(auth.Deps{DB: e.db, Box: box, Config: config.Default(), Audit: rec, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.auth.Routes(mux)
	admin.New(admin.Deps{
		Users: e.auth, Requests: mediaRequests(t, e.db, services.NewStore(e.db, box, nil), e.auth), Downloads: youtube.NewStore(e.db), Audit: rec,
		Backups: backup.New(e.db, filepath.Join(t.TempDir(), "backups"), 2, e.clock.Now, nil), SecretKeyPath: "/keys/secret.key",
		DB: e.db, Version: "1.2.3", Started: start.Add(-90 * time.Second), Now: e.clock.Now,
	}).Routes(mux, e.auth)
	e.handler = httpx.Wrap(mux, httpx.Options{})
	return e
}

// user creates an account and returns it with an API token of it.
func (e *env) user(name, role string) (*principal.User, string) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.auth.CreateLocalUser(ctx, name, name+"-password-1", "", role)
	if err != nil {
		e.t.Fatal(err)
	}
	_, tok, err := e.auth.CreateToken(ctx, u, "test", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return u, tok
}

// login signs name in with its password, which stamps last_login_at.
func (e *env) login(name string) {
	e.t.Helper()
	if w := e.do("POST", "/api/v1/auth/login", "", map[string]any{"username": name, "password": name + "-password-1"}); w.Code != 200 {
		e.t.Fatalf("login %s: %d %s", name, w.Code, w.Body)
	}
}

func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.db.W.Exec(q, args...); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) do(method, path, token string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.RemoteAddr = "192.0.2.10:40000"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	return w
}

// get fetches path as token and decodes the answer's data into v.
func (e *env) get(path, token string, v any) map[string]any {
	e.t.Helper()
	w := e.do("GET", path, token, nil)
	if w.Code != 200 {
		e.t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	var env struct {
		Data json.RawMessage
		Meta map[string]any
	}
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		e.t.Fatalf("GET %s: %v in %s", path, err, w.Body)
	}
	return env.Meta
}

// mediaRequests is the real media requests service over the test database;
// the admin routes only count through it, so Overseerr is never called.
func mediaRequests(t testing.TB, d *db.DB, store *services.Store, users media.Usernames) *media.Requests {
	t.Helper()
	r, err := media.NewRequests(media.RequestsDeps{DB: d, Services: store, Overseerr: overseerr.New(upstream.Options{}), Users: users})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
