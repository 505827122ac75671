package services_test

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"medianest/app/apperr"
	"medianest/app/config"
	"medianest/app/secret"
	"medianest/app/services"
	"medianest/db"
	"medianest/db/dbtest"
)

func newStore(t testing.TB) (*services.Store, *db.DB) {
	t.Helper()
	d := dbtest.New(t)
	box, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	return services.NewStore(d, box, func() time.Time { return now }), d
}

func TestStoreDefaults(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	all, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d services", len(all))
	}
	for i, svc := range all {
		if svc.Name != services.Names[i] || svc.Enabled || svc.URL != "" || svc.Source != services.SourceDatabase || svc.Configured() {
			t.Errorf("default %+v", svc)
		}
	}
	if _, err := s.Get(ctx, "sonarr"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown service: %v", err)
	}
}

func TestStorePutKeepsAndSealsKey(t *testing.T) {
	s, d := newStore(t)
	ctx := context.Background()
	in := services.Service{Name: services.Overseerr, URL: "http://overseerr:5055", APIKey: "secret-key-123", Enabled: true}
	got, err := s.Put(ctx, in, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.APIKey != "secret-key-123" || got.URL != in.URL || !got.Enabled || got.Source != services.SourceDatabase || got.UpdatedAt.IsZero() {
		t.Fatalf("put returned %+v", got)
	}
	var raw []byte
	if err := d.R.QueryRow(`SELECT api_key FROM service_configs WHERE name = 'overseerr'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 || bytes.Contains(raw, []byte("secret-key-123")) {
		t.Fatalf("the key is not sealed at rest: %q", raw)
	}

	// keepKey keeps the stored key; a new URL on the same origin is applied.
	got, err = s.Put(ctx, services.Service{Name: services.Overseerr, URL: in.URL + "/sub", Enabled: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.APIKey != "secret-key-123" || got.URL != in.URL+"/sub" {
		t.Fatalf("keepKey: %+v", got)
	}
	// Without keepKey an empty key clears it.
	got, err = s.Put(ctx, services.Service{Name: services.Overseerr, URL: "http://other:5055", Enabled: false}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.APIKey != "" || got.Enabled {
		t.Fatalf("clear: %+v", got)
	}
}

func TestStoreOptionsAreCopies(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, services.Service{Name: services.UptimeKuma, URL: "http://kuma:3001", Enabled: true,
		Options: map[string]string{"statusPage": "home"}}, false); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Get(ctx, services.UptimeKuma)
	a.Options["statusPage"] = "changed"
	b, _ := s.Get(ctx, services.UptimeKuma)
	if b.Options["statusPage"] != "home" {
		t.Fatalf("a caller changed the cached options: %v", b.Options)
	}
}

func TestStoreSeedFromConfig(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	var changed []string
	s.OnChange(func(name string) {
		mu.Lock()
		changed = append(changed, name)
		mu.Unlock()
	})

	cfg := config.Default()
	cfg.Plex.URL, cfg.Plex.Token = "http://plex:32400", "plex-token"
	cfg.UptimeKuma.URL, cfg.UptimeKuma.StatusPage = "http://kuma:3001", "home"
	if err := s.Seed(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	p, _ := s.Get(ctx, services.Plex)
	if p.Source != services.SourceConfig || p.APIKey != "plex-token" || !p.Configured() {
		t.Fatalf("seeded plex %+v", p)
	}
	k, _ := s.Get(ctx, services.UptimeKuma)
	if k.Options["statusPage"] != "home" || k.Source != services.SourceConfig {
		t.Fatalf("seeded kuma %+v", k)
	}
	if o, _ := s.Get(ctx, services.Overseerr); o.Source != services.SourceDatabase {
		t.Fatalf("overseerr not in the file, source %q", o.Source)
	}
	mu.Lock()
	if !slices.Contains(changed, services.Plex) {
		t.Errorf("OnChange not called for plex on seed: %v", changed)
	}
	mu.Unlock()

	// A file-managed service cannot be changed through the store.
	_, err := s.Put(ctx, services.Service{Name: services.Plex, URL: "http://elsewhere:32400", Enabled: true}, true)
	if !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("put on a config-managed service: %v", err)
	}

	// The file no longer sets Plex: it goes back to the database, keeping
	// its settings, and can be changed again.
	cfg.Plex.URL, cfg.Plex.Token = "", ""
	if err := s.Seed(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	p, _ = s.Get(ctx, services.Plex)
	if p.Source != services.SourceDatabase || p.URL != "http://plex:32400" || p.APIKey != "plex-token" {
		t.Fatalf("after the file let go: %+v", p)
	}
	mu.Lock()
	changed = nil
	mu.Unlock()
	if _, err := s.Put(ctx, services.Service{Name: services.Plex, URL: "http://plex:32400/plex", Enabled: true}, true); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(changed, []string{services.Plex}) {
		t.Fatalf("OnChange after put: %v", changed)
	}
}

// TestStoreConcurrent reads while writing; run with -race.
func TestStoreConcurrent(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				if i == 0 {
					if _, err := s.Put(ctx, services.Service{Name: services.Overseerr, URL: "http://o:5055", APIKey: "k", Enabled: j%2 == 0}, false); err != nil {
						t.Error(err)
						return
					}
					continue
				}
				if _, err := s.List(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// The last write (j = 19) disabled it; the cache must agree.
	got, _ := s.Get(ctx, services.Overseerr)
	if got.Enabled {
		t.Fatalf("cache kept a stale value: %+v", got)
	}
}
