package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"

	"medianest/app/apperr"
)

// SQLite's primary result codes that mean "not now" rather than "a bug".
const (
	codeBusy   = 5  // SQLITE_BUSY: another connection holds the lock
	codeLocked = 6  // SQLITE_LOCKED: a table is locked inside this connection
	codeFull   = 13 // SQLITE_FULL: the disk (or max_page_count) is full
)

func code(err error) (int, bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return 0, false
	}
	return se.Code() & 0xff, true
}

// IsFull reports whether err is SQLITE_FULL: the disk holding the database
// has no room left.
func IsFull(err error) bool {
	c, ok := code(err)
	return ok && c == codeFull
}

// IsBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED: another
// connection (another process, or a stuck writer) held the lock past the
// busy timeout.
func IsBusy(err error) bool {
	c, ok := code(err)
	return ok && (c == codeBusy || c == codeLocked)
}

// unavailable turns the errors that mean the database cannot take a write
// now — full, locked past the busy timeout, or the write's own WriteTimeout
// running out while the caller still waits — into apperr.Unavailable, so
// they reach the client as a 503 with a sentence instead of a 500. Write
// applies it at its boundary; every other error passes through.
func unavailable(parent, ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case IsFull(err):
		return apperr.Wrap(apperr.Unavailable, err, "The server's disk is full, so nothing can be saved; ask the administrator to free some space.")
	case IsBusy(err),
		parent.Err() == nil && ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
		return apperr.Wrap(apperr.Unavailable, err, "The database is busy; try again in a moment.")
	}
	return err
}

// CanWrite checks that the writer can take the write lock within timeout:
// it begins an IMMEDIATE transaction and rolls it back. Readiness uses it,
// so a writer stuck behind a lock shows as not ready though reads answer.
func (d *DB) CanWrite(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: write check: %w", err)
	}
	if err := tx.Rollback(); err != nil {
		return fmt.Errorf("db: write check: %w", err)
	}
	return nil
}
