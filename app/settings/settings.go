// Package settings is the store of the settings table: small named facts
// that outlive a restart (the admin's notice, the auth epoch, the Plex client
// identifier). Each key belongs to the one package that defines its name;
// this package only stores text under it.
//
// Writes take the caller's transaction, so a setting can change atomically
// with the rows it describes (the auth epoch moves in the transaction that
// revokes sessions).
package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"medianest/db"
)

// Querier is what reads need: the reader pool or a transaction.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Get returns the value stored under key; ok is false when there is none.
func Get(ctx context.Context, q Querier, key string) (value string, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("settings: read %s: %w", key, err)
	}
	return value, true, nil
}

// Put stores value under key, replacing any earlier value.
func Put(ctx context.Context, tx *sql.Tx, key, value string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, db.Millis(now))
	if err != nil {
		return fmt.Errorf("settings: write %s: %w", key, err)
	}
	return nil
}

// PutIfAbsent stores value under key unless a value is already there, and
// returns the value that is stored. Two processes racing both get the
// winner's value.
func PutIfAbsent(ctx context.Context, tx *sql.Tx, key, value string, now time.Time) (string, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO NOTHING`, key, value, db.Millis(now)); err != nil {
		return "", fmt.Errorf("settings: write %s: %w", key, err)
	}
	v, _, err := Get(ctx, tx, key)
	return v, err
}

// Delete removes key; removing a missing key is not an error.
func Delete(ctx context.Context, tx *sql.Tx, key string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key); err != nil {
		return fmt.Errorf("settings: delete %s: %w", key, err)
	}
	return nil
}

// Increment adds one to the integer stored under key (a missing key counts
// as 0) and returns the new value.
func Increment(ctx context.Context, tx *sql.Tx, key string, now time.Time) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO settings (key, value, updated_at) VALUES (?, '1', ?)
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT), updated_at = excluded.updated_at
		RETURNING CAST(value AS INTEGER)`, key, db.Millis(now)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("settings: increment %s: %w", key, err)
	}
	return v, nil
}

// Int returns the integer stored under key, 0 when there is none.
func Int(ctx context.Context, q Querier, key string) (int64, error) {
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("settings: read %s: %w", key, err)
	}
	return v.Int64, nil
}
