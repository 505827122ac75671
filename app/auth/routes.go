package auth

import (
	"net/http"

	"medianest/app/httpx"
)

// Routes registers the /api/v1/auth and /api/v1/admin/users endpoints on
// mux (paths without the base path; the server mounts the mux under it),
// and GET /api/v1/admin/audit behind RequireAdmin when the service has an
// audit recorder.
func (s *Service) Routes(mux *http.ServeMux) {
	anon := func(h httpx.Handler) http.Handler { return h }
	signIn := func(h httpx.Handler) http.Handler { return s.sameOrigin(h) }
	user := func(h httpx.Handler) http.Handler { return s.RequireUser(h) }
	admin := func(h httpx.Handler) http.Handler { return s.RequireAdmin(h) }

	mux.Handle("GET /api/v1/auth/providers", anon(s.handleProviders))
	mux.Handle("POST /api/v1/auth/plex/pin", signIn(s.handlePlexPin))
	mux.Handle("POST /api/v1/auth/plex/verify", signIn(s.handlePlexVerify))
	mux.Handle("POST /api/v1/auth/login", signIn(s.handleLogin))
	mux.Handle("POST /api/v1/auth/logout", user(s.handleLogout))
	mux.Handle("GET /api/v1/auth/session", user(s.handleSession))
	mux.Handle("GET /api/v1/auth/sessions", user(s.handleSessions))
	mux.Handle("DELETE /api/v1/auth/sessions/{id}", user(s.handleDeleteSession))
	mux.Handle("POST /api/v1/auth/password", user(s.handlePassword))
	mux.Handle("GET /api/v1/auth/tokens", user(s.handleListTokens))
	mux.Handle("POST /api/v1/auth/tokens", user(s.handleCreateToken))
	mux.Handle("DELETE /api/v1/auth/tokens/{id}", user(s.handleDeleteToken))

	mux.Handle("GET /api/v1/admin/users", admin(s.handleAdminListUsers))
	mux.Handle("POST /api/v1/admin/users", admin(s.handleAdminCreateUser))
	mux.Handle("PATCH /api/v1/admin/users/{id}", admin(s.handleAdminUpdateUser))
	mux.Handle("DELETE /api/v1/admin/users/{id}", admin(s.handleAdminDeleteUser))

	if s.audit != nil {
		s.audit.Routes(mux, s.RequireAdmin)
	}
}
