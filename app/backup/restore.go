package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"medianest/db"
)

// BeforeRestoreSuffix is appended to the database's name to keep the file a
// restore replaced.
const BeforeRestoreSuffix = ".before-restore"

// Restored says what a restore did.
type Restored struct {
	// From is the backup's schema version, To the version after migrating
	// (equal when nothing was migrated).
	From, To int64
	// Replaced is where the previous database now lies ("" when there was
	// none).
	Replaced string
	// Pending is true when the schema is older than this build needs and
	// migrating was not allowed.
	Pending bool
}

// Restore replaces the database at dbPath with the backup at src. The caller
// must hold the data directory's lock (db.LockDir): nothing may have the
// database open.
//
// The backup is verified first and nothing changes when it fails. It is
// copied beside dbPath and synced before anything is moved; then the current
// database, with its -wal and -shm files when present, is renamed to
// <dbPath>.before-restore (-wal, -shm), so it stays a consistent set that
// SQLite can open, and the copy is renamed into place. An older schema is
// then migrated forward when migrate is true.
func Restore(ctx context.Context, src, dbPath string, migrate bool) (Restored, error) {
	from, err := db.VerifyBackup(ctx, src)
	if err != nil {
		return Restored{}, fmt.Errorf("backup: %s is not a usable backup: %w", src, err)
	}
	dbPath, err = filepath.Abs(dbPath)
	if err != nil {
		return Restored{}, fmt.Errorf("backup: %w", err)
	}
	dir := filepath.Dir(dbPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Restored{}, fmt.Errorf("backup: %w", err)
	}
	tmp := dbPath + ".restoring"
	if err := copyPrivate(src, tmp); err != nil {
		os.Remove(tmp)
		return Restored{}, fmt.Errorf("backup: copy %s: %w", src, err)
	}
	out := Restored{From: from, To: from}
	if _, err := os.Stat(dbPath); err == nil {
		out.Replaced = dbPath + BeforeRestoreSuffix
		for _, ext := range []string{"", "-wal", "-shm"} {
			// An older kept set goes first, so its -wal cannot be
			// replayed into the newly kept file.
			if err := os.Remove(out.Replaced + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
				os.Remove(tmp)
				return Restored{}, fmt.Errorf("backup: %w", err)
			}
		}
		for _, ext := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dbPath+ext, out.Replaced+ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
				os.Remove(tmp)
				return Restored{}, fmt.Errorf("backup: keep the current database: %w", err)
			}
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return out, fmt.Errorf("backup: %w", err)
	}
	if err := db.SyncDir(dir); err != nil {
		return out, fmt.Errorf("backup: %w", err)
	}
	if from == db.LatestVersion() {
		return out, nil
	}
	if !migrate {
		out.Pending = true
		return out, nil
	}
	d, err := db.Open(ctx, dbPath)
	if err != nil {
		return out, err
	}
	defer d.Close()
	m, err := db.NewMigrator(d)
	if err != nil {
		return out, err
	}
	if _, err := m.Up(ctx); err != nil {
		return out, err
	}
	if out.To, _, err = m.Versions(ctx); err != nil {
		return out, err
	}
	return out, nil
}

func copyPrivate(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
