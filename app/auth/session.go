package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"medianest/app/principal"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/httpx"
)

var (
	cacheHits   = metrics.NewCounter("medianest_session_cache_hits_total")
	cacheMisses = metrics.NewCounter("medianest_session_cache_misses_total")
)

// CookieName is the session cookie.
const CookieName = "medianest_session"

// touchEvery bounds how often one session writes last_seen_at (and its
// sliding expiry), or one API token last_used_at.
const touchEvery = time.Minute

const (
	kindSession uint8 = iota + 1
	kindToken
)

// secretLen is the length of a session secret: 32 random bytes, base64url.
var secretLen = base64.RawURLEncoding.EncodedLen(32)

// entry is what a session or API token proves, as cached. user is a copy
// taken when the entry was loaded; every change to a user evicts that
// user's entries, and the cache TTL (counted from filled) bounds how stale a
// copy can get when another process changed the row.
type entry struct {
	kind     uint8 // 0 only for contexts made by principal.WithUser
	id       int64
	remember bool
	h        [32]byte // the SHA-256 of the secret, the cache key
	user     principal.User
	// expires is the unix-millisecond expiry (0: an API token that never
	// expires); seen is when last_seen_at/last_used_at was last written.
	expires atomic.Int64
	seen    atomic.Int64
	// filled is when the entry was put in the cache (unix milliseconds),
	// set before it is shared.
	filled int64
	// userJSON is user encoded, built on first use: an entry's user never
	// changes, so GET /auth/session encodes it once, not per request.
	userJSON atomic.Pointer[[]byte]
}

func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashSecret hashes a session or token secret. Secrets are short, so they
// are copied to the stack instead of converted to a heap []byte.
func hashSecret(s string) [32]byte {
	var buf [64]byte
	if len(s) <= len(buf) {
		n := copy(buf[:], s)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(s))
}

func (s *Service) ttl(remember bool) time.Duration {
	if remember {
		return s.cfg.RememberTTL.D()
	}
	return s.cfg.SessionTTL.D()
}

// lookup resolves a secret of the given kind. A cache hit reads no
// database; a miss reads one row and fills the cache. ok is false for an
// unknown, expired or disabled credential.
func (s *Service) lookup(ctx context.Context, kind uint8, secret string, now time.Time) (e *entry, ok bool, err error) {
	h := hashSecret(secret)
	nowMs := now.UnixMilli()
	if e, hit := s.cache.Get(h); hit && e.kind == kind && s.fresh(e, nowMs) {
		cacheHits.Inc()
		if exp := e.expires.Load(); (exp != 0 && exp <= nowMs) || !e.user.Active() {
			s.cache.Remove(h)
			return nil, false, nil
		}
		return e, true, nil
	}
	cacheMisses.Inc()
	s.fillMu.Lock()
	gen := s.gen
	s.fillMu.Unlock()
	e, err = s.load(ctx, kind, h)
	if err != nil || e == nil {
		return nil, false, err
	}
	if exp := e.expires.Load(); (exp != 0 && exp <= nowMs) || !e.user.Active() {
		return nil, false, nil
	}
	s.fill(gen, e, nowMs)
	return e, true, nil
}

// fresh reports whether a cached entry is younger than the cache TTL. An
// older one is dropped: the caller reads the database instead.
func (s *Service) fresh(e *entry, nowMs int64) bool {
	if nowMs >= e.filled && nowMs-e.filled < s.cacheTTL.Milliseconds() {
		return true
	}
	s.cache.Remove(e.h)
	return false
}

// fill caches e, read at generation gen, unless a revocation happened since.
func (s *Service) fill(gen uint64, e *entry, nowMs int64) {
	e.filled = nowMs
	s.fillMu.Lock()
	if s.gen == gen {
		s.cache.Add(e.h, e)
	}
	s.fillMu.Unlock()
}

// load reads a session or token and its user from the read pool; nil when
// there is no such credential.
func (s *Service) load(ctx context.Context, kind uint8, h [32]byte) (*entry, error) {
	return loadCredential(ctx, s.db.R, kind, h)
}

// touch writes last_seen_at and the sliding expiry of a session (or
// last_used_at of a token) at most once per touchEvery. It reports false
// when the row is gone: another process revoked it behind the cache.
func (s *Service) touch(ctx context.Context, e *entry, now time.Time) (refreshed, alive bool) {
	nowMs := now.UnixMilli()
	seen := e.seen.Load()
	if nowMs-seen < touchEvery.Milliseconds() || !e.seen.CompareAndSwap(seen, nowMs) {
		return false, true
	}
	ctx = context.WithoutCancel(ctx)
	var n int64
	var exp int64
	err := s.db.Write(ctx, func(tx *sql.Tx) (err error) {
		if e.kind == kindSession {
			exp = now.Add(s.ttl(e.remember)).UnixMilli()
			n, err = touchSession(ctx, tx, e.id, nowMs, exp)
		} else {
			n, err = touchToken(ctx, tx, e.id, nowMs)
		}
		return err
	})
	if err != nil {
		// Not worth failing the request: the next touch tries again.
		httpx.Logger(ctx).Warn("auth: could not record session activity", "err", err)
		e.seen.Store(seen)
		return false, true
	}
	if n == 0 {
		s.evict(e.h)
		return false, false
	}
	if e.kind == kindSession {
		e.expires.Store(exp)
		return true, true
	}
	return false, true
}

// createSession stores a new session and caches it (database first, then
// cache). prepare runs in the same transaction and returns the user the
// session is for, read inside it, so a sign-in's own writes (last_login_at, a
// rehash) and the session land together, and a change to the user committed
// before them is seen. The session is cached only when no revocation
// happened while it was being created: one that did may concern this user,
// and the first request then reads the database instead. A user holds at
// most auth.max_sessions_per_user sessions: the least recently used beyond
// it end in the same transaction.
func (s *Service) createSession(ctx context.Context, r *http.Request, remember bool, prepare func(tx *sql.Tx) (principal.User, error)) (string, *entry, error) {
	secret := newSecret()
	h := hashSecret(secret)
	now := s.now()
	exp := now.Add(s.ttl(remember))
	ua := cutUTF8(r.UserAgent(), 256)
	e := &entry{kind: kindSession, remember: remember, h: h}
	s.fillMu.Lock()
	gen := s.gen
	s.fillMu.Unlock()
	var ended [][]byte
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		u, err := prepare(tx)
		if err != nil {
			return err
		}
		e.user = u
		e.id, err = insertSession(ctx, tx, h, u.ID, remember, ua, httpx.ClientIP(r).String(), now, exp)
		if err != nil {
			return err
		}
		ended, err = trimSessions(ctx, tx, u.ID, s.cfg.MaxSessionsPerUser, now)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	for _, old := range ended {
		if len(old) == 32 {
			s.evict([32]byte(old))
		}
	}
	if len(ended) > 0 {
		// Streams opened with the ended sessions end too; the user's other
		// pages reconnect with their own cookies.
		s.endStreams(e.user.ID)
	}
	e.expires.Store(exp.UnixMilli())
	e.seen.Store(now.UnixMilli())
	s.fill(gen, e, now.UnixMilli())
	return secret, e, nil
}

// evict drops one cached credential after its row was deleted.
func (s *Service) evict(h [32]byte) {
	s.fillMu.Lock()
	s.gen++
	s.cache.Remove(h)
	s.fillMu.Unlock()
}

// evictUser drops every cached session and token of a user (role, status,
// password or profile changed, or the user was deleted).
func (s *Service) evictUser(userID int64) {
	s.fillMu.Lock()
	defer s.fillMu.Unlock()
	s.gen++
	for _, k := range s.cache.Keys() {
		if e, ok := s.cache.Peek(k); ok && e.user.ID == userID {
			s.cache.Remove(k)
		}
	}
}

// endStreams tells the event hub that userID's sessions ended (0: anyone's).
func (s *Service) endStreams(userID int64) {
	if s.streams != nil {
		s.streams.DropUser(userID)
	}
}

func (s *Service) purgeCache() {
	s.fillMu.Lock()
	s.gen++
	s.cache.Purge()
	s.fillMu.Unlock()
}

// revokeSession deletes one session by its secret's hash.
func (s *Service) revokeSession(ctx context.Context, h [32]byte) error {
	err := s.db.Write(ctx, func(tx *sql.Tx) error { return deleteSessionByHash(ctx, tx, h) })
	if err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	s.evict(h)
	return nil
}

// deleteSessions deletes the sessions of a user inside tx, keeping exceptID
// (0 keeps none), and bumps the auth epoch so other processes notice. The
// caller evicts the user from the cache after the commit.
func deleteSessions(ctx context.Context, tx *sql.Tx, userID, exceptID int64, now time.Time) (int64, error) {
	if err := deleteUserSessions(ctx, tx, userID, exceptID); err != nil {
		return 0, fmt.Errorf("auth: end sessions: %w", err)
	}
	return bumpEpoch(ctx, tx, now)
}

// CleanupExpired deletes expired sessions, and API tokens that expired more
// than 30 days ago (kept that long so their owner sees them as expired).
func (s *Service) CleanupExpired(ctx context.Context) (int64, error) {
	now := s.now()
	var n int64
	err := s.db.Write(ctx, func(tx *sql.Tx) (err error) {
		n, err = deleteExpired(ctx, tx, now, now.Add(-30*24*time.Hour))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("auth: delete expired sessions: %w", err)
	}
	return n, nil
}

// setCookie sends the session cookie: HttpOnly, SameSite=Lax, Secure as
// secureCookies says,
// scoped to the base path, living as long as the session.
func (s *Service) setCookie(w http.ResponseWriter, r *http.Request, secret string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: secret, Path: s.cookiePath,
		MaxAge: int(maxAge / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secureCookies(r),
	})
}

func (s *Service) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: s.cookiePath, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r),
	})
}

func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
