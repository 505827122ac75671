package auth

import (
	"context"
	"database/sql"
	"net/http"

	"medianest/app/principal"
	"medianest/app/ratelimit"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

var errBadCredentials = apperr.New(apperr.InvalidCredentials, "The username or password is wrong.")

// localSignIn checks a username and password. An unknown user and a wrong
// password get the same error after the same work (a hash is checked against
// a dummy). Every check takes one of the client's auth.login_rate_limit
// attempts a minute, and one of the account's (see accountBurst), before any
// work, so concurrent guesses cannot all slip past the limits, and a correct
// password gives both back: only failures count. Only a correct password learns that an account is
// disabled. It returns the user, the password hash the password was checked
// against, and the rehash to store with the session, if any.
func (s *Service) localSignIn(ctx context.Context, r *http.Request, username, password string) (principal.User, string, string, error) {
	if !s.cfg.LocalLogin {
		return principal.User{}, "", "", apperr.New(apperr.Forbidden, "Sign-in with a username and password is turned off on this server.")
	}
	var fields []apperr.FieldError
	if username == "" {
		fields = append(fields, apperr.FieldError{Field: "username", Message: "is required"})
	}
	if password == "" {
		fields = append(fields, apperr.FieldError{Field: "password", Message: "is required"})
	}
	if len(fields) > 0 {
		return principal.User{}, "", "", apperr.Validation(fields...)
	}
	now := s.now()
	attempt, retry, ok := s.loginLimit.Take(ratelimit.ClientKey(httpx.ClientIP(r)), now)
	if !ok {
		return principal.User{}, "", "", rateLimited(retry, "failed sign-ins")
	}
	account, retry, ok := s.accountLimit.Take(accountKey(username), now)
	if !ok {
		// Not a failed sign-in of this address: no password was checked.
		attempt.Refund()
		return principal.User{}, "", "", limited(retry, "Too many %s for this account; try again in %d seconds.", "failed sign-ins")
	}
	u, hash, err := userByName(ctx, s.db.R, username)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return principal.User{}, "", "", err
	}
	ok, rehash := false, false
	if len(password) <= maxPasswordLength {
		ok, rehash, err = s.hasher.Verify(ctx, password, hash)
		if err != nil {
			return principal.User{}, "", "", err
		}
	}
	if !ok {
		e := actorEntry(r, nil, "auth.login_failed", "", "local: wrong username or password")
		e.ActorName = cutUTF8(username, 64)
		s.record(ctx, e)
		return principal.User{}, "", "", errBadCredentials
	}
	attempt.Refund()
	account.Refund()
	if !u.Active() {
		s.record(ctx, actorEntry(r, &u, "auth.login_failed", UserTarget(u.ID), "local: account disabled"))
		return principal.User{}, "", "", errDisabled
	}
	newHash := ""
	if rehash {
		if newHash, err = s.hasher.Hash(ctx, password); err != nil {
			return principal.User{}, "", "", err
		}
	}
	return u, hash, newHash, nil
}

// stampLogin runs inside the session's transaction: it re-reads the account,
// refusing the sign-in when it was disabled or its password changed since
// localSignIn checked checkedHash, then sets last_login_at (and a rehashed
// password) and returns the fresh user.
func (s *Service) stampLogin(ctx context.Context, tx *sql.Tx, id int64, checkedHash, newHash string) (principal.User, error) {
	cur, found, err := passwordHash(ctx, tx, id)
	if err != nil {
		return principal.User{}, err
	}
	if !found || cur != checkedHash {
		return principal.User{}, errBadCredentials
	}
	if err := stampLastLogin(ctx, tx, id, s.now(), newHash); err != nil {
		return principal.User{}, err
	}
	return activeUser(ctx, tx, id)
}

// activeUser reads a user inside the transaction that creates their
// session, and refuses one that is disabled: an admin may have disabled the
// account after the sign-in checked it, and that change must not be
// outlived by the new session.
func activeUser(ctx context.Context, tx *sql.Tx, id int64) (principal.User, error) {
	u, err := userByID(ctx, tx, id)
	if err != nil {
		return principal.User{}, err
	}
	if !u.Active() {
		return principal.User{}, errDisabled
	}
	return u, nil
}

// changePassword sets a local account's password after checking the
// current one, and ends the user's other sessions (keepSession survives).
func (s *Service) changePassword(ctx context.Context, r *http.Request, u *principal.User, keepSession int64, current, next string) error {
	if u.Provider != principal.ProviderLocal {
		return apperr.New(apperr.Invalid, "Your account signs in with Plex; change your password at plex.tv.")
	}
	if err := checkPassword("newPassword", next); err != nil {
		return err
	}
	attempt, retry, ok := s.loginLimit.Take(ratelimit.ClientKey(httpx.ClientIP(r)), s.now())
	if !ok {
		return rateLimited(retry, "failed password checks")
	}
	_, hash, err := userByName(ctx, s.db.R, u.Username)
	if err != nil {
		return err
	}
	ok = false
	if len(current) <= maxPasswordLength {
		if ok, _, err = s.hasher.Verify(ctx, current, hash); err != nil {
			return err
		}
	}
	if !ok {
		return apperr.Field("currentPassword", "is not your current password")
	}
	attempt.Refund()
	return s.setPassword(ctx, u.ID, next, keepSession)
}

// setPassword stores a new password hash and ends the user's sessions but
// keepSession (0: all of them).
func (s *Service) setPassword(ctx context.Context, id int64, password string, keepSession int64) error {
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	now := s.now()
	var epoch int64
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := setPasswordHash(ctx, tx, id, hash, now); err != nil {
			return err
		}
		epoch, err = deleteSessions(ctx, tx, id, keepSession, now)
		return err
	})
	if err != nil {
		return err
	}
	s.noteEpoch(epoch)
	s.evictUser(id)
	s.endStreams(id)
	return nil
}
