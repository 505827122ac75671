// Package db opens MediaNest's SQLite database and runs its migrations. It is
// infrastructure only: each domain package keeps its own SQL.
//
// Writes go through one connection (W) whose transactions begin IMMEDIATE, so
// SQLite never sees two writers inside the process; another process can still
// hold the lock, and then a write fails as apperr.Unavailable. Reads go
// through a small read-only pool (R) that WAL lets run beside the writer.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"modernc.org/sqlite"
)

// DB is the pair of pools. Callers use Write for anything that changes data
// and R (or Read) for queries.
type DB struct {
	W    *sql.DB
	R    *sql.DB
	Path string
	// WriteTimeout bounds each Write (the wait for the writer connection and
	// the transaction) when the caller's context has no earlier deadline, so
	// a caller detached with context.WithoutCancel cannot wait forever behind
	// a stuck writer. Open sets DefaultWriteTimeout; zero means no bound.
	WriteTimeout time.Duration
}

// DefaultWriteTimeout is the WriteTimeout that Open sets: well above the
// busy_timeout a healthy write ever needs, well below a client's patience.
const DefaultWriteTimeout = 15 * time.Second

// pragmas in the order the design fixes; the driver applies busy_timeout
// first on every new connection.
var pragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
	"foreign_keys(ON)",
	"temp_store(MEMORY)",
}

func dsn(path string, extra ...string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Add(extra[i], extra[i+1])
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Open opens (creating if needed) the database at path with the writer and
// reader pools. The directory must exist. A new database file is created
// with mode 0600 whatever the umask and the directory's mode; SQLite gives
// its -wal and -shm files the database file's mode.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	if err := createPrivate(abs); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", dsn(abs, "_txlock", "immediate"))
	if err != nil {
		return nil, fmt.Errorf("db: open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The writer connects first so that the file exists and is in WAL mode
	// before any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open %s: %w", abs, friendly(err))
	}
	r, err := sql.Open("sqlite", dsn(abs, "_pragma", "query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open readers: %w", err)
	}
	n := max(4, 2*runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("db: open readers: %w", err)
	}
	return &DB{W: w, R: r, Path: abs, WriteTimeout: DefaultWriteTimeout}, nil
}

// OpenReadOnly opens an existing database without the ability to change it
// (doctor). It fails when the file does not exist.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	r, err := sql.Open("sqlite", dsn(abs, "_pragma", "query_only(1)", "mode", "ro"))
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", abs, err)
	}
	r.SetMaxOpenConns(1)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("db: open %s: %w", abs, friendly(err))
	}
	return &DB{W: r, R: r, Path: abs}, nil
}

// createPrivate creates the database file at path with mode 0600 unless it
// exists. SQLite would create it with 0644 less the umask, readable by every
// user when the data directory is.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("db: create %s: %w", path, err)
	}
	if err := f.Chmod(0o600); err != nil { // exactly 0600, whatever the umask took
		f.Close()
		return fmt.Errorf("db: create %s: %w", path, err)
	}
	return f.Close()
}

func friendly(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == 26 { // SQLITE_NOTADB
		return fmt.Errorf("the file is not a SQLite database: %w", err)
	}
	return err
}

// Write runs fn in an IMMEDIATE transaction on the writer connection. Inside
// fn use only tx: the writer has one connection, so any other call on W would
// wait for fn forever.
//
// The transaction is rolled back on every way out of fn that is not a
// commit, a panic included (the panic then goes on), so the writer is never
// left inside an open transaction. The wait for the writer and the
// transaction together are bounded by WriteTimeout unless ctx ends earlier.
// A full disk, a lock held past the busy timeout, or WriteTimeout running
// out comes back as apperr.Unavailable (a 503 with a sentence): the write
// may succeed later, and the client should hear that, not "internal error".
func (d *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	parent := ctx
	if d.WriteTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.WriteTimeout)
		defer cancel()
	}
	return unavailable(parent, ctx, d.write(ctx, fn))
}

func (d *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	// After a commit this is a no-op (sql.ErrTxDone).
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			// The driver reports an interrupted statement in its own words;
			// keep the reason so callers can tell a timeout from a bug.
			return fmt.Errorf("db: write: %w: %w", cerr, err)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// Close optimizes and closes both pools.
func (d *DB) Close() error {
	if d.W != d.R {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		d.W.ExecContext(ctx, "PRAGMA optimize")
		cancel()
	}
	err := d.W.Close()
	if d.R != d.W {
		if e := d.R.Close(); err == nil {
			err = e
		}
	}
	return err
}

// IsUnique reports whether err is a UNIQUE or PRIMARY KEY constraint failure.
func IsUnique(err error) bool {
	var se *sqlite.Error
	// SQLITE_CONSTRAINT_UNIQUE 2067, SQLITE_CONSTRAINT_PRIMARYKEY 1555
	return errors.As(err, &se) && (se.Code() == 2067 || se.Code() == 1555)
}

// Millis converts a time to the stored representation.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// Time converts a stored instant back to UTC.
func Time(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// NullTime converts a nullable stored instant; nil when NULL.
func NullTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := Time(n.Int64)
	return &t
}

// NullMillis converts an optional time for storage.
func NullMillis(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}
