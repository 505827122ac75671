package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/db"
)

// API tokens are "mn_" and 32 random bytes in base64url; the prefix lets
// secret scanners and people recognise one.
const tokenPrefix = "mn_"

var tokenLen = len(tokenPrefix) + secretLen

const (
	maxTokenDays     = 3650
	maxTokenName     = 100
	maxTokensPerUser = 100
)

// Token is an API token as listed; its secret is never shown again.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

// CreateToken makes an API token for user u and returns it with its secret,
// which exists nowhere else: only its SHA-256 is stored.
func (s *Service) CreateToken(ctx context.Context, u *principal.User, name string, expiresInDays *int) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxTokenName {
		return Token{}, "", apperr.Field("name", "must be 1 to 100 characters")
	}
	now := s.now()
	t := Token{Name: name, CreatedAt: db.Time(db.Millis(now))}
	if expiresInDays != nil {
		if *expiresInDays < 1 || *expiresInDays > maxTokenDays {
			return Token{}, "", apperr.Field("expiresInDays", "must be a whole number of days from 1 to 3650")
		}
		exp := db.Time(db.Millis(now.Add(time.Duration(*expiresInDays) * 24 * time.Hour)))
		t.ExpiresAt = &exp
	}
	secret := tokenPrefix + newSecret()
	h := hashSecret(secret)
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
			return err
		}
		if n >= maxTokensPerUser {
			return apperr.New(apperr.Conflict, "You have %d API tokens, the most allowed; delete one first.", n)
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			u.ID, name, h[:], db.Millis(now), db.NullMillis(t.ExpiresAt))
		if err != nil {
			return err
		}
		t.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		if apperr.KindOf(err) != apperr.Internal {
			return Token{}, "", err
		}
		return Token{}, "", fmt.Errorf("auth: create token: %w", err)
	}
	return t, secret, nil
}

// ListTokens returns a user's API tokens, newest first.
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	rows, err := s.db.R.QueryContext(ctx, `
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

// DeleteToken deletes one of a user's API tokens; NOT_FOUND when the token
// is not that user's, so nobody learns which ids exist.
func (s *Service) DeleteToken(ctx context.Context, userID, id int64) error {
	var h []byte
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM api_tokens WHERE id = ? AND user_id = ? RETURNING token_hash`, id, userID).Scan(&h)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "No such token.")
	}
	if err != nil {
		return fmt.Errorf("auth: delete token: %w", err)
	}
	if len(h) == 32 {
		s.evict([32]byte(h))
	}
	return nil
}
