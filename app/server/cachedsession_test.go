package server_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"medianest/app/auth"
	"medianest/app/config"
	"medianest/app/principal"
	"medianest/app/secret"
	"medianest/app/server"
	"medianest/db/dbtest"
)

// DESIGN's first performance target: an authenticated request whose session
// is cached does no database read. With both pools closed after the warm-up
// any query would fail, so a 200 proves none was made.
func TestCachedSessionRequestReadsNoDatabase(t *testing.T) {
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	d := dbtest.New(t)
	box, _ := secret.NewBox(make([]byte, 32))
	a, err := auth.New(auth.Deps{DB: d, Box: box, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.CreateLocalUser(context.Background(), "ann", "a long enough password", "", principal.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := a.CreateToken(context.Background(), u, "bench", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(context.Background(), cfg, d, server.Options{Version: "test", Box: box})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()

	do := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	login := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"ann","password":"a long enough password"}`))
	login.Header.Set("Content-Type", "application/json")
	lw := httptest.NewRecorder()
	h.ServeHTTP(lw, login)
	var cookie string
	for _, c := range lw.Result().Cookies() {
		if c.Name == auth.CookieName {
			cookie = c.Name + "=" + c.Value
		}
	}
	if lw.Code != 200 || cookie == "" {
		t.Fatalf("login: %d %s", lw.Code, lw.Body)
	}
	creds := map[string][]string{
		"cookie": {"Cookie", cookie},
		"token":  {"Authorization", "Bearer " + token},
	}
	for via, hdr := range creds {
		if w := do("/api/v1/auth/session", hdr...); w.Code != 200 {
			t.Fatalf("warm-up via %s: %d %s", via, w.Code, w.Body)
		}
	}

	// The hot responses stay within eight header fields, which net/http's
	// header map and its copy at WriteHeader hold in one small table; past
	// eight both grow, and the page headers once cost a quarter of the CPU.
	for _, c := range []struct {
		path string
		hdr  []string
	}{{"/health", nil}, {"/api/v1/auth/session", creds["cookie"]}, {"/api/v1/auth/session", creds["token"]}} {
		if w := do(c.path, c.hdr...); len(w.Header()) > 8 {
			t.Errorf("GET %s answers with %d header fields, more than 8: %v", c.path, len(w.Header()), w.Header())
		}
	}

	d.R.Close()
	d.W.Close()
	for via, hdr := range creds {
		w := do("/api/v1/auth/session", hdr...)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"via":"`+via+`"`) {
			t.Errorf("cached %s session with the database closed: %d %s", via, w.Code, w.Body)
		}
	}
	// And the control: a request that must read fails once the pools are gone.
	if w := do("/api/v1/notifications", creds["token"]...); w.Code == 200 {
		t.Errorf("a listing answered 200 with the database closed: the test cannot tell reads apart")
	}
}
