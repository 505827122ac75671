package auth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

// Session is the credential a request was authenticated with, as
// GET /auth/session shows it.
type Session struct {
	ID int64 `json:"id"`
	// ExpiresAt is nil for an API token without expiry.
	ExpiresAt *time.Time `json:"expiresAt"`
	// Via is "cookie" for a browser session, "token" for an API token.
	Via string `json:"via"`
}

// The context of an authenticated request carries the cache entry of its
// session or token itself (as its principal.Caller), so nothing is copied
// or allocated for it; callers only ever see a copy of its user. Entries are
// never changed after they are cached (a change to a user evicts them
// instead); only their atomic expiry and last-seen stamps move.

// User is the account the entry authenticates, as a copy.
func (e *entry) User() principal.User { return e.user }

func (e *entry) viaCookie() bool { return e.kind == kindSession }

func (e *entry) session() (Session, bool) {
	if e.kind == 0 {
		return Session{}, false
	}
	s := Session{ID: e.id, Via: "cookie"}
	if e.kind == kindToken {
		s.Via = "token"
	}
	if ms := e.expires.Load(); ms != 0 {
		t := time.UnixMilli(ms).UTC()
		s.ExpiresAt = &t
	}
	return s, true
}

// SessionFrom returns the session or token the request was authenticated
// with; false for anonymous requests and contexts made by principal.WithUser.
func SessionFrom(ctx context.Context) (Session, bool) {
	c, ok := principal.From(ctx)
	if !ok {
		return Session{}, false
	}
	e, ok := c.(*entry)
	if !ok {
		return Session{}, false
	}
	return e.session()
}

// principalFrom returns the entry of an authenticated request. A context
// made by principal.WithUser has no session behind it: it gets an entry of
// kind 0 holding just the user.
func principalFrom(ctx context.Context) (*entry, bool) {
	c, ok := principal.From(ctx)
	if !ok {
		return nil, false
	}
	if e, ok := c.(*entry); ok {
		return e, true
	}
	return &entry{user: c.User()}, true
}

var errUnauthorized = apperr.New(apperr.Unauthorized, "Sign in to continue.")

// bearer returns the token of an "Authorization: Bearer …" header; present
// reports that such a header was sent (even an empty or malformed one).
func bearer(r *http.Request) (tok string, present bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

// authenticate finds the principal of r: an API token when an Authorization
// Bearer header is sent (the cookie is then ignored), else the session
// cookie. It returns nil for an anonymous or invalid credential; presented
// reports whether a cookie was sent, so that a stale one can be cleared.
func (s *Service) authenticate(w http.ResponseWriter, r *http.Request) (p *entry, presented bool, err error) {
	kind := kindSession
	secret, isBearer := bearer(r)
	if isBearer {
		kind = kindToken
		if len(secret) != tokenLen || !strings.HasPrefix(secret, tokenPrefix) {
			return nil, false, nil
		}
	} else {
		secret, presented = sessionCookie(r)
		if !presented {
			return nil, false, nil
		}
		if len(secret) != secretLen {
			return nil, true, nil
		}
	}
	now := s.now()
	e, ok, err := s.lookup(r.Context(), kind, secret, now)
	if err != nil || !ok {
		return nil, presented, err
	}
	refreshed, alive := s.touch(r.Context(), e, now)
	if !alive {
		return nil, presented, nil
	}
	if refreshed && w != nil {
		// The expiry slid; let the browser keep the cookie as long.
		s.setCookie(w, r, secret, s.ttl(e.remember))
	}
	return e, presented, nil
}

// withPrincipal authenticates r unless an outer middleware already did.
func (s *Service) withPrincipal(w http.ResponseWriter, r *http.Request) (*http.Request, *entry, error) {
	if p, ok := principalFrom(r.Context()); ok {
		return r, p, nil
	}
	p, presented, err := s.authenticate(w, r)
	if err != nil {
		return r, nil, err
	}
	if p == nil {
		if presented {
			s.clearCookie(w, r)
		}
		return r, nil, errUnauthorized
	}
	return r.WithContext(principal.With(r.Context(), p)), p, nil
}

// sessionCookie finds the session cookie without parsing every cookie of
// the request into http.Cookie values (r.Cookie allocates for each).
func sessionCookie(r *http.Request) (string, bool) {
	for _, line := range r.Header["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && name == CookieName {
				return strings.Trim(val, `"`), true
			}
		}
	}
	return "", false
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// RequireUser lets only signed-in users through: anonymous requests, and
// those with an unknown, expired or disabled session or token, get 401
// UNAUTHORIZED. A cookie-authenticated unsafe request from another origin
// gets 403 CROSS_ORIGIN; Bearer-token requests are not browsers and pass.
func (s *Service) RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, p, err := s.withPrincipal(w, r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		if p.viaCookie() && unsafeMethod(r.Method) && s.cop.Check(r) != nil {
			s.deny.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

var errForbidden = apperr.New(apperr.Forbidden, "This needs an administrator.")

// RequireAdmin is RequireUser plus the admin role: users get 403 FORBIDDEN.
func (s *Service) RequireAdmin(next http.Handler) http.Handler {
	return s.RequireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := principal.UserFrom(r.Context()); !u.IsAdmin() {
			httpx.Error(w, r, errForbidden)
			return
		}
		next.ServeHTTP(w, r)
	}))
}

// Identify attaches the user when the request carries a valid session or
// token and otherwise passes it on untouched; it never refuses. The server
// wraps the whole API with it so that an unknown /api/v1 path can answer 404
// to a signed-in caller and 401 to an anonymous one.
func (s *Service) Identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := principalFrom(r.Context()); !ok {
			if p, _, err := s.authenticate(w, r); err == nil && p != nil {
				r = r.WithContext(principal.With(r.Context(), p))
			} else if err != nil {
				httpx.Logger(r.Context()).Warn("auth: could not check the session", "err", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses unsafe cross-origin browser requests to the anonymous
// sign-in endpoints (login CSRF), whether or not a cookie is sent.
func (s *Service) sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unsafeMethod(r.Method) && s.cop.Check(r) != nil {
			s.deny.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
