package backup_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"medianest/app/backup"
	"medianest/db"
	"medianest/db/dbtest"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// clock returns a time that moves on a minute at every call.
func clock() func() time.Time {
	t := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Minute)
		return t
	}
}

func TestScheduleKeepsExactlyKeepFiles(t *testing.T) {
	d := dbtest.New(t)
	dir := filepath.Join(t.TempDir(), "backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Files the schedule did not make are never deleted.
	for _, n := range []string{"notes.txt", "medianest-manual.db", "medianest.db"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := backup.New(d, dir, 3, clock(), nil)
	ticks := make(chan time.Time)
	done := make(chan error)
	go func() { done <- s.Run(context.Background(), ticks) }()
	for range 5 {
		ticks <- time.Time{}
	}
	close(ticks) // Run returns once the last tick's backup and prune are done
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	files, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Name)
		if f.SizeBytes == 0 {
			t.Errorf("%s is empty", f.Name)
		}
	}
	want := []string{
		"medianest-20260301T100500.000Z.db",
		"medianest-20260301T100400.000Z.db",
		"medianest-20260301T100300.000Z.db",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
	all := names(t, dir)
	for _, n := range []string{"notes.txt", "medianest-manual.db", "medianest.db"} {
		if !slices.Contains(all, n) {
			t.Errorf("%s was deleted", n)
		}
	}
	if len(all) != 6 {
		t.Errorf("directory holds %v", all)
	}
	if files[0].CreatedAt != time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC) {
		t.Errorf("createdAt %v", files[0].CreatedAt)
	}
}

func TestListOfAMissingDirectoryIsEmpty(t *testing.T) {
	files, err := backup.List(filepath.Join(t.TempDir(), "none"))
	if err != nil || files == nil || len(files) != 0 {
		t.Fatalf("List = %v, %v", files, err)
	}
}

func count(t *testing.T, path, table string) int {
	t.Helper()
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n int
	if err := c.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func addAudit(t *testing.T, d *db.DB, action string) {
	t.Helper()
	if err := d.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO audit_log (action, created_at) VALUES (?, 1)`, action)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreOlderSchemaMigratesAndKeepsTheReplacedFile(t *testing.T) {
	ctx := context.Background()
	// A backup made by a build whose newest migration was 00001.
	old, err := db.Open(ctx, filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.NewMigrator(old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	addAudit(t, old, "from the backup")
	bdir := t.TempDir()
	bf, err := old.Backup(ctx, filepath.Join(bdir, "old-backup.db"))
	old.Close()
	if err != nil {
		t.Fatal(err)
	}
	if bf.SchemaVersion != 1 {
		t.Fatalf("backup schema version %d", bf.SchemaVersion)
	}

	// The current database, with rows of its own.
	dataDir := t.TempDir()
	dbPath := filepath.Join(dataDir, "medianest.db")
	cur, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := db.NewMigrator(cur); err != nil {
		t.Fatal(err)
	} else if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	addAudit(t, cur, "current 1")
	addAudit(t, cur, "current 2")
	cur.Close()

	res, err := backup.Restore(ctx, bf.Path, dbPath, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.From != 1 || res.To != db.LatestVersion() || res.Pending {
		t.Fatalf("restore = %+v, want from 1 to %d", res, db.LatestVersion())
	}
	if res.Replaced != dbPath+".before-restore" {
		t.Fatalf("replaced = %q", res.Replaced)
	}
	if n := count(t, dbPath, "audit_log"); n != 1 {
		t.Fatalf("restored database has %d audit rows, want 1", n)
	}
	if n := count(t, res.Replaced, "audit_log"); n != 2 {
		t.Fatalf("kept database has %d audit rows, want 2", n)
	}
	if v, err := db.VerifyBackup(ctx, dbPath); err != nil || v != db.LatestVersion() {
		t.Fatalf("restored database: version %d, %v", v, err)
	}
	if st, err := os.Stat(dbPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("restored database mode: %v %v", st, err)
	}
}

func TestRestoreOfABadFileChangesNothing(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	dbPath := filepath.Join(dataDir, "medianest.db")
	if err := os.WriteFile(dbPath, []byte("current"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(bad, []byte(strings.Repeat("garbage ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, bad, dbPath, true); err == nil || !strings.Contains(err.Error(), "not a usable backup") {
		t.Fatalf("err = %v", err)
	}
	if got := names(t, dataDir); !slices.Equal(got, []string{"medianest.db"}) {
		t.Fatalf("data dir holds %v", got)
	}
	if b, _ := os.ReadFile(dbPath); string(b) != "current" {
		t.Fatal("the current database was changed")
	}
}
