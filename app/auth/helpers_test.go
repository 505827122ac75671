package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/admin"
	"medianest/app/audit"
	"medianest/app/auth"
	"medianest/app/config"
	"medianest/app/httpx"
	"medianest/app/media"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/plex/plextest"
	"medianest/app/principal"
	"medianest/app/secret"
	"medianest/app/services"
	"medianest/app/upstream"
	"medianest/app/youtube"
	"medianest/db"
	"medianest/db/dbtest"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer collects log output from concurrent writers.
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

// env is one MediaNest auth stack: a migrated database, the fakes of
// plex.tv and Plex Media Server, the service and its routes behind the real
// middleware chain.
type env struct {
	t        testing.TB
	cfg      config.Config
	db       *db.DB
	box      *secret.Box
	clock    *clock
	logs     *syncBuffer
	tv       *plextest.TV
	pms      *plextest.PMS
	store    *services.Store
	audit    *audit.Recorder
	svc      *auth.Service
	handler  http.Handler
	clientID string
	// bodies is every response body served, for leak checks.
	mu     sync.Mutex
	bodies []string
}

type setCfg = config.Config

type envOpts struct {
	noPlexServer bool
	// quiet logs at info as JSON into nothing, as a production server
	// formats its log (benchmarks).
	quiet bool
	// epochPoll is the service's EpochPoll (default 5s).
	epochPoll time.Duration
	tvTimeout time.Duration
	config    func(*config.Config)
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	e := &env{t: t, cfg: config.Default(), clock: &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}, logs: &syncBuffer{}}
	e.cfg.Server.BaseURL = "https://media.example.com"
	if o.config != nil {
		o.config(&e.cfg)
	}
	e.db = dbtest.New(t)
	key := make([]byte, secret.KeySize)
	for i := range key {
		key[i] = byte(i + 1)
	}
	var err error
	if e.box, err = secret.NewBox(key); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.quiet {
		logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	e.tv = plextest.NewTV(t)
	e.pms = plextest.NewPMS(t)
	e.store = services.NewStore(e.db, e.box, e.clock.Now)
	if !o.noPlexServer {
		seed := e.cfg
		seed.Plex.URL, seed.Plex.Token = e.pms.URL, e.pms.OwnerToken()
		if err := e.store.Seed(context.Background(), seed); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if e.clientID, err = auth.ClientIdentifier(ctx, e.db, e.cfg.Plex.ClientIdentifier, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if o.tvTimeout == 0 {
		o.tvTimeout = 2 * time.Second
	}
	id := plex.Identity{ClientID: e.clientID, Product: e.cfg.Plex.Product, Version: "test"}
	tvc := upstream.New("plextv", "plex.tv", upstream.Options{Timeout: o.tvTimeout, Retries: -1})
	pmsc := upstream.New("plex", "Plex", upstream.Options{Timeout: 2 * time.Second, Retries: -1})
	e.cfg.Plex.PlexTVURL = e.tv.URL
	e.audit = audit.New(e.db, e.clock.Now).WithLogger(logger)
	e.svc, err = auth.New(auth.Deps{
		DB: e.db, Box: e.box, Config: e.cfg, Services: e.store,
		TV: plex.NewTV(e.tv.URL, id, tvc), PMS: plex.NewPMS(pmsc, id),
		Audit: e.audit, Logger: logger, Now: e.clock.Now, EpochPoll: o.epochPoll,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.svc.Routes(mux)
	admin.New(admin.Deps{
		Users: e.svc, Requests: mediaRequests(t, e.db, e.store, e.svc), Downloads: youtube.NewStore(e.db), Audit: e.audit,
		DB: e.db, Now: e.clock.Now,
	}).Routes(mux, e.svc)
	trusted, err := config.ParsePrefixes(e.cfg.Server.TrustedProxies)
	if err != nil {
		t.Fatal(err)
	}
	e.handler = httpx.Wrap(mux, httpx.Options{Logger: logger, TrustedProxies: trusted})
	return e
}

// cliService is a second Service on the same database, as the CLI process
// builds it: no Plex, no HTTP.
func (e *env) cliService() *auth.Service {
	e.t.Helper()
	s, err := auth.New(auth.Deps{DB: e.db, Box: e.box, Config: e.cfg, Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) mustCreate(username, password, role string) *principal.User {
	e.t.Helper()
	u, err := e.svc.CreateLocalUser(context.Background(), username, password, "", role)
	if err != nil {
		e.t.Fatalf("create %s: %v", username, err)
	}
	return u
}

// client is a browser or script talking to the env: it keeps cookies and may
// send a Bearer token or come from a given address.
type client struct {
	e       *env
	ip      string
	cookies map[string]*http.Cookie
	bearer  string
	header  http.Header
	// scheme is "http" by default; "https" makes the request arrive over TLS.
	scheme string
}

func (e *env) client() *client {
	return &client{e: e, ip: "192.0.2.10", cookies: map[string]*http.Cookie{}, header: http.Header{}, scheme: "http"}
}

type response struct {
	Status int
	Header http.Header
	Body   string
	Env    struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Meta    map[string]any  `json:"meta"`
		Error   struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"details"`
		} `json:"error"`
	}
}

func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Env.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Env.Data, err)
	}
}

func (c *client) do(method, path string, body any, headers ...string) *response {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, c.scheme+"://media.example.com"+path, rd)
	req.RemoteAddr = c.ip + ":40000"
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	rec := httptest.NewRecorder()
	c.e.handler.ServeHTTP(rec, req)
	res := rec.Result()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	out := &response{Status: res.StatusCode, Header: res.Header, Body: rec.Body.String()}
	c.e.mu.Lock()
	c.e.bodies = append(c.e.bodies, out.Body)
	c.e.mu.Unlock()
	if out.Body != "" {
		if err := json.Unmarshal(rec.Body.Bytes(), &out.Env); err != nil {
			c.e.t.Fatalf("%s %s: body is not JSON: %q", method, path, out.Body)
		}
	}
	return out
}

// want fails the test unless r has status (and, for errors, code).
func (r *response) want(t testing.TB, status int, code ...string) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if len(code) > 0 && r.Env.Error.Code != code[0] {
		t.Fatalf("code %q, want %q: %s", r.Env.Error.Code, code[0], r.Body)
	}
	return r
}

// login signs c in with a username and password.
func (c *client) login(username, password string) *principal.User {
	c.e.t.Helper()
	r := c.do("POST", "/api/v1/auth/login", map[string]any{"username": username, "password": password}).want(c.e.t, 200)
	var out struct{ User principal.User }
	r.decode(c.e.t, &out)
	if c.cookies[auth.CookieName] == nil {
		c.e.t.Fatal("no session cookie after sign-in")
	}
	return &out.User
}

// signedIn returns a new client signed in as a new local user.
func (e *env) signedIn(username, role string) (*client, *principal.User) {
	e.t.Helper()
	pw := "pw-" + username + "-0123456789"
	e.mustCreate(username, pw, role)
	c := e.client()
	return c, c.login(username, pw)
}

type pinOut struct {
	ID             int64     `json:"id"`
	Code           string    `json:"code"`
	AuthURL        string    `json:"authUrl"`
	ExpiresAt      time.Time `json:"expiresAt"`
	PollIntervalMs int       `json:"pollIntervalMs"`
}

func (c *client) startPin() pinOut {
	c.e.t.Helper()
	var p pinOut
	c.do("POST", "/api/v1/auth/plex/pin", map[string]any{}).want(c.e.t, 201).decode(c.e.t, &p)
	return p
}

func (c *client) verify(id int64) *response {
	c.e.t.Helper()
	return c.do("POST", "/api/v1/auth/plex/verify", map[string]any{"pinId": id, "rememberMe": false})
}

// plexSignIn runs the whole PIN flow for the plex.tv account behind token.
func (c *client) plexSignIn(token string) *response {
	c.e.t.Helper()
	p := c.startPin()
	c.verify(p.ID).want(c.e.t, 202)
	c.e.tv.Approve(p.ID, token)
	return c.verify(p.ID)
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
