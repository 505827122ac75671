package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"medianest/app/config"
	"medianest/app/doctor"
	"medianest/app/secret"
	"medianest/db"
)

// Data is an instance's data opened for use: the database with its schema
// current, and the box that seals secrets with the instance's key. The server
// and the administration commands open it the same way.
type Data struct {
	DB  *db.DB
	Box *secret.Box
	// KeyCreated says that no secret key existed and one was generated;
	// it has to be backed up with the database.
	KeyCreated bool
}

// Close closes the database.
func (d *Data) Close() error { return d.DB.Close() }

// Open creates the data directory, loads the secret key (generating it on
// first run) and opens the database, applying pending migrations when
// database.auto_migrate allows. It refuses a schema older than this build
// needs when it may not migrate, and one newer than it knows, since both
// would fail later in less obvious ways. A data directory, database or
// secret file that other users may open is logged as a warning.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Data, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Data.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the data directory %s: %w", cfg.Data.Dir, err)
	}
	key, created, err := secret.LoadKey(cfg.Security.SecretKey, cfg.Security.SecretKeyFile, cfg.SecretKeyPath())
	if err != nil {
		return nil, err
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, err
	}
	d, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := current(ctx, d, cfg.Database.AutoMigrate, log); err != nil {
		d.Close()
		return nil, err
	}
	// Said at every start, not only by doctor: nobody runs doctor daily.
	for _, p := range doctor.LoosePermissions(cfg) {
		log.Warn("permissions: " + p)
	}
	return &Data{DB: d, Box: box, KeyCreated: created}, nil
}

// OpenDatabase opens the database file, creating its directory, and leaves
// the schema as it is (for `medianest migrate`).
func OpenDatabase(ctx context.Context, cfg config.Config) (*db.DB, error) {
	path := cfg.DatabasePath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the database directory: %w", err)
	}
	return db.Open(ctx, path)
}

// current brings the schema up to this build's version when migrate is set
// and refuses it otherwise.
func current(ctx context.Context, d *db.DB, migrate bool, log *slog.Logger) error {
	m, err := db.NewMigrator(d)
	if err != nil {
		return err
	}
	cur, target, err := m.Versions(ctx)
	if err != nil {
		return err
	}
	if cur > target {
		return fmt.Errorf("the database schema (version %d) is newer than this MediaNest knows (version %d); run the newer MediaNest or restore a backup", cur, target)
	}
	if cur == target {
		return nil
	}
	if !migrate {
		return fmt.Errorf("the database schema is at version %d but this MediaNest needs version %d; run `medianest migrate up` (database.auto_migrate is false)", cur, target)
	}
	res, err := m.Up(ctx)
	if err != nil {
		return err
	}
	for _, r := range res {
		log.Info("migrated", "migration", r.Source.Path, "duration", r.Duration)
	}
	return nil
}
