package db_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
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
	want := "api_tokens audit_log download_items download_turns downloads media_requests notifications service_checks service_configs sessions settings users users_search users_search_config users_search_data users_search_docsize users_search_idx"
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
	if got := len(tables(t, d)); got != 17 {
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
	exec := func(q string) {
		t.Helper()
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	count := func() int {
		t.Helper()
		var n int
		if err := d.R.QueryRow(`SELECT COUNT(*) FROM sessions WHERE user_id = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	exec(`INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (1, 'a', 'local', 0, 0)`)
	exec(`INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (x'00', 1, 0, 0, 0)`)
	if n := count(); n != 1 {
		t.Fatalf("sessions before user delete: %d, want 1", n)
	}
	exec(`DELETE FROM users WHERE id = 1`)
	if n := count(); n != 0 {
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
	if _, err := d.W.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, a); err != nil {
		t.Fatal(err)
	}
	if b := ins("b"); b == a {
		t.Fatalf("id %d was reused", a)
	}
}

// A panic inside a Write must not leave the only writer connection inside an
// open transaction: the next Write has to get it and commit.
func TestWriteRollsBackOnPanic(t *testing.T) {
	d := dbtest.New(t)
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Fatalf("recovered %v, want the panic of fn", v)
			}
		}()
		d.Write(context.Background(), func(tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO settings (key, value, updated_at) VALUES ('lost', 'x', 0)`); err != nil {
				t.Fatal(err)
			}
			panic("boom")
		})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := d.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO settings (key, value, updated_at) VALUES ('kept', 'y', 0)`)
		return err
	})
	if err != nil {
		t.Fatalf("Write after a panicking Write: %v", err)
	}
	var keys []string
	rows, err := d.R.Query(`SELECT key FROM settings WHERE key IN ('lost', 'kept')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, " ") != "kept" {
		t.Fatalf("settings = %v, want only the committed row", keys)
	}
}

// A caller that detached from cancellation (context.WithoutCancel) still
// gets an answer when the writer is held: a deadline error after
// WriteTimeout, not a wait for ever.
func TestWriteIsBoundedByWriteTimeout(t *testing.T) {
	d := dbtest.New(t)
	d.WriteTimeout = 100 * time.Millisecond
	held, err := d.W.Conn(context.Background()) // the writer's only connection
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- d.Write(context.WithoutCancel(ctx), func(tx *sql.Tx) error { return nil })
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Write with the writer held = %v, want a deadline error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Write with the writer held did not return")
	}
}

// A deadline of the caller's that is earlier than WriteTimeout still wins.
func TestWriteKeepsEarlierCallerDeadline(t *testing.T) {
	d := dbtest.New(t)
	held, err := d.W.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = d.Write(ctx, func(tx *sql.Tx) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Write = %v, want a deadline error", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("Write took %v with a 50ms caller deadline", el)
	}
}
