package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"medianest/db"
	"medianest/db/dbtest"
)

func insertAudit(ctx context.Context, d *db.DB, action string) error {
	return d.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (action, details, created_at) VALUES (?, ?, 1)`, action, strings.Repeat("x", 200))
		return err
	})
}

func TestBackupUnderWriteLoadHasEveryCommittedRow(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	// Some bulk first, so the copy takes long enough for writes to land
	// during it.
	// One statement, and no more rows than it takes: 20,000 separate
	// INSERTs under -race on a busy machine outran the writer's deadline.
	if err := d.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (action, details, created_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
			SELECT 'seed', ?, 1 FROM n`, strings.Repeat("y", 200))
		return err
	}); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	started := make(chan struct{}, 4)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := insertAudit(ctx, d, "load"); err != nil {
					errs <- err
					return
				}
				if n == 50 {
					started <- struct{}{}
				}
			}
		}()
	}
	for range 4 {
		<-started
	}

	var before, maxBefore int64
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*), MAX(id) FROM audit_log`).Scan(&before, &maxBefore); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "b.db")
	bf, err := d.Backup(ctx, dst)
	var after int64
	d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&after)
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("a writer failed during the backup: %v", e)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backup of %d rows: %d bytes in %v; %d rows were written during it", before, bf.SizeBytes, bf.Took, after-before)

	b, err := sql.Open("sqlite", "file:"+dst+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var ok string
	if err := b.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q, %v", ok, err)
	}
	var got, total int64
	if err := b.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE id <= ?), COUNT(*) FROM audit_log`, maxBefore).Scan(&got, &total); err != nil {
		t.Fatal(err)
	}
	if got != before || total < before {
		t.Fatalf("backup holds %d of the %d rows committed before it began (%d in all)", got, before, total)
	}
	if bf.SchemaVersion != db.LatestVersion() {
		t.Errorf("schema version %d, want %d", bf.SchemaVersion, db.LatestVersion())
	}
	st, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", st.Mode().Perm())
	}
	assertOnly(t, filepath.Dir(dst), "b.db")
}

// assertOnly fails unless dir holds exactly the named files.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("%s holds %v, want %v", dir, got, names)
	}
}

func TestBackupFailingVerificationLeavesNothing(t *testing.T) {
	ctx := context.Background()
	// A database that was never migrated holds no MediaNest schema: its
	// copy fails verification.
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.W.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err = d.Backup(ctx, filepath.Join(dir, "b.db"))
	if err == nil || !strings.Contains(err.Error(), "no MediaNest schema") {
		t.Fatalf("err = %v, want a verification failure", err)
	}
	assertOnly(t, dir)
}

func TestBackupRefusesAnExistingFile(t *testing.T) {
	d := dbtest.New(t)
	dst := filepath.Join(t.TempDir(), "b.db")
	if err := os.WriteFile(dst, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Backup(context.Background(), dst); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}
	if b, _ := os.ReadFile(dst); string(b) != "mine" {
		t.Fatalf("the existing file was changed: %q", b)
	}
	assertOnly(t, filepath.Dir(dst), "b.db")
}

func TestVerifyBackupRefusesWhatIsNotADatabase(t *testing.T) {
	p := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(p, []byte(strings.Repeat("not sqlite ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := db.VerifyBackup(context.Background(), p); err == nil {
		t.Fatal("a text file passed verification")
	}
	if _, err := db.VerifyBackup(context.Background(), p+".missing"); err == nil {
		t.Fatal("a missing file passed verification")
	}
}

func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	l, err := db.LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.LockDir(dir)
	if !errors.Is(err, db.ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("(pid %d)", os.Getpid())) || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("second lock: %v", err)
	}
	if err := db.CheckUnlocked(dir); err == nil {
		t.Fatal("CheckUnlocked passed while the lock is held")
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckUnlocked(dir); err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
}
