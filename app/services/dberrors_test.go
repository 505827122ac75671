package services_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"medianest/db"
)

// holdWriteLock takes the database's write lock from another connection, as
// a second process or a stuck writer would, until the test ends.
func holdWriteLock(t *testing.T, d *db.DB) {
	t.Helper()
	other, err := sql.Open("sqlite", "file:"+d.Path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		other.Close()
	})
}

// A locked or full database is a temporary 503 with a sentence, not a 500.
func TestPutWhileTheDatabaseCannotWrite(t *testing.T) {
	put := `{"url":"http://o:5055","apiKey":"k","enabled":true}`
	t.Run("locked", func(t *testing.T) {
		f := newFixture(t)
		// The writer's busy wait, shortened so the test does not wait 10 s.
		if _, err := f.db.W.Exec("PRAGMA busy_timeout = 100"); err != nil {
			t.Fatal(err)
		}
		holdWriteLock(t, f.db)
		code, env, body := f.do(t, "PUT", "/api/v1/admin/services/overseerr", put)
		if code != 503 || env.Error == nil || env.Error.Code != "SERVICE_UNAVAILABLE" || env.Error.Message == "" {
			t.Fatalf("locked: %d %s", code, body)
		}
	})
	t.Run("full", func(t *testing.T) {
		f := newFixture(t)
		var pages int
		if err := f.db.W.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.W.Exec("PRAGMA max_page_count = " + strconv.Itoa(pages)); err != nil {
			t.Fatal(err)
		}
		// A URL longer than a page needs pages the file may not grow.
		code, env, body := f.do(t, "PUT", "/api/v1/admin/services/overseerr",
			`{"url":"http://o:5055/`+strings.Repeat("a", 3*4096)+`","enabled":true}`)
		if code != 503 || env.Error == nil || env.Error.Code != "SERVICE_UNAVAILABLE" || env.Error.Message == "" {
			t.Fatalf("full: %d %s", code, body)
		}
	})
}
