package services_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"medianest/app/audit"
	"medianest/app/config"
	"medianest/app/httpx"
	"medianest/app/principal"
	"medianest/app/services"
	"medianest/db"
)

// open lets every request through; the real guard is tested in auth.
// open lets every request through as the admin "admin" (no users row, so
// no actor id).
type open struct{}

func (open) RequireAdmin(h http.Handler) http.Handler {
	admin := principal.User{Username: "admin", Role: principal.RoleAdmin, Status: principal.StatusActive}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(principal.WithUser(r.Context(), admin)))
	})
}

// fakeTester records what it was asked to test.
type fakeTester struct {
	mu  sync.Mutex
	got []services.Service
	res services.TestResult
}

func (f *fakeTester) Test(ctx context.Context, svc services.Service) services.TestResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, svc)
	return f.res
}

type fixture struct {
	db     *db.DB
	store  *services.Store
	audit  *audit.Recorder
	tester *fakeTester
	h      http.Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, d := newStore(t)
	rec := audit.New(d, nil)
	f := &fixture{db: d, store: s, audit: rec, tester: &fakeTester{res: services.TestResult{OK: true, LatencyMs: 3, Version: "1.0", Message: "fine"}}}
	mux := http.NewServeMux()
	services.NewHandlers(services.HandlerDeps{
		Store: s, Tester: f.tester, Audit: rec,
	}).Routes(mux, open{})
	f.h = httpx.Wrap(mux, httpx.Options{})
	return f
}

type envelope struct {
	Success bool            `json:"success"`
	Data    json.RawMessage `json:"data"`
	Error   *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

func (f *fixture) do(t *testing.T, method, path, body string) (int, envelope, string) {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	var env envelope
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil && rec.Code != http.StatusNoContent {
		t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body.String())
	}
	return rec.Code, env, rec.Body.String()
}

func TestListNeverShowsKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cfg := config.Default()
	cfg.Plex.URL, cfg.Plex.Token = "http://plex:32400", "PLEX-TOKEN-SECRET"
	if err := f.store.Seed(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	for _, put := range []string{
		`{"url":"http://overseerr:5055","apiKey":"OVERSEERR-KEY-SECRET","enabled":true}`,
		`{"url":"http://kuma:3001","apiKey":"uk1_KUMA-KEY-SECRET","enabled":true,"options":{"statusPage":"home"}}`,
	} {
		name := services.Overseerr
		if strings.Contains(put, "kuma") {
			name = services.UptimeKuma
		}
		code, env, body := f.do(t, "PUT", "/api/v1/admin/services/"+name, put)
		if code != 200 || strings.Contains(body, "SECRET") {
			t.Fatalf("PUT %s: %d %s", name, code, body)
		}
		var v services.View
		json.Unmarshal(env.Data, &v)
		if !v.HasAPIKey || v.Source != "database" || v.UpdatedAt == nil {
			t.Fatalf("PUT answer %+v", v)
		}
	}
	code, env, body := f.do(t, "GET", "/api/v1/admin/services", "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	for _, secret := range []string{"PLEX-TOKEN-SECRET", "OVERSEERR-KEY-SECRET", "KUMA-KEY-SECRET", "SECRET"} {
		if strings.Contains(body, secret) {
			t.Fatalf("the listing contains %q: %s", secret, body)
		}
	}
	var views []map[string]any
	if err := json.Unmarshal(env.Data, &views); err != nil {
		t.Fatal(err)
	}
	if len(views) != 3 {
		t.Fatalf("%d services", len(views))
	}
	for _, v := range views {
		for _, k := range []string{"name", "url", "enabled", "hasApiKey", "options", "updatedAt", "source", "keyUnreadable"} {
			if _, ok := v[k]; !ok {
				t.Errorf("%v lacks %q", v["name"], k)
			}
		}
		if len(v) != 8 {
			t.Errorf("unexpected fields in %v", v)
		}
	}
	if views[0]["source"] != "config" || views[0]["hasApiKey"] != true {
		t.Errorf("plex view %v", views[0])
	}
	// Nor does the audit log carry a key.
	recs, _, err := f.audit.List(ctx, 1, 100, "service.update")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d audit entries", len(recs))
	}
	for _, r := range recs {
		if strings.Contains(r.Details, "SECRET") || r.ActorName != "admin" {
			t.Fatalf("audit entry %+v", r)
		}
	}
}

func TestPutValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cfg := config.Default()
	cfg.Plex.URL = "http://plex:32400"
	if err := f.store.Seed(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, body string
		code             int
		errCode, field   string
	}{
		{"unknown service", "sonarr", `{"url":"http://s:8989","enabled":true}`, 404, "NOT_FOUND", ""},
		{"bad URL", "overseerr", `{"url":"ftp://o","enabled":true}`, 400, "VALIDATION_ERROR", "url"},
		{"URL with credentials", "overseerr", `{"url":"http://u:p@o:5055","enabled":true}`, 400, "VALIDATION_ERROR", "url"},
		{"missing URL while enabled", "overseerr", `{"enabled":true}`, 400, "VALIDATION_ERROR", "url"},
		{"bad URL on a config-managed service is still a 400", "plex", `{"url":"nonsense","enabled":true}`, 400, "VALIDATION_ERROR", "url"},
		{"config-managed", "plex", `{"url":"http://other:32400","enabled":true}`, 409, "CONFLICT", ""},
		{"unknown field", "overseerr", `{"url":"http://o:5055","enabled":true,"token":"x"}`, 400, "VALIDATION_ERROR", "token"},
		{"wrong type", "overseerr", `{"url":"http://o:5055","enabled":"yes"}`, 400, "VALIDATION_ERROR", "enabled"},
		{"unknown option", "overseerr", `{"url":"http://o:5055","enabled":true,"options":{"x":"y"}}`, 400, "VALIDATION_ERROR", "options.x"},
		{"kuma without a status page", "uptime_kuma", `{"url":"http://k:3001","enabled":true}`, 400, "VALIDATION_ERROR", "options.statusPage"},
		{"kuma with a bad slug", "uptime_kuma", `{"url":"http://k:3001","enabled":true,"options":{"statusPage":"../x"}}`, 400, "VALIDATION_ERROR", "options.statusPage"},
		{"disabled without URL is fine", "overseerr", `{"url":"","enabled":false}`, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, env, body := f.do(t, "PUT", "/api/v1/admin/services/"+tt.path, tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, body)
			}
			if tt.errCode == "" {
				return
			}
			if env.Error == nil || env.Error.Code != tt.errCode {
				t.Fatalf("error %s", body)
			}
			if tt.field != "" {
				found := false
				for _, d := range env.Error.Details {
					found = found || d.Field == tt.field
				}
				if !found {
					t.Fatalf("no detail for %q: %s", tt.field, body)
				}
			}
		})
	}
}

// An omitted apiKey keeps the stored key only while the URL keeps its
// origin: the key is never sent to a host the admin did not type it for.
func TestPutKeepsOmittedKeyOnlyForTheSameOrigin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	put := func(body string) (int, envelope, string) {
		return f.do(t, "PUT", "/api/v1/admin/services/overseerr", body)
	}
	if code, _, body := put(`{"url":"http://o:5055","apiKey":"k1","enabled":true}`); code != 200 {
		t.Fatal(body)
	}
	// Same origin, other path (and the default port spelled out): kept.
	if code, _, body := put(`{"url":"HTTP://O:5055/overseerr/","enabled":true}`); code != 200 {
		t.Fatal(body)
	}
	got, _ := f.store.Get(ctx, services.Overseerr)
	if got.APIKey != "k1" || got.URL != "HTTP://O:5055/overseerr/" {
		t.Fatalf("same origin: %+v", got)
	}
	for _, url := range []string{"http://o2:5055", "https://o:5055", "http://o:5056", "http://evil.example"} {
		code, env, body := put(`{"url":"` + url + `","enabled":true}`)
		if code != 400 || env.Error == nil || env.Error.Code != "VALIDATION_ERROR" ||
			len(env.Error.Details) != 1 || env.Error.Details[0].Field != "apiKey" {
			t.Fatalf("%s without apiKey: %d %s", url, code, body)
		}
	}
	got, _ = f.store.Get(ctx, services.Overseerr)
	if got.APIKey != "k1" || got.URL != "HTTP://O:5055/overseerr/" {
		t.Fatalf("a refused PUT changed the settings: %+v", got)
	}
	// A new origin with the key again is fine.
	if code, _, body := put(`{"url":"http://o2:5055","apiKey":"k2","enabled":true}`); code != 200 {
		t.Fatal(body)
	}
	got, _ = f.store.Get(ctx, services.Overseerr)
	if got.APIKey != "k2" || got.URL != "http://o2:5055" {
		t.Fatalf("new origin with key: %+v", got)
	}
	code, env, body := put(`{"url":"http://o2:5055","apiKey":"","enabled":true}`)
	if code != 200 {
		t.Fatal(body)
	}
	var v services.View
	json.Unmarshal(env.Data, &v)
	if v.HasAPIKey {
		t.Fatal("an empty apiKey did not clear the key")
	}
	// Without a stored key there is nothing to keep: any URL will do.
	if code, _, body := put(`{"url":"http://o3:5055","enabled":true}`); code != 200 {
		t.Fatal(body)
	}
}

func TestTestEndpoint(t *testing.T) {
	f := newFixture(t)
	// Nothing stored: answered without calling anything.
	code, env, body := f.do(t, "POST", "/api/v1/admin/services/overseerr/test", "")
	if code != 200 {
		t.Fatal(body)
	}
	var res services.TestResult
	json.Unmarshal(env.Data, &res)
	if res.OK || res.Message == "" || len(f.tester.got) != 0 {
		t.Fatalf("unconfigured test: %+v", res)
	}

	f.do(t, "PUT", "/api/v1/admin/services/overseerr", `{"url":"http://o:5055","apiKey":"stored","enabled":false}`)
	// Stored settings.
	if code, _, body := f.do(t, "POST", "/api/v1/admin/services/overseerr/test", ""); code != 200 || !strings.Contains(body, `"ok":true`) {
		t.Fatalf("%d %s", code, body)
	}
	// Settings from the body: the stored key when apiKey is omitted and the
	// URL is the stored one; never the stored key to another URL.
	f.do(t, "POST", "/api/v1/admin/services/overseerr/test", `{"url":"http://o:5055/","enabled":true}`)
	f.do(t, "POST", "/api/v1/admin/services/overseerr/test", `{"url":"http://evil:5055","enabled":true}`)
	f.do(t, "POST", "/api/v1/admin/services/overseerr/test", `{"url":"http://new:5055","apiKey":"typed","enabled":true}`)
	if len(f.tester.got) != 4 {
		t.Fatalf("tester called %d times", len(f.tester.got))
	}
	for i, want := range []struct{ url, key string }{{"http://o:5055", "stored"}, {"http://o:5055/", "stored"}, {"http://evil:5055", ""}, {"http://new:5055", "typed"}} {
		if g := f.tester.got[i]; g.URL != want.url || g.APIKey != want.key || g.Name != services.Overseerr {
			t.Errorf("test %d got %+v, want %+v", i, g, want)
		}
	}
	// A bad body is refused before anything is tried.
	if code, _, _ := f.do(t, "POST", "/api/v1/admin/services/overseerr/test", `{"url":"nope"}`); code != 400 {
		t.Fatalf("bad URL test: %d", code)
	}
	if code, _, _ := f.do(t, "POST", "/api/v1/admin/services/sonarr/test", ""); code != 404 {
		t.Fatalf("unknown service test: %d", code)
	}
	// Testing does not save.
	got, _ := f.store.Get(context.Background(), services.Overseerr)
	if got.URL != "http://o:5055" {
		t.Fatalf("test saved settings: %+v", got)
	}
}
