package media

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"medianest/app/principal"
	"medianest/app/youtube"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/events"
	"medianest/app/httpx"
	"medianest/app/notify"
	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/plex"
	"medianest/app/plex/plextest"
	"medianest/app/services"
	"medianest/app/upstream"
	"medianest/db"
	"medianest/db/dbtest"
)

// Test users. alice is a Plex account that Overseerr knows (Plex id of the
// fake's jane); bob is a Plex account Overseerr does not know; carol is a
// local account; admin is a local admin.
var (
	alice = principal.User{ID: 1, Username: "alice", Email: "alice@example.org", Role: principal.RoleUser, Status: principal.StatusActive, Provider: principal.ProviderPlex, PlexID: 48213377}
	bob   = principal.User{ID: 2, Username: "bob", Email: "bob@example.org", Role: principal.RoleUser, Status: principal.StatusActive, Provider: principal.ProviderPlex, PlexID: 777}
	carol = principal.User{ID: 3, Username: "carol", Email: "auto@example.com", Role: principal.RoleUser, Status: principal.StatusActive, Provider: principal.ProviderLocal}
	admin = principal.User{ID: 4, Username: "admin", Role: principal.RoleAdmin, Status: principal.StatusActive, Provider: principal.ProviderLocal}
)

const (
	aliceToken = "alice-plex-server-token"
	bobToken   = "bob-plex-server-token"
	secret     = "hook-secret-123"
)

// fakeGuard authenticates by the X-Test-User header (a user id).
type fakeGuard struct{ users map[int64]principal.User }

func (g fakeGuard) RequireUser(next http.Handler) http.Handler {
	return httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		id, _ := strconv.ParseInt(r.Header.Get("X-Test-User"), 10, 64)
		u, ok := g.users[id]
		if !ok {
			return apperr.New(apperr.Unauthorized, "Sign in first.")
		}
		next.ServeHTTP(w, r.WithContext(principal.WithUser(r.Context(), u)))
		return nil
	})
}

func (g fakeGuard) RequireAdmin(next http.Handler) http.Handler {
	return g.RequireUser(httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		if u, _ := principal.UserFrom(r.Context()); !u.IsAdmin() {
			return apperr.New(apperr.Forbidden, "This needs an administrator.")
		}
		next.ServeHTTP(w, r)
		return nil
	}))
}

type fakeServices struct {
	mu   sync.Mutex
	svcs map[string]services.Service
}

func (f *fakeServices) Get(_ context.Context, name string) (services.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.svcs[name], nil
}

func (f *fakeServices) set(svc services.Service) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.svcs[svc.Name] = svc
}

type fakeTokens map[int64]string

func (f fakeTokens) PlexServerToken(_ context.Context, id int64) (string, error) { return f[id], nil }

// dbUsernames answers Usernames from the users table as auth does, and
// counts the lookups.
type dbUsernames struct {
	db    *db.DB
	calls atomic.Int64
}

func (u *dbUsernames) Usernames(ctx context.Context, ids []int64) (map[int64]string, error) {
	u.calls.Add(1)
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := u.db.R.QueryContext(ctx, `SELECT id, username FROM users WHERE id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// recorder keeps the events and audit entries it is given; published
// is signalled after each event.
type recorder struct {
	mu        sync.Mutex
	events    []events.Event
	audits    []audit.Entry
	published chan struct{}
}

func (r *recorder) Publish(e events.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.published <- struct{}{}:
	default:
	}
}

func (r *recorder) Record(_ context.Context, e audit.Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.audits = append(r.audits, e)
}

func (r *recorder) eventsOf(typ string) []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	t      *testing.T
	db     *db.DB
	req    *Requests
	lib    *Library
	h      http.Handler
	os     *overseerrtest.Server
	pms    *plextest.PMS
	svcs   *fakeServices
	rec    *recorder
	logs   *syncBuffer
	bodies []string
	bodyMu sync.Mutex
	imgDir string
	tmdb   *fakeTMDB
	users  *dbUsernames
	guard  fakeGuard
}

// envOpt changes the services' dependencies before they are built.
type envOpt func(*RequestsDeps, *LibraryDeps)

func newEnv(t *testing.T, opts ...envOpt) *env {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	for _, u := range []principal.User{alice, bob, carol, admin} {
		_, err := d.W.ExecContext(ctx, `INSERT INTO users (id, username, email, role, provider, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0)`,
			u.ID, u.Username, u.Email, u.Role, u.Provider)
		if err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, db: d, os: overseerrtest.New(t), pms: plextest.NewPMS(t), tmdb: newFakeTMDB(t), rec: &recorder{published: make(chan struct{}, 1)}, logs: &syncBuffer{},
		users: &dbUsernames{db: d}}
	e.pms.Seed()
	e.pms.Grant(aliceToken, "1")
	e.pms.Grant(bobToken, "1", "2")
	e.svcs = &fakeServices{svcs: map[string]services.Service{
		services.Overseerr: {Name: services.Overseerr, URL: e.os.URL, APIKey: e.os.APIKey(), Enabled: true},
		services.Plex:      {Name: services.Plex, URL: e.pms.URL, APIKey: e.pms.OwnerToken(), Enabled: true},
	}}
	up := func(name string) *upstream.Client {
		return upstream.New(name, name, upstream.Options{Timeout: 5 * time.Second, Retries: -1, FailuresToOpen: 1000})
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lib := LibraryDeps{
		Services: e.svcs,
		PMS:      plex.NewPMS(up("plex"), plex.Identity{ClientID: "medianest-test", Product: "MediaNest"}),
		Tokens:   fakeTokens{alice.ID: aliceToken, bob.ID: bobToken},
		BasePath: "/medianest",
		ImageDir: t.TempDir(),
		// The fake TMDB serves under a path, as TMDB does under /t/p.
		TMDBImageBase: e.tmdb.URL + "/t/p/",
		TMDB:          up("tmdb"),
	}
	req := RequestsDeps{
		DB: d, Services: e.svcs, Users: e.users, Downloads: youtube.NewStore(d),
		Overseerr: overseerr.New(upstream.Options{Timeout: 5 * time.Second, Retries: -1, FailuresToOpen: 1000}),
		Notifier:  notify.New(d, e.rec, nil),
		Events:    e.rec,
		Audit:     e.rec,
		Config:    Config{WebhookSecret: secret, ReconcileInterval: time.Minute, RequestQuota: 10, RequestQuotaDays: 7},
		BasePath:  "/medianest",
		Logger:    logger,
	}
	for _, o := range opts {
		o(&req, &lib)
	}
	e.imgDir = lib.ImageDir
	var err error
	if e.lib, err = NewLibrary(lib); err != nil {
		t.Fatal(err)
	}
	req.Library = e.lib
	if e.req, err = NewRequests(req); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.guard = fakeGuard{users: map[int64]principal.User{alice.ID: alice, bob.ID: bob, carol.ID: carol, admin.ID: admin}}
	e.req.Routes(mux, e.guard)
	e.lib.Routes(mux, e.guard)
	e.h = httpx.Wrap(mux, httpx.Options{Logger: logger})
	return e
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// data decodes the envelope's data (and meta).
func (r resp) data(t *testing.T, v any) map[string]any {
	t.Helper()
	var env struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Meta    map[string]any  `json:"meta"`
	}
	r.decode(t, &env)
	if !env.Success {
		t.Fatalf("not a success: %d %s", r.status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(env.Data, v); err != nil {
			t.Fatalf("decode data %s: %v", env.Data, err)
		}
	}
	return env.Meta
}

func (r resp) code(t *testing.T) string {
	t.Helper()
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	r.decode(t, &env)
	return env.Error.Code
}

func (e *env) do(u principal.User, method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u.ID != 0 {
		req.Header.Set("X-Test-User", strconv.FormatInt(u.ID, 10))
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	e.bodyMu.Lock()
	e.bodies = append(e.bodies, rec.Body.String())
	for k, vs := range rec.Header() {
		e.bodies = append(e.bodies, k+": "+strings.Join(vs, ","))
	}
	e.bodyMu.Unlock()
	return resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (e *env) want(r resp, status int, code string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if code != "" {
		if got := r.code(e.t); got != code {
			e.t.Fatalf("code %q, want %q: %s", got, code, r.body)
		}
	}
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.R.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) create(u principal.User, body any) MediaRequest {
	e.t.Helper()
	r := e.do(u, "POST", "/api/v1/media/requests", body)
	e.want(r, http.StatusCreated, "")
	var mr MediaRequest
	r.data(e.t, &mr)
	return mr
}

// setQuota gives u's account its own request quota, as auth loads it with
// the signed-in user.
func (e *env) setQuota(u principal.User, q int) {
	e.t.Helper()
	u = e.guard.users[u.ID]
	u.RequestQuota = &q
	e.guard.users[u.ID] = u
}
