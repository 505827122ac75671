package db_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"medianest/db"
	"medianest/db/dbtest"
)

func tables(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.R.Query(`SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name != 'goose_db_version' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

func TestMigrationsUpDownUp(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m, err := db.NewMigrator(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	want := "api_tokens audit_log download_items downloads media_requests notifications service_checks service_configs sessions settings users"
	if got := strings.Join(tables(t, d), " "); got != want {
		t.Fatalf("tables after up = %q, want %q", got, want)
	}
	cur, target, err := m.Versions(ctx)
	if err != nil || cur != target || cur != db.LatestVersion() {
		t.Fatalf("versions = %d %d %v, latest %d", cur, target, err, db.LatestVersion())
	}
	for {
		if _, err := m.Down(ctx); err != nil {
			break
		}
	}
	if got := tables(t, d); len(got) != 0 {
		t.Fatalf("tables after down = %v", got)
	}
	if v, _ := db.SchemaVersion(ctx, d.R); v != 0 {
		t.Fatalf("version after down = %d", v)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(tables(t, d)); got != 11 {
		t.Fatalf("tables after second up = %d", got)
	}
	if _, err := m.Redo(ctx); err != nil {
		t.Fatalf("redo: %v", err)
	}
}

func TestPragmasAndPools(t *testing.T) {
	d := dbtest.New(t)
	var mode string
	if err := d.R.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q %v", mode, err)
	}
	var fk int
	d.W.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
	if fk != 1 {
		t.Fatalf("foreign_keys = %d", fk)
	}
	var bt int
	d.W.QueryRow(`PRAGMA busy_timeout`).Scan(&bt)
	if bt != 10000 {
		t.Fatalf("busy_timeout = %d", bt)
	}
	if _, err := d.R.Exec(`INSERT INTO settings (key, value, updated_at) VALUES ('x', 'y', 0)`); err == nil {
		t.Fatal("reader pool accepted a write")
	}
}

func TestForeignKeyCascade(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	_, err := d.W.ExecContext(ctx, `INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (1, 'a', 'local', 0, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	d.W.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (x'00', 1, 0, 0, 0)`)
	d.W.ExecContext(ctx, `DELETE FROM users WHERE id = 1`)
	var n int
	d.R.QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n)
	if n != 0 {
		t.Fatalf("sessions left after user delete: %d", n)
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	if _, err := db.OpenReadOnly(context.Background(), filepath.Join(t.TempDir(), "nope.db")); err == nil {
		t.Fatal("OpenReadOnly of a missing file succeeded")
	}
}

// A deleted account's id is never given to the next one: links, streams and
// caches that still name the old id must not reach someone else.
func TestIDsAreNotReused(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	ins := func(name string) int64 {
		res, err := d.W.ExecContext(ctx, `INSERT INTO users (username, provider, created_at, updated_at) VALUES (?, 'local', 0, 0)`, name)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	a := ins("a")
	d.W.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, a)
	if b := ins("b"); b == a {
		t.Fatalf("id %d was reused", a)
	}
}
