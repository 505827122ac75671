package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"medianest/db"
)

// This file is the SQL of the sessions and api_tokens tables.

// loadCredential reads a session or token and its user; nil when there is
// no such credential.
func loadCredential(ctx context.Context, q querier, kind uint8, h [32]byte) (*entry, error) {
	var r userRow
	e := &entry{kind: kind, h: h}
	var exp sql.NullInt64
	var seen sql.NullInt64
	var query string
	dest := []any{&e.id, &exp, &seen}
	if kind == kindSession {
		query = `SELECT s.id, s.expires_at, s.last_seen_at, s.remember, ` + userCols + `
			FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`
		dest = append(dest, &e.remember)
	} else {
		query = `SELECT t.id, t.expires_at, t.last_used_at, ` + userCols + `
			FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`
	}
	err := q.QueryRowContext(ctx, query, h[:]).Scan(append(dest, r.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: load session: %w", err)
	}
	e.user = r.user()
	e.expires.Store(exp.Int64)
	e.seen.Store(seen.Int64)
	return e, nil
}

// touchSession writes a session's last_seen_at and sliding expiry; it
// returns how many rows changed (0: the session is gone).
func touchSession(ctx context.Context, tx *sql.Tx, id, nowMs, expMs int64) (int64, error) {
	return affected(tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?`, nowMs, expMs, id))
}

// touchToken writes an API token's last_used_at; 0 when it is gone.
func touchToken(ctx context.Context, tx *sql.Tx, id, nowMs int64) (int64, error) {
	return affected(tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, nowMs, id))
}

func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// insertSession stores a new session and returns its id.
func insertSession(ctx context.Context, tx *sql.Tx, h [32]byte, userID int64, remember bool, ua, ip string, now, exp time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO sessions (token_hash, user_id, remember, user_agent, ip, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		h[:], userID, remember, ua, ip, db.Millis(now), db.Millis(now), db.Millis(exp))
	if err != nil {
		return 0, fmt.Errorf("auth: create session: %w", err)
	}
	return res.LastInsertId()
}

// trimSessions deletes a user's sessions beyond the keep most recently
// used live ones (expired ones go first) and returns their secrets' hashes.
func trimSessions(ctx context.Context, tx *sql.Tx, userID int64, keep int, now time.Time) ([][]byte, error) {
	rows, err := tx.QueryContext(ctx, `
		DELETE FROM sessions WHERE id IN (
			SELECT id FROM sessions WHERE user_id = ?
			ORDER BY expires_at > ? DESC, last_seen_at DESC, id DESC LIMIT -1 OFFSET ?)
		RETURNING token_hash`, userID, db.Millis(now), keep)
	if err != nil {
		return nil, fmt.Errorf("auth: end the oldest sessions: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("auth: end the oldest sessions: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: end the oldest sessions: %w", err)
	}
	return out, nil
}

// deleteSessionByHash deletes the session of a secret's hash, if any.
func deleteSessionByHash(ctx context.Context, tx *sql.Tx, h [32]byte) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, h[:])
	return err
}

// deleteUserSessions deletes a user's sessions but exceptID (0: all).
func deleteUserSessions(ctx context.Context, tx *sql.Tx, userID, exceptID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id != ?`, userID, exceptID)
	return err
}

// deleteOwnSession deletes session id if it is userID's and returns its
// secret's hash; sql.ErrNoRows when there is no such session of that user.
func deleteOwnSession(ctx context.Context, tx *sql.Tx, id, userID int64) ([]byte, error) {
	var h []byte
	err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE id = ? AND user_id = ? RETURNING token_hash`, id, userID).Scan(&h)
	return h, err
}

// deleteExpired deletes sessions expired by now and API tokens expired
// before tokensBefore, and returns how many went.
func deleteExpired(ctx context.Context, tx *sql.Tx, now, tokensBefore time.Time) (int64, error) {
	a, err := affected(tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, db.Millis(now)))
	if err != nil {
		return 0, err
	}
	b, err := affected(tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE expires_at IS NOT NULL AND expires_at <= ?`,
		db.Millis(tokensBefore)))
	return a + b, err
}

// listSessions returns a page of a user's live sessions, most recently
// used first, and how many there are.
func listSessions(ctx context.Context, q querier, userID int64, now time.Time, page, pageSize int) ([]SessionInfo, int64, error) {
	var total int64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = ? AND expires_at > ?`,
		userID, db.Millis(now)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("auth: count sessions: %w", err)
	}
	rows, err := q.QueryContext(ctx, `
		SELECT id, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions
		WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC, id DESC LIMIT ? OFFSET ?`,
		userID, db.Millis(now), pageSize, (page-1)*pageSize)
	if err != nil {
		return nil, 0, fmt.Errorf("auth: list sessions: %w", err)
	}
	defer rows.Close()
	out := []SessionInfo{}
	for rows.Next() {
		var si SessionInfo
		var created, seen, exp int64
		if err := rows.Scan(&si.ID, &created, &seen, &exp, &si.UserAgent, &si.IP); err != nil {
			return nil, 0, fmt.Errorf("auth: list sessions: %w", err)
		}
		si.CreatedAt, si.LastSeenAt, si.ExpiresAt = db.Time(created), db.Time(seen), db.Time(exp)
		out = append(out, si)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("auth: list sessions: %w", err)
	}
	return out, total, nil
}

// countTokens counts a user's API tokens.
func countTokens(ctx context.Context, q querier, userID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE user_id = ?`, userID).Scan(&n)
	return n, err
}

// insertToken stores an API token and returns its id.
func insertToken(ctx context.Context, tx *sql.Tx, userID int64, name string, h [32]byte, now time.Time, expires *time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		userID, name, h[:], db.Millis(now), db.NullMillis(expires))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// listTokens returns a user's API tokens, newest first.
func listTokens(ctx context.Context, q querier, userID int64) ([]Token, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT id, name, created_at, expires_at, last_used_at FROM api_tokens
		WHERE user_id = ? ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("auth: list tokens: %w", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created int64
		var exp, used sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Name, &created, &exp, &used); err != nil {
			return nil, fmt.Errorf("auth: list tokens: %w", err)
		}
		t.CreatedAt, t.ExpiresAt, t.LastUsedAt = db.Time(created), db.NullTime(exp), db.NullTime(used)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: list tokens: %w", err)
	}
	return out, nil
}

// deleteOwnToken deletes token id if it is userID's and returns its hash;
// sql.ErrNoRows when there is no such token of that user.
func deleteOwnToken(ctx context.Context, tx *sql.Tx, id, userID int64) ([]byte, error) {
	var h []byte
	err := tx.QueryRowContext(ctx, `DELETE FROM api_tokens WHERE id = ? AND user_id = ? RETURNING token_hash`, id, userID).Scan(&h)
	return h, err
}

// deleteUserTokens deletes every API token of a user.
func deleteUserTokens(ctx context.Context, tx *sql.Tx, userID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("auth: revoke tokens: %w", err)
	}
	return nil
}
