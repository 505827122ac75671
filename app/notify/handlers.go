package notify

import (
	"net/http"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

// Routes registers the notification endpoints (full paths under /api/v1)
// on mux behind guard.
func (s *Service) Routes(mux *http.ServeMux, guard Guard) {
	mux.Handle("GET /api/v1/notifications", guard.RequireUser(httpx.Handler(s.handleList)))
	mux.Handle("POST /api/v1/notifications/read-all", guard.RequireUser(httpx.Handler(s.handleReadAll)))
	mux.Handle("POST /api/v1/notifications/{id}/read", guard.RequireUser(httpx.Handler(s.handleRead)))
}

// caller is the signed-in user; the guard makes its absence a bug.
func caller(r *http.Request) (principal.User, error) {
	u, ok := principal.UserFrom(r.Context())
	if !ok {
		return principal.User{}, apperr.New(apperr.Unauthorized, "Sign in first.")
	}
	return u, nil
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	page, size, err := httpx.Paging(r)
	if err != nil {
		return err
	}
	unread := false
	switch v := r.URL.Query().Get("unread"); v {
	case "", "false", "0":
	case "true", "1":
		unread = true
	default:
		return apperr.Field("unread", "must be true or false")
	}
	p, err := s.List(r.Context(), u.ID, unread, page, size)
	if err != nil {
		return err
	}
	meta := httpx.Page(page, size, p.Total)
	meta["unread"] = p.Unread
	httpx.List(w, p.Items, meta)
	return nil
}

func (s *Service) handleRead(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.MarkRead(r.Context(), u.ID, id); err != nil {
		return err
	}
	httpx.NoContent(w)
	return nil
}

func (s *Service) handleReadAll(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	if err := s.MarkAllRead(r.Context(), u.ID); err != nil {
		return err
	}
	httpx.NoContent(w)
	return nil
}
