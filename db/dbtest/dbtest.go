// Package dbtest hands tests a real, migrated SQLite database in a temporary
// file, opened exactly as the server opens its own.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"

	"medianest/db"
)

// New returns a migrated database that is closed when the test ends.
func New(tb testing.TB) *db.DB {
	tb.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(tb.TempDir(), "medianest.db"))
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	m, err := db.NewMigrator(d)
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	if _, err := m.Up(ctx); err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	return d
}
