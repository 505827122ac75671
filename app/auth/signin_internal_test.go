package auth

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"testing"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/config"
	"medianest/app/secret"
	"medianest/db/dbtest"
)

func testService(t *testing.T) *Service {
	t.Helper()
	box, err := secret.NewBox(make([]byte, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{DB: dbtest.New(t), Box: box, Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func countSessions(t *testing.T, s *Service, userID int64) int {
	t.Helper()
	var n int
	if err := s.db.R.QueryRow(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An account disabled between the Plex sign-in's save and the session's
// transaction gets no session, cached or not.
func TestSignInRereadsUserStatus(t *testing.T) {
	t.Parallel()
	s := testService(t)
	ctx := context.Background()
	u, err := s.CreateLocalUser(ctx, "jane", "jane-password-1", "", principal.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	saved := *u // what the sign-in checked: active
	if err := s.SetStatus(ctx, "jane", principal.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/api/v1/auth/plex/verify", nil)
	err = s.signIn(rec, r, false, "plex", func(tx *sql.Tx) (principal.User, error) { return activeUser(ctx, tx, saved.ID) })
	if !apperr.Is(err, apperr.AccountDisabled) {
		t.Fatalf("sign-in of a disabled account: %v", err)
	}
	if n := countSessions(t, s, saved.ID); n != 0 || s.cache.Len() != 0 || len(rec.Result().Cookies()) != 0 {
		t.Errorf("disabled account got %d sessions, %d cached, cookies %v", n, s.cache.Len(), rec.Result().Cookies())
	}
}

// A session whose creation overlapped a revocation is not cached: the
// revocation may be about its user, so its first use reads the database.
func TestCreateSessionSkipsCacheAfterRevocation(t *testing.T) {
	t.Parallel()
	s := testService(t)
	ctx := context.Background()
	u, err := s.CreateLocalUser(ctx, "jane", "jane-password-1", "", principal.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/", nil)
	secretValue, _, err := s.createSession(ctx, r, false, func(tx *sql.Tx) (principal.User, error) {
		got, err := activeUser(ctx, tx, u.ID)
		// An admin's change to the user lands now, after it was read.
		s.evictUser(u.ID)
		return got, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.cache.Len() != 0 {
		t.Fatal("a session created across a revocation was cached")
	}
	// Its first use reads the database, and caches it from there.
	if _, ok, err := s.lookup(ctx, kindSession, secretValue, s.now()); !ok || err != nil {
		t.Fatalf("lookup: %v %v", ok, err)
	}
	if s.cache.Len() != 1 {
		t.Errorf("cache holds %d after a lookup", s.cache.Len())
	}
	// Without a revocation the new session is cached at once.
	if _, _, err := s.createSession(ctx, r, false, func(tx *sql.Tx) (principal.User, error) { return activeUser(ctx, tx, u.ID) }); err != nil {
		t.Fatal(err)
	}
	if s.cache.Len() != 2 {
		t.Errorf("cache holds %d, want 2", s.cache.Len())
	}
}

// Local sign-in checks the account again inside the session's transaction:
// disabled, or its password changed, after the password was checked.
func TestStampLoginRechecksAccount(t *testing.T) {
	t.Parallel()
	s := testService(t)
	ctx := context.Background()
	if _, err := s.CreateLocalUser(ctx, "jane", "jane-password-1", "", principal.RoleUser); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/api/v1/auth/login", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	signIn := func() error {
		u, checked, rehash, err := s.localSignIn(ctx, r, "jane", "jane-password-1")
		if err != nil {
			t.Fatal(err)
		}
		// What happens between the password check and the session.
		if err := s.SetStatus(ctx, "jane", principal.StatusDisabled); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.createSession(ctx, r, false, func(tx *sql.Tx) (principal.User, error) {
			return s.stampLogin(ctx, tx, u.ID, checked, rehash)
		})
		return err
	}
	if err := signIn(); !apperr.Is(err, apperr.AccountDisabled) {
		t.Fatalf("disabled meanwhile: %v", err)
	}
	u, _, _ := userByName(ctx, s.db.R, "jane")
	if n := countSessions(t, s, u.ID); n != 0 || u.LastLoginAt != nil {
		t.Errorf("disabled meanwhile: %d sessions, last login %v", n, u.LastLoginAt)
	}

	if err := s.SetStatus(ctx, "jane", principal.StatusActive); err != nil {
		t.Fatal(err)
	}
	u, checked, rehash, err := s.localSignIn(ctx, r, "jane", "jane-password-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.setPassword(ctx, u.ID, "another-password-1", 0); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.createSession(ctx, r, false, func(tx *sql.Tx) (principal.User, error) {
		return s.stampLogin(ctx, tx, u.ID, checked, rehash)
	})
	if !apperr.Is(err, apperr.InvalidCredentials) {
		t.Fatalf("password changed meanwhile: %v", err)
	}
	if n := countSessions(t, s, u.ID); n != 0 {
		t.Errorf("password changed meanwhile: %d sessions", n)
	}
	if _, _, _, err := s.localSignIn(ctx, r, "jane", "another-password-1"); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
}
