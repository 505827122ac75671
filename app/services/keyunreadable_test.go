package services_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"medianest/app/httpx"
	"medianest/app/secret"
	"medianest/app/services"
)

// TestChangedSecretKeyDoesNotLockTheAdminOut: keys sealed under one secret
// key, then read with another, as after a lost or replaced secret.key.
func TestChangedSecretKeyDoesNotLockTheAdminOut(t *testing.T) {
	ctx := context.Background()
	old, d := newStore(t)
	if _, err := old.Put(ctx, services.Service{Name: services.Overseerr, URL: "http://ovr:5055", APIKey: "k-old", Enabled: true}, false); err != nil {
		t.Fatal(err)
	}
	other, _ := secret.NewBox(bytes.Repeat([]byte{9}, secret.KeySize))
	s := services.NewStore(d, other, nil)
	mux := http.NewServeMux()
	services.NewHandlers(services.HandlerDeps{Store: s}).Routes(mux, open{})
	h := httpx.Wrap(mux, httpx.Options{})
	do := func(method, path, body string) (int, envelope) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var env envelope
		json.Unmarshal(rec.Body.Bytes(), &env)
		return rec.Code, env
	}

	code, env := do("GET", "/api/v1/admin/services", "")
	if code != 200 {
		t.Fatalf("list: %d %+v", code, env.Error)
	}
	var list []services.View
	json.Unmarshal(env.Data, &list)
	if len(list) != 3 {
		t.Fatalf("list %+v", list)
	}
	for _, v := range list {
		want := v.Name == services.Overseerr
		if v.KeyUnreadable != want || v.HasAPIKey != want {
			t.Errorf("%s: keyUnreadable %v hasApiKey %v, want both %v", v.Name, v.KeyUnreadable, v.HasAPIKey, want)
		}
	}
	// A service with nothing sealed works as before.
	if svc, err := s.Get(ctx, services.Plex); err != nil || svc.KeyUnreadable {
		t.Errorf("plex: %+v %v", svc, err)
	}
	svc, err := s.Get(ctx, services.Overseerr)
	if err != nil || !svc.KeyUnreadable || svc.APIKey != "" || svc.URL != "http://ovr:5055" {
		t.Fatalf("overseerr: %+v %v", svc, err)
	}

	// Keeping the unreadable key is refused with a field error.
	code, env = do("PUT", "/api/v1/admin/services/overseerr", `{"url":"http://ovr:5055","enabled":true}`)
	if code != 400 || env.Error == nil || len(env.Error.Details) != 1 || env.Error.Details[0].Field != "apiKey" {
		t.Fatalf("put without a key: %d %+v", code, env.Error)
	}
	// A new key replaces it.
	code, env = do("PUT", "/api/v1/admin/services/overseerr", `{"url":"http://ovr:5055","apiKey":"k-new","enabled":true}`)
	if code != 200 {
		t.Fatalf("put with a key: %d %+v", code, env.Error)
	}
	var v services.View
	json.Unmarshal(env.Data, &v)
	if v.KeyUnreadable || !v.HasAPIKey {
		t.Errorf("after put: %+v", v)
	}
	if svc, err := s.Get(ctx, services.Overseerr); err != nil || svc.APIKey != "k-new" || svc.KeyUnreadable {
		t.Errorf("after put: %+v %v", svc, err)
	}
	if n, err := s.Unreadable(ctx); err != nil || len(n) != 0 {
		t.Errorf("Unreadable after put: %v %v", n, err)
	}
}
