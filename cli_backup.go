package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"medianest/app/backup"
	"medianest/app/config"
	"medianest/db"
)

func (e *env) backupCommand(configFlag cli.Flag) *cli.Command {
	flags := []cli.Flag{configFlag, &cli.StringFlag{Name: "data-dir", Usage: "the data `DIR` (data.dir)"}}
	return &cli.Command{
		Name:  "backup",
		Usage: "back the database up, list the backups, or restore one",
		Subcommands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "write a verified copy of the database (works while the server runs); into backup.dir unless PATH is given",
				ArgsUsage: "[PATH]",
				Flags:     flags,
				Action: func(c *cli.Context) error {
					if c.NArg() > 1 {
						return usage(c, errors.New("usage: medianest backup create [PATH]"))
					}
					cfg, err := e.prepare(c, false, false)
					if err != nil {
						return err
					}
					return e.backupCreate(c.Context, cfg, c.Args().First())
				},
			},
			{
				Name:  "list",
				Usage: "list the backups in backup.dir",
				Flags: flags,
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usage(c, errors.New("backup list takes no arguments"))
					}
					cfg, err := loadConfig(c)
					if err != nil {
						return err
					}
					files, err := backup.List(cfg.BackupDir())
					if err != nil {
						return err
					}
					if len(files) == 0 {
						fmt.Fprintf(e.stdout, "No backups in %s.\n", cfg.BackupDir())
						return nil
					}
					fmt.Fprintf(e.stdout, "%-36s %12s  %s\n", "NAME", "BYTES", "CREATED")
					for _, f := range files {
						fmt.Fprintf(e.stdout, "%-36s %12d  %s\n", f.Name, f.SizeBytes, f.CreatedAt.Format(time.RFC3339))
					}
					return nil
				},
			},
			{
				Name:      "restore",
				Usage:     "replace the database with a backup (the server must be stopped); the replaced file is kept as medianest.db.before-restore",
				ArgsUsage: "PATH",
				Flags:     flags,
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usage(c, errors.New("usage: medianest backup restore PATH"))
					}
					// A restore may fill an empty data directory.
					cfg, err := e.prepare(c, true, false)
					if err != nil {
						return err
					}
					return e.backupRestore(c.Context, cfg, c.Args().First())
				},
			},
		},
		Action: func(c *cli.Context) error {
			return usage(c, errors.New("backup needs a subcommand: create, list or restore"))
		},
	}
}

// keyReminder says where the secret key is and that it belongs with the
// backups, which do not contain it.
func keyReminder(cfg config.Config) string {
	if cfg.Security.SecretKey != "" {
		return "Keep the secret key (security.secret_key in the configuration) with your backups: without it the stored service keys cannot be read."
	}
	p, _ := filepath.Abs(cfg.SecretKeyPath())
	return fmt.Sprintf("Keep the secret key %s with your backups: it is not in them, and without it the stored service keys cannot be read.", p)
}

// backupCreate copies the database as it is (prepare made sure there is
// one): it does not migrate first, so a backup taken before an upgrade holds
// the old schema untouched.
func (e *env) backupCreate(ctx context.Context, cfg config.Config, dst string) error {
	d, err := db.Open(ctx, cfg.DatabasePath())
	if err != nil {
		return err
	}
	defer d.Close()
	if dst == "" {
		if err := os.MkdirAll(cfg.BackupDir(), 0o700); err != nil {
			return fmt.Errorf("cannot create the backup directory %s (backup.dir): %w", cfg.BackupDir(), err)
		}
		dst = cfg.BackupDir()
	}
	if st, err := os.Stat(dst); err == nil && st.IsDir() {
		dst = filepath.Join(dst, backup.Name(time.Now()))
	}
	bf, err := d.Backup(ctx, dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Backup written to %s (%d bytes, schema version %d).\n%s\n", bf.Path, bf.SizeBytes, bf.SchemaVersion, keyReminder(cfg))
	return nil
}

func (e *env) backupRestore(ctx context.Context, cfg config.Config, src string) error {
	lock, err := db.LockDir(cfg.Data.Dir)
	if err != nil {
		if errors.Is(err, db.ErrLocked) {
			return fmt.Errorf("cannot restore: %w", err)
		}
		return err
	}
	defer lock.Unlock()
	res, err := backup.Restore(ctx, src, cfg.DatabasePath(), cfg.Database.AutoMigrate)
	if err != nil {
		return err
	}
	dbPath, _ := filepath.Abs(cfg.DatabasePath())
	fmt.Fprintf(e.stdout, "Restored %s to %s (schema version %d", src, dbPath, res.From)
	if res.To != res.From {
		fmt.Fprintf(e.stdout, ", migrated to %d", res.To)
	}
	fmt.Fprintln(e.stdout, ").")
	if res.Replaced != "" {
		fmt.Fprintf(e.stdout, "The replaced database is kept as %s.\n", res.Replaced)
	}
	if res.Pending {
		fmt.Fprintf(e.stdout, "The schema is older than this MediaNest needs; run `medianest migrate up` (database.auto_migrate is false).\n")
	}
	if cfg.Security.SecretKey == "" {
		if _, err := os.Stat(cfg.SecretKeyPath()); errors.Is(err, fs.ErrNotExist) {
			p, _ := filepath.Abs(cfg.SecretKeyPath())
			fmt.Fprintf(e.stderr, "medianest: there is no secret key at %s; copy the key that was in use when the backup was made there before starting the server, or the stored service keys cannot be read (re-enter them in Admin → Services).\n", p)
		}
	}
	return nil
}
