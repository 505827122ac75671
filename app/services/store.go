// Package services keeps the connection settings of the upstream services
// (Plex, Overseerr, Uptime Kuma): URL, sealed key or token, enabled flag and
// options. A service whose URL the config file sets is managed by the file:
// applied at start and read-only through the API. Everything else is set by
// an admin and takes effect without a restart, because every client asks
// this store for the settings on each call.
package services

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"medianest/app/apperr"
	"medianest/app/config"
	"medianest/app/secret"
	"medianest/db"
)

// Names of the configurable services.
const (
	Plex       = "plex"
	Overseerr  = "overseerr"
	UptimeKuma = "uptime_kuma"
)

// Names lists the configurable services in display order.
var Names = []string{Plex, Overseerr, UptimeKuma}

// Source says who manages a service's settings.
const (
	SourceDatabase = "database"
	SourceConfig   = "config"
)

// Service is one upstream's settings. APIKey is the plaintext key (for Plex,
// the server's admin token); it never leaves the process.
type Service struct {
	Name      string
	URL       string
	APIKey    string
	Enabled   bool
	Options   map[string]string
	Source    string
	UpdatedAt time.Time
	// KeyUnreadable says a key is stored but was sealed with another
	// secret key (lost or replaced secret.key): APIKey is then "" and the
	// admin has to enter the key again. The rest of the settings still
	// work, so one unreadable key never locks the admin out of the list.
	KeyUnreadable bool
}

// UnreadableKeyMessage is what readiness and the status page say about a
// service whose stored key cannot be opened.
const UnreadableKeyMessage = "The stored key was sealed with another secret key; restore the old key or enter this one again in Admin → Services."

// Configured reports whether the service can be called: enabled with a URL.
func (s Service) Configured() bool { return s.Enabled && s.URL != "" }

// Store reads and writes service settings, caching them in memory.
type Store struct {
	db  *db.DB
	box *secret.Box
	now func() time.Time

	mu    sync.RWMutex
	cache map[string]Service
	// gen counts invalidations, so that a load that raced with a write does
	// not put the settings from before the write back into the cache.
	gen      uint64
	onChange []func(name string)
}

// NewStore returns a store over d; box seals the keys.
func NewStore(d *db.DB, box *secret.Box, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, box: box, now: now}
}

// OnChange registers f to run after a service's settings change (clients
// drop caches, the poller re-checks at once).
func (s *Store) OnChange(f func(name string)) {
	s.mu.Lock()
	s.onChange = append(s.onChange, f)
	s.mu.Unlock()
}

// Seed applies the config file: each service whose URL the file sets is
// written with source "config"; a service the file no longer sets goes back
// to being managed in the database, keeping its last settings. The OnChange
// hooks then run for every service.
func (s *Store) Seed(ctx context.Context, cfg config.Config) error {
	fromFile := map[string]Service{}
	if cfg.Plex.URL != "" {
		fromFile[Plex] = Service{Name: Plex, URL: cfg.Plex.URL, APIKey: cfg.Plex.Token, Enabled: true}
	}
	if cfg.Overseerr.URL != "" {
		fromFile[Overseerr] = Service{Name: Overseerr, URL: cfg.Overseerr.URL, APIKey: cfg.Overseerr.APIKey, Enabled: true}
	}
	if cfg.UptimeKuma.URL != "" {
		fromFile[UptimeKuma] = Service{Name: UptimeKuma, URL: cfg.UptimeKuma.URL, APIKey: cfg.UptimeKuma.APIKey, Enabled: true,
			Options: map[string]string{"statusPage": cfg.UptimeKuma.StatusPage}}
	}
	now := db.Millis(s.now())
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		for _, name := range Names {
			svc, ok := fromFile[name]
			if !ok {
				if _, err := tx.ExecContext(ctx, `UPDATE service_configs SET source = 'database' WHERE name = ? AND source = 'config'`, name); err != nil {
					return err
				}
				continue
			}
			opts, _ := json.Marshal(orEmpty(svc.Options))
			_, err := tx.ExecContext(ctx, `
				INSERT INTO service_configs (name, url, api_key, enabled, options, source, updated_at)
				VALUES (?, ?, ?, 1, ?, 'config', ?)
				ON CONFLICT (name) DO UPDATE SET url = excluded.url, api_key = excluded.api_key, enabled = 1,
					options = excluded.options, source = 'config', updated_at = excluded.updated_at`,
				name, svc.URL, s.box.Seal(svc.APIKey), string(opts), now)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("services: seed from config: %w", err)
	}
	s.invalidate()
	for _, name := range Names {
		s.changed(name)
	}
	return nil
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (s *Store) invalidate() {
	s.mu.Lock()
	s.cache = nil
	s.gen++
	s.mu.Unlock()
}

// changed runs the OnChange hooks for name, outside the lock so a hook may
// read the store.
func (s *Store) changed(name string) {
	s.mu.RLock()
	hooks := append([]func(string){}, s.onChange...)
	s.mu.RUnlock()
	for _, f := range hooks {
		f(name)
	}
}

func (s *Store) load(ctx context.Context) (map[string]Service, error) {
	s.mu.RLock()
	c, gen := s.cache, s.gen
	s.mu.RUnlock()
	if c != nil {
		return c, nil
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT name, url, api_key, enabled, options, source, updated_at FROM service_configs`)
	if err != nil {
		return nil, fmt.Errorf("services: load: %w", err)
	}
	defer rows.Close()
	c = map[string]Service{}
	for rows.Next() {
		var svc Service
		var key []byte
		var opts string
		var updated int64
		if err := rows.Scan(&svc.Name, &svc.URL, &key, &svc.Enabled, &opts, &svc.Source, &updated); err != nil {
			return nil, fmt.Errorf("services: load: %w", err)
		}
		if svc.APIKey, err = s.box.Open(key); errors.Is(err, secret.ErrOpen) {
			svc.APIKey, svc.KeyUnreadable = "", true
		} else if err != nil {
			return nil, fmt.Errorf("services: %s: %w", svc.Name, err)
		}
		json.Unmarshal([]byte(opts), &svc.Options)
		svc.UpdatedAt = db.Time(updated)
		c[svc.Name] = svc
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("services: load: %w", err)
	}
	s.mu.Lock()
	if s.gen == gen {
		s.cache = c
	}
	s.mu.Unlock()
	return c, nil
}

// Get returns a service's settings; an unknown or never-set service comes
// back disabled with source "database".
func (s *Store) Get(ctx context.Context, name string) (Service, error) {
	if !Known(name) {
		return Service{}, apperr.New(apperr.NotFound, "No service is called %q.", name)
	}
	c, err := s.load(ctx)
	if err != nil {
		return Service{}, err
	}
	svc, ok := c[name]
	if !ok {
		return Service{Name: name, Source: SourceDatabase, Options: map[string]string{}}, nil
	}
	// The cached map is shared; callers get their own copy to change.
	svc.Options = maps.Clone(orEmpty(svc.Options))
	return svc, nil
}

// List returns every configurable service, in display order.
func (s *Store) List(ctx context.Context) ([]Service, error) {
	out := make([]Service, 0, len(Names))
	for _, n := range Names {
		svc, err := s.Get(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, svc)
	}
	return out, nil
}

// Unreadable names the services whose stored key was sealed with another
// secret key, in display order.
func (s *Store) Unreadable(ctx context.Context) ([]string, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, svc := range all {
		if svc.KeyUnreadable {
			out = append(out, svc.Name)
		}
	}
	return out, nil
}

// ErrManaged is returned when an admin tries to change a file-managed service.
var ErrManaged = errors.New("managed by the config file")

// Put saves an admin's settings. keepKey keeps the stored key when the admin
// did not send one. A service the config file manages is a CONFLICT.
func (s *Store) Put(ctx context.Context, svc Service, keepKey bool) (Service, error) {
	cur, err := s.Get(ctx, svc.Name)
	if err != nil {
		return Service{}, err
	}
	if cur.Source == SourceConfig {
		return Service{}, apperr.Wrap(apperr.Conflict, ErrManaged,
			"The %s settings come from the config file; change them there and restart.", svc.Name)
	}
	if keepKey && cur.KeyUnreadable {
		return Service{}, apperr.Validation(apperr.FieldError{Field: "apiKey",
			Message: "must be entered again: the stored one was sealed with another secret key"})
	}
	if keepKey {
		// A stored key only ever goes to the origin it was entered for:
		// otherwise a changed URL would carry the owner's token to any host.
		if cur.APIKey != "" && svc.URL != "" && !sameOrigin(svc.URL, cur.URL) {
			return Service{}, apperr.Validation(apperr.FieldError{Field: "apiKey",
				Message: "must be entered again when the URL's scheme, host or port changes"})
		}
		svc.APIKey = cur.APIKey
	}
	opts, _ := json.Marshal(orEmpty(svc.Options))
	now := s.now()
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO service_configs (name, url, api_key, enabled, options, source, updated_at)
			VALUES (?, ?, ?, ?, ?, 'database', ?)
			ON CONFLICT (name) DO UPDATE SET url = excluded.url, api_key = excluded.api_key,
				enabled = excluded.enabled, options = excluded.options, updated_at = excluded.updated_at`,
			svc.Name, svc.URL, s.box.Seal(svc.APIKey), svc.Enabled, string(opts), db.Millis(now))
		return err
	})
	if err != nil {
		return Service{}, fmt.Errorf("services: save %s: %w", svc.Name, err)
	}
	s.invalidate()
	s.changed(svc.Name)
	return s.Get(ctx, svc.Name)
}

// Known reports whether name is a configurable service.
func Known(name string) bool {
	for _, n := range Names {
		if n == name {
			return true
		}
	}
	return false
}
