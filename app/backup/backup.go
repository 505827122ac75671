// Package backup makes, lists, prunes and restores copies of the database:
// on demand (the CLI and the admin API) and on a schedule (backup.interval,
// keeping backup.keep files in backup.dir). The copy itself is db.Backup.
//
// A backup holds the database only. The secret key that seals the stored
// service keys (security.secret_key_file, by default <data_dir>/secret.key)
// is a separate file and must be kept with the backups: without it a
// restored instance has its accounts and history but not its service keys.
package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"medianest/db"
)

// nameLayout is the time in the names of the files this package makes,
// e.g. medianest-20260301T100500.000Z.db. Sorting the names sorts by time.
const (
	namePrefix = "medianest-"
	nameSuffix = ".db"
	nameLayout = "20060102T150405.000Z"
)

// File is one backup in the backup directory.
type File struct {
	Name      string    `json:"name"`
	SizeBytes int64     `json:"sizeBytes"`
	CreatedAt time.Time `json:"createdAt"`
}

// Name is the file name of a backup made at t.
func Name(t time.Time) string {
	return namePrefix + t.UTC().Format(nameLayout) + nameSuffix
}

// parseName returns the time in a name made by Name; ok is false for any
// other file, which this package then never lists or deletes.
func parseName(name string) (time.Time, bool) {
	s, ok := strings.CutPrefix(name, namePrefix)
	if !ok {
		return time.Time{}, false
	}
	if s, ok = strings.CutSuffix(s, nameSuffix); !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(nameLayout, s)
	return t, err == nil
}

// Service makes backups of one database into one directory.
type Service struct {
	db   *db.DB
	dir  string
	keep int
	now  func() time.Time
	log  *slog.Logger
}

// New returns the backups of d in dir, keeping keep files when pruning
// (at least 1). now is the clock (time.Now when nil).
func New(d *db.DB, dir string, keep int, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, dir: dir, keep: max(keep, 1), now: now, log: log}
}

// Dir is the backup directory.
func (s *Service) Dir() string { return s.dir }

// Create makes a verified backup in the backup directory, creating the
// directory (private) when missing.
func (s *Service) Create(ctx context.Context) (File, error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return File{}, fmt.Errorf("backup: cannot create the backup directory %s (backup.dir): %w", s.dir, err)
	}
	at := s.now().UTC().Truncate(time.Millisecond)
	bf, err := s.db.Backup(ctx, filepath.Join(s.dir, Name(at)))
	if err != nil {
		return File{}, fmt.Errorf("backup: %w", err)
	}
	s.log.Info("backup: written", "path", bf.Path, "bytes", bf.SizeBytes, "took", bf.Took.Round(time.Millisecond).String())
	return File{Name: filepath.Base(bf.Path), SizeBytes: bf.SizeBytes, CreatedAt: at}, nil
}

// List returns the backups in the directory, newest first.
func (s *Service) List(context.Context) ([]File, error) { return List(s.dir) }

// List returns the backups that this package made in dir, newest first;
// other files are not listed. A missing dir has none.
func List(dir string) ([]File, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []File{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup: list %s: %w", dir, err)
	}
	out := []File{}
	for _, e := range ents {
		t, ok := parseName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, File{Name: e.Name(), SizeBytes: info.Size(), CreatedAt: t})
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(b.Name, a.Name) })
	return out, nil
}

// Prune deletes this package's backups beyond the newest keep and returns
// the names it deleted. Other files in the directory are left alone.
func (s *Service) Prune() ([]string, error) {
	files, err := List(s.dir)
	if err != nil {
		return nil, err
	}
	var gone []string
	for _, f := range files[min(s.keep, len(files)):] {
		if err := os.Remove(filepath.Join(s.dir, f.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return gone, fmt.Errorf("backup: prune: %w", err)
		}
		gone = append(gone, f.Name)
	}
	return gone, nil
}

// Run makes a backup and prunes the old ones on every tick until ctx ends or
// ticks is closed. A failed backup is logged and tried again at the next
// tick; it never prunes, so a run of failures cannot delete the good copies.
func (s *Service) Run(ctx context.Context, ticks <-chan time.Time) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-ticks:
			if !ok {
				return nil
			}
			s.once(ctx)
		}
	}
}

func (s *Service) once(ctx context.Context) {
	if _, err := s.Create(ctx); err != nil {
		if ctx.Err() == nil {
			failures.Inc()
			s.log.Error("backup: the scheduled backup failed", "dir", s.dir, "err", err)
		}
		return
	}
	gone, err := s.Prune()
	if err != nil {
		s.log.Warn("backup: could not delete old backups", "dir", s.dir, "err", err)
	}
	if len(gone) > 0 {
		s.log.Info("backup: deleted old backups", "count", len(gone), "keep", s.keep)
	}
}
