package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrator wraps a goose Provider over the embedded migrations. It runs on the
// writer connection; nothing else may write while it works.
type Migrator struct {
	p *goose.Provider
}

// NewMigrator returns the migrator for d. Never Close the provider: it would
// close d's writer pool.
func NewMigrator(d *DB) (*Migrator, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, d.W, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return &Migrator{p: p}, nil
}

// Up applies every pending migration.
func (m *Migrator) Up(ctx context.Context) ([]*goose.MigrationResult, error) {
	res, err := m.p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("db: migrate up: %w", err)
	}
	return res, nil
}

// Down rolls back the newest applied migration.
func (m *Migrator) Down(ctx context.Context) (*goose.MigrationResult, error) {
	res, err := m.p.Down(ctx)
	if err != nil {
		if errors.Is(err, goose.ErrNoNextVersion) {
			return nil, errors.New("db: nothing to roll back: no migration is applied")
		}
		return res, fmt.Errorf("db: migrate down: %w", err)
	}
	return res, nil
}

// Redo rolls back and re-applies the newest applied migration.
func (m *Migrator) Redo(ctx context.Context) ([]*goose.MigrationResult, error) {
	cur, err := m.p.GetDBVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: version: %w", err)
	}
	if cur == 0 {
		return nil, errors.New("db: nothing to redo: no migration is applied")
	}
	down, err := m.p.ApplyVersion(ctx, cur, false)
	if err != nil {
		return nil, fmt.Errorf("db: redo down: %w", err)
	}
	up, err := m.p.ApplyVersion(ctx, cur, true)
	if err != nil {
		return []*goose.MigrationResult{down}, fmt.Errorf("db: redo up: %w", err)
	}
	return []*goose.MigrationResult{down, up}, nil
}

// Versions returns the applied version and the newest embedded one.
func (m *Migrator) Versions(ctx context.Context) (current, target int64, err error) {
	current, target, err = m.p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("db: versions: %w", err)
	}
	return current, target, nil
}

// Status lists every migration with its state.
func (m *Migrator) Status(ctx context.Context) ([]*goose.MigrationStatus, error) {
	st, err := m.p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: status: %w", err)
	}
	return st, nil
}

// Pending reports whether migrations are waiting to be applied.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	ok, err := m.p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("db: pending: %w", err)
	}
	return ok, nil
}

// SchemaVersion reads the applied version through any connection, without a
// provider (for readiness checks and doctor on a read-only handle). A
// database that was never migrated is version 0.
func SchemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int64, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied = 1`).Scan(&v)
	if err != nil {
		return 0, err
	}
	return v.Int64, nil
}

// LatestVersion is the newest embedded migration's version.
func LatestVersion() int64 {
	entries, _ := fs.Glob(migrations, "migrations/*.sql")
	var latest int64
	for _, e := range entries {
		var v int64
		if _, err := fmt.Sscanf(e[len("migrations/"):], "%d_", &v); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}

// UpTo applies the pending migrations up to and including version (tests
// build older schemas with it).
func (m *Migrator) UpTo(ctx context.Context, version int64) ([]*goose.MigrationResult, error) {
	res, err := m.p.UpTo(ctx, version)
	if err != nil {
		return res, fmt.Errorf("db: migrate up to %d: %w", version, err)
	}
	return res, nil
}
