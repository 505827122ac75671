package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// BackupFile is a verified copy of the database.
type BackupFile struct {
	Path          string
	SizeBytes     int64
	CreatedAt     time.Time
	SchemaVersion int64
	// Took is how long the copy and its verification took.
	Took time.Duration
}

// Backup writes an online, consistent copy of the database to dst, which
// must not exist yet, and returns it only once it has been verified.
//
// The copy is made by VACUUM INTO on a connection of its own: the read-only
// pool cannot run it (query_only refuses it) and the writer must stay free,
// because VACUUM INTO reads one snapshot for the whole copy and writers in
// WAL mode go on beside it. The copy goes to a hidden temporary name in
// dst's directory, is checked (integrity_check, a schema this build knows),
// synced to disk and only then linked to dst, so a reader of the directory
// never sees a half-written or unverified backup. On any failure nothing is
// left behind.
func (d *DB) Backup(ctx context.Context, dst string) (BackupFile, error) {
	start := time.Now()
	dst, err := filepath.Abs(dst)
	if err != nil {
		return BackupFile{}, fmt.Errorf("db: backup: %w", err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return BackupFile{}, fmt.Errorf("db: backup: %s already exists", dst)
	}
	tmp, err := tempFile(filepath.Dir(dst), filepath.Base(dst))
	if err != nil {
		return BackupFile{}, fmt.Errorf("db: backup: %w", err)
	}
	defer os.Remove(tmp) // a no-op once linked and removed below

	if err := d.vacuumInto(ctx, tmp); err != nil {
		return BackupFile{}, err
	}
	version, err := VerifyBackup(ctx, tmp)
	if err != nil {
		return BackupFile{}, err
	}
	if err := syncFile(tmp); err != nil {
		return BackupFile{}, fmt.Errorf("db: backup: %w", err)
	}
	// Link, not rename: it refuses to replace a file that appeared at dst
	// meanwhile.
	if err := os.Link(tmp, dst); err != nil {
		return BackupFile{}, fmt.Errorf("db: backup: %w", err)
	}
	os.Remove(tmp)
	if err := SyncDir(filepath.Dir(dst)); err != nil {
		return BackupFile{}, fmt.Errorf("db: backup: %w", err)
	}
	st, err := os.Stat(dst)
	if err != nil {
		return BackupFile{}, fmt.Errorf("db: backup: %w", err)
	}
	return BackupFile{Path: dst, SizeBytes: st.Size(), CreatedAt: st.ModTime().UTC(), SchemaVersion: version, Took: time.Since(start)}, nil
}

// vacuumInto copies the database into the empty file at path through a
// dedicated read-write connection that is closed afterwards.
func (d *DB) vacuumInto(ctx context.Context, path string) error {
	c, err := sql.Open("sqlite", dsn(d.Path))
	if err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("db: backup: vacuum into %s: %w", path, err)
	}
	return nil
}

// VerifyBackup opens the file at path read-only and checks that it is a
// sound MediaNest database: integrity_check answers "ok" and its schema
// version is one this build knows (at least the first migration, at most
// the newest embedded one). It returns that version.
func VerifyBackup(ctx context.Context, path string) (int64, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, fmt.Errorf("db: verify: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		return 0, fmt.Errorf("db: verify: %w", err)
	}
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "busy_timeout(5000)")
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}
	c, err := sql.Open("sqlite", u.String())
	if err != nil {
		return 0, fmt.Errorf("db: verify %s: %w", abs, err)
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	var res string
	if err := c.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return 0, fmt.Errorf("db: verify %s: %w", abs, friendly(err))
	}
	if res != "ok" {
		return 0, fmt.Errorf("db: verify %s: integrity_check reports %q", abs, res)
	}
	v, err := SchemaVersion(ctx, c)
	if err != nil {
		return 0, fmt.Errorf("db: verify %s: %w", abs, err)
	}
	if v < 1 {
		return 0, fmt.Errorf("db: verify %s: it holds no MediaNest schema (no migration applied)", abs)
	}
	if latest := LatestVersion(); v > latest {
		return 0, fmt.Errorf("db: verify %s: its schema (version %d) is newer than this MediaNest knows (version %d)", abs, v, latest)
	}
	return v, nil
}

// tempFile creates an empty, private file with a hidden name beside name in
// dir. VACUUM INTO accepts an empty file and keeps its mode, so the copy is
// never readable by other users, whatever the umask.
func tempFile(dir, name string) (string, error) {
	var b [6]byte
	rand.Read(b[:])
	p := filepath.Join(dir, "."+name+".tmp-"+hex.EncodeToString(b[:]))
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(p)
		return "", err
	}
	return p, f.Close()
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SyncDir makes a rename or link in dir durable (fsync of the directory).
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}
