package youtube

import (
	"net/http"
	"slices"
	"strings"

	"medianest/app/apperr"
	"medianest/app/httpx"
	"medianest/app/principal"
)

// Routes registers the /youtube routes and the admin's download routes
// (full paths under /api/v1) on mux, behind guard.
func (s *Service) Routes(mux *http.ServeMux, guard Guard) {
	user := func(h httpx.Handler) http.Handler { return guard.RequireUser(h) }
	admin := func(h httpx.Handler) http.Handler { return guard.RequireAdmin(h) }
	on := func(h httpx.Handler) httpx.Handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			if err := s.enabled(); err != nil {
				return err
			}
			return h(w, r)
		}
	}
	mux.Handle("GET /api/v1/youtube/metadata", user(on(s.handleMetadata)))
	mux.Handle("POST /api/v1/youtube/downloads", user(on(s.handleSubmit)))
	mux.Handle("GET /api/v1/youtube/downloads", user(on(s.handleListOwn)))
	mux.Handle("GET /api/v1/youtube/downloads/{id}", user(on(s.handleGet)))
	mux.Handle("POST /api/v1/youtube/downloads/{id}/cancel", user(on(s.handleCancel)))
	mux.Handle("POST /api/v1/youtube/downloads/{id}/retry", user(on(s.handleRetry)))
	mux.Handle("DELETE /api/v1/youtube/downloads/{id}", user(on(s.handleDelete)))
	mux.Handle("GET /api/v1/youtube/quota", user(on(s.handleQuota)))
	mux.Handle("GET /api/v1/youtube/thumbnail", user(on(s.handleThumbnail)))
	mux.Handle("GET /api/v1/youtube/downloads/{id}/thumbnail", user(on(s.handleDownloadThumbnail)))
	mux.Handle("GET /api/v1/admin/downloads", admin(s.handleListAll))
	mux.Handle("POST /api/v1/admin/downloads/{id}/approve", admin(s.handleDecide(true)))
	mux.Handle("POST /api/v1/admin/downloads/{id}/decline", admin(s.handleDecide(false)))
}

// caller is the signed-in user; the guard makes its absence a bug.
func caller(r *http.Request) (principal.User, error) {
	u, ok := principal.UserFrom(r.Context())
	if !ok {
		return principal.User{}, apperr.New(apperr.Unauthorized, "Sign in first.")
	}
	return u, nil
}

// withID calls h with the caller and the {id} of the path.
func withID(h func(w http.ResponseWriter, r *http.Request, u principal.User, id int64) error) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := caller(r)
		if err != nil {
			return err
		}
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		return h(w, r, u, id)
	}
}

func (s *Service) handleMetadata(w http.ResponseWriter, r *http.Request) error {
	if _, err := caller(r); err != nil {
		return err
	}
	url := r.URL.Query().Get("url")
	if strings.TrimSpace(url) == "" {
		return apperr.Field("url", "is required")
	}
	m, err := s.Metadata(r.Context(), url)
	if err != nil {
		return err
	}
	httpx.OK(w, m)
	return nil
}

func (s *Service) handleSubmit(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	var in SubmitInput
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	d, err := s.Submit(r.Context(), u, in)
	if err != nil {
		return err
	}
	httpx.Created(w, d)
	return nil
}

// listFilter reads status and the paging of a listing.
func listFilter(r *http.Request) (Filter, error) {
	page, size, err := httpx.Paging(r)
	if err != nil {
		return Filter{}, err
	}
	f := Filter{Status: r.URL.Query().Get("status"), Page: page, PageSize: size}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return Filter{}, apperr.Field("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	return f, nil
}

func (s *Service) writeList(w http.ResponseWriter, r *http.Request, f Filter) error {
	items, total, err := s.List(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.List(w, items, httpx.Page(f.Page, f.PageSize, total))
	return nil
}

func (s *Service) handleListOwn(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	f.UserID = u.ID
	return s.writeList(w, r, f)
}

func (s *Service) handleListAll(w http.ResponseWriter, r *http.Request) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	if f.UserID, err = httpx.IDQuery(r, "userId"); err != nil {
		return err
	}
	return s.writeList(w, r, f)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	return withID(func(w http.ResponseWriter, r *http.Request, u principal.User, id int64) error {
		d, err := s.Get(r.Context(), u, id)
		if err != nil {
			return err
		}
		httpx.OK(w, d)
		return nil
	})(w, r)
}

func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) error {
	return withID(func(w http.ResponseWriter, r *http.Request, u principal.User, id int64) error {
		d, err := s.Cancel(r.Context(), u, id, httpx.ClientIP(r).String())
		if err != nil {
			return err
		}
		httpx.OK(w, d)
		return nil
	})(w, r)
}

func (s *Service) handleRetry(w http.ResponseWriter, r *http.Request) error {
	return withID(func(w http.ResponseWriter, r *http.Request, u principal.User, id int64) error {
		d, err := s.Retry(r.Context(), u, id, httpx.ClientIP(r).String())
		if err != nil {
			return err
		}
		httpx.OK(w, d)
		return nil
	})(w, r)
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) error {
	return withID(func(w http.ResponseWriter, r *http.Request, u principal.User, id int64) error {
		var files bool
		switch v := r.URL.Query().Get("deleteFiles"); v {
		case "", "false":
		case "true":
			files = true
		default:
			return apperr.Field("deleteFiles", `must be "true" or "false"`)
		}
		if err := s.Delete(r.Context(), u, id, files, httpx.ClientIP(r).String()); err != nil {
			return err
		}
		httpx.NoContent(w)
		return nil
	})(w, r)
}

func (s *Service) handleQuota(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	q, err := s.Quota(r.Context(), u)
	if err != nil {
		return err
	}
	httpx.OK(w, q)
	return nil
}

func (s *Service) handleDecide(approve bool) httpx.Handler {
	return withID(func(w http.ResponseWriter, r *http.Request, u principal.User, id int64) error {
		d, err := s.Decide(r.Context(), u, id, approve, httpx.ClientIP(r).String())
		if err != nil {
			return err
		}
		httpx.OK(w, d)
		return nil
	})
}
