package auth

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"testing"
	"time"

	"medianest/app/principal"

	"medianest/app/config"
	"medianest/app/secret"
	"medianest/db/dbtest"
)

// BenchmarkSessionLookupCached is the cost of resolving a session secret
// that is in the cache: hash, LRU hit, expiry check. No database.
func BenchmarkSessionLookupCached(b *testing.B) {
	s, secretValue := benchService(b)
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := s.lookup(ctx, kindSession, secretValue, now); !ok || err != nil {
			b.Fatal("lookup failed")
		}
	}
}

func BenchmarkSessionLookupCachedParallel(b *testing.B) {
	s, secretValue := benchService(b)
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok, _ := s.lookup(ctx, kindSession, secretValue, now); !ok {
				b.Error("lookup failed")
				return
			}
		}
	})
}

func benchService(b *testing.B) (*Service, string) {
	b.Helper()
	d := dbtest.New(b)
	box, _ := secret.NewBox(make([]byte, 32))
	s, err := New(Deps{DB: d, Box: box, Config: config.Default()})
	if err != nil {
		b.Fatal(err)
	}
	u, err := s.CreateLocalUser(context.Background(), "bench", "bench-password", "", principal.RoleUser)
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/", nil)
	secretValue, _, err := s.createSession(context.Background(), r, false, func(*sql.Tx) (principal.User, error) { return *u, nil })
	if err != nil {
		b.Fatal(err)
	}
	return s, secretValue
}
