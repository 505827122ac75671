package media

import (
	"net/http"
	"strings"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

// Routes registers the media search, request, dashboard-stats and
// Overseerr webhook endpoints (full paths under /api/v1) on mux. The
// webhook is authenticated by its shared secret, everything else by guard.
func (s *Requests) Routes(mux *http.ServeMux, guard Guard) {
	user := func(h httpx.Handler) http.Handler { return guard.RequireUser(mapped(h)) }
	admin := func(h httpx.Handler) http.Handler { return guard.RequireAdmin(mapped(h)) }

	mux.Handle("GET /api/v1/media/search", user(s.handleSearch))
	mux.Handle("GET /api/v1/media/movie/{tmdbId}", user(s.handleDetails("movie")))
	mux.Handle("GET /api/v1/media/tv/{tmdbId}", user(s.handleDetails("tv")))
	mux.Handle("POST /api/v1/media/requests", user(s.handleCreate))
	mux.Handle("GET /api/v1/media/requests", user(s.handleListOwn))
	mux.Handle("GET /api/v1/media/requests/{id}", user(s.handleGet))
	mux.Handle("DELETE /api/v1/media/requests/{id}", user(s.handleDelete))
	mux.Handle("GET /api/v1/admin/requests", admin(s.handleListAll))
	mux.Handle("POST /api/v1/admin/requests/{id}/approve", admin(s.handleDecide(true)))
	mux.Handle("POST /api/v1/admin/requests/{id}/decline", admin(s.handleDecide(false)))
	mux.Handle("POST /api/v1/webhooks/overseerr", mapped(s.handleWebhook))

	mux.Handle("GET /api/v1/dashboard/stats", user(s.handleStats))
}

// caller is the signed-in user; the guard makes its absence a bug.
func caller(r *http.Request) (principal.User, error) {
	u, ok := principal.UserFrom(r.Context())
	if !ok {
		return principal.User{}, apperr.New(apperr.Unauthorized, "Sign in first.")
	}
	return u, nil
}

func (s *Requests) handleSearch(w http.ResponseWriter, r *http.Request) error {
	if _, err := caller(r); err != nil {
		return err
	}
	page, err := httpx.IntQuery(r, "page", 1, 1, 500)
	if err != nil {
		return err
	}
	res, err := s.Search(r.Context(), r.URL.Query().Get("query"), page)
	if err != nil {
		return err
	}
	httpx.List(w, res.Results, httpx.Meta{"page": res.Page, "totalPages": res.TotalPages, "totalResults": res.TotalResults})
	return nil
}

func (s *Requests) handleDetails(mediaType string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := caller(r); err != nil {
			return err
		}
		id, err := httpx.PathID(r, "tmdbId")
		if err != nil {
			return err
		}
		d, err := s.Details(r.Context(), mediaType, id)
		if err != nil {
			return err
		}
		httpx.OK(w, d)
		return nil
	}
}

func (s *Requests) handleCreate(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	var in CreateInput
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	mr, err := s.CreateRequest(r.Context(), u, in)
	if err != nil {
		return err
	}
	httpx.Created(w, mr)
	return nil
}

// listFilter reads status, mediaType and the paging of a request listing.
func listFilter(r *http.Request) (Filter, error) {
	page, size, err := httpx.Paging(r)
	if err != nil {
		return Filter{}, err
	}
	q := r.URL.Query()
	f := Filter{Status: q.Get("status"), MediaType: q.Get("mediaType"), Page: page, PageSize: size}
	if f.Status != "" && !validStatus(f.Status) {
		return Filter{}, apperr.Field("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	if f.MediaType != "" && f.MediaType != "movie" && f.MediaType != "tv" {
		return Filter{}, apperr.Field("mediaType", `must be "movie" or "tv"`)
	}
	return f, nil
}

func (s *Requests) list(w http.ResponseWriter, r *http.Request, f Filter) error {
	items, total, err := s.ListRequests(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.List(w, items, httpx.Page(f.Page, f.PageSize, total))
	return nil
}

func (s *Requests) handleListOwn(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	f.UserID = u.ID
	return s.list(w, r, f)
}

func (s *Requests) handleListAll(w http.ResponseWriter, r *http.Request) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	if f.UserID, err = httpx.IDQuery(r, "userId"); err != nil {
		return err
	}
	return s.list(w, r, f)
}

func (s *Requests) handleGet(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	mr, err := s.GetRequest(r.Context(), u, id)
	if err != nil {
		return err
	}
	httpx.OK(w, mr)
	return nil
}

func (s *Requests) handleDelete(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.DeleteRequest(r.Context(), u, id, httpx.ClientIP(r).String()); err != nil {
		return err
	}
	httpx.NoContent(w)
	return nil
}

func (s *Requests) handleDecide(approve bool) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := caller(r)
		if err != nil {
			return err
		}
		if !u.IsAdmin() {
			return apperr.New(apperr.Forbidden, "Only an admin can do this.")
		}
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		mr, err := s.Decide(r.Context(), u, id, approve, httpx.ClientIP(r).String())
		if err != nil {
			return err
		}
		httpx.OK(w, mr)
		return nil
	}
}

func (s *Requests) handleStats(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	st, err := s.Stats(r.Context(), u)
	if err != nil {
		return err
	}
	httpx.OK(w, st)
	return nil
}
