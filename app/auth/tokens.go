package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/httpx"
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

var errTokenManagesTokens = apperr.New(apperr.Forbidden,
	"API tokens can be created, listed and deleted only from a signed-in browser session, not with an API token.")

// cookieOnly lets h run only for a cookie session. The token endpoints use
// it: a token that could mint tokens would let whoever stole one keep access
// after it is revoked or expires.
func cookieOnly(h httpx.Handler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if p, ok := principalFrom(r.Context()); !ok || !p.viaCookie() {
			return errTokenManagesTokens
		}
		return h(w, r)
	}
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
		n, err := countTokens(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if n >= maxTokensPerUser {
			return apperr.New(apperr.Conflict, "You have %d API tokens, the most allowed; delete one first.", n)
		}
		t.ID, err = insertToken(ctx, tx, u.ID, name, h, now, t.ExpiresAt)
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
	return listTokens(ctx, s.db.R, userID)
}

// DeleteToken deletes one of a user's API tokens; NOT_FOUND when the token
// is not that user's, so nobody learns which ids exist.
func (s *Service) DeleteToken(ctx context.Context, userID, id int64) error {
	var h []byte
	err := s.db.Write(ctx, func(tx *sql.Tx) (err error) {
		h, err = deleteOwnToken(ctx, tx, id, userID)
		return err
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
