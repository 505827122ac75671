package auth

import (
	"net/http"

	"medianest/app/httpx"
)

// Routes registers the /api/v1/auth endpoints on mux (paths without the
// base path; the server mounts the mux under it). The /api/v1/admin/users
// endpoints are app/admin's, over the exported user operations.
func (s *Service) Routes(mux *http.ServeMux) {
	anon := func(h httpx.Handler) http.Handler { return h }
	signIn := func(h httpx.Handler) http.Handler { return s.sameOrigin(h) }
	user := func(h httpx.Handler) http.Handler { return s.RequireUser(h) }
	cookie := func(h httpx.Handler) http.Handler { return s.RequireUser(cookieOnly(h)) }

	mux.Handle("GET /api/v1/auth/providers", anon(s.handleProviders))
	mux.Handle("POST /api/v1/auth/plex/pin", signIn(s.handlePlexPin))
	mux.Handle("POST /api/v1/auth/plex/verify", signIn(s.handlePlexVerify))
	mux.Handle("POST /api/v1/auth/login", signIn(s.handleLogin))
	mux.Handle("POST /api/v1/auth/logout", user(s.handleLogout))
	mux.Handle("GET /api/v1/auth/session", s.optionalUser(user(s.handleSession)))
	mux.Handle("GET /api/v1/auth/sessions", user(s.handleSessions))
	mux.Handle("DELETE /api/v1/auth/sessions/{id}", user(s.handleDeleteSession))
	mux.Handle("POST /api/v1/auth/password", user(s.handlePassword))
	mux.Handle("GET /api/v1/auth/tokens", cookie(s.handleListTokens))
	mux.Handle("POST /api/v1/auth/tokens", cookie(s.handleCreateToken))
	mux.Handle("DELETE /api/v1/auth/tokens/{id}", cookie(s.handleDeleteToken))
}
