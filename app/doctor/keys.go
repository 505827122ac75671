package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"medianest/app/backup"
	"medianest/app/config"
	"medianest/app/secret"
	"medianest/app/services"
	"medianest/db"
)

// checkServiceKeys opens every stored service key with the configured
// secret key. A key sealed with another one (secret.key lost, replaced or
// not restored with a backup) is a FAIL: the service it belongs to cannot
// work until the old key is back or the key is entered again.
func checkServiceKeys(ctx context.Context, cfg config.Config) Result {
	if _, err := os.Stat(cfg.DatabasePath()); errors.Is(err, fs.ErrNotExist) {
		return skip("there is no database yet")
	}
	raw := cfg.Security.SecretKey
	if raw == "" {
		b, err := os.ReadFile(cfg.SecretKeyPath())
		if errors.Is(err, fs.ErrNotExist) {
			return skip("there is no secret key yet (see secret_key)")
		}
		if err != nil {
			return skip("the secret key cannot be read (see secret_key)")
		}
		raw = string(b)
	}
	key, err := secret.ParseKey(raw)
	if err != nil {
		return skip("the secret key cannot be used (see secret_key)")
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return skip("the secret key cannot be used (see secret_key)")
	}
	d, err := db.OpenReadOnly(ctx, cfg.DatabasePath())
	if err != nil {
		return skip("the database cannot be opened (see database)")
	}
	defer d.Close()
	names, err := services.NewStore(d, box, nil).Unreadable(ctx)
	if err != nil {
		return skip("the service settings cannot be read: %v", err)
	}
	if len(names) > 0 {
		return fail("the stored keys were sealed with another secret key: restore the old key or re-enter the keys in Admin → Services (%s)", strings.Join(names, ", "))
	}
	return pass("every stored service key opens with the secret key")
}

// checkBackup reports the backup schedule and warns when the secret key,
// which no backup contains, exists only inside the data directory.
func checkBackup(cfg config.Config) Result {
	dir := cfg.BackupDir()
	files, err := backup.List(dir)
	if err != nil {
		return warn("the backup directory %s (backup.dir) cannot be read: %v", dir, err)
	}
	have := "no backup yet"
	if len(files) > 0 {
		have = fmt.Sprintf("%d backups, the newest from %s", len(files), files[0].CreatedAt.Format("2006-01-02 15:04 MST"))
	}
	if cfg.Security.SecretKey == "" && inside(cfg.SecretKeyPath(), cfg.Data.Dir) {
		key, _ := filepath.Abs(cfg.SecretKeyPath())
		return warn("the secret key %s is only inside the data directory and is not in the backups; keep a copy of it with the backups, or they cannot restore the stored service keys (%s in %s)", key, have, dir)
	}
	if cfg.Backup.Interval.D() <= 0 {
		return warn("scheduled backups are off (backup.interval = \"0\"); %s in %s", have, dir)
	}
	return pass("a backup every %s into %s, keeping %d; %s", cfg.Backup.Interval.D(), dir, cfg.Backup.Keep, have)
}

// inside reports whether path lies in dir.
func inside(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
