package media

import (
	"net/http"
	"strings"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

// Routes registers the Plex library and image endpoints and the TMDB
// poster proxy (full paths under /api/v1) on mux, all behind guard.
func (s *Library) Routes(mux *http.ServeMux, guard Guard) {
	user := func(h httpx.Handler) http.Handler { return guard.RequireUser(mapped(h)) }

	mux.Handle("GET /api/v1/media/image", user(s.handleTMDBImage))
	mux.Handle("GET /api/v1/plex/server", user(s.handleServer))
	mux.Handle("GET /api/v1/plex/libraries", user(s.handleLibraries))
	mux.Handle("GET /api/v1/plex/libraries/{key}/items", user(s.handleLibraryItems))
	mux.Handle("GET /api/v1/plex/libraries/{key}/collections", user(s.handleCollections))
	mux.Handle("GET /api/v1/plex/collections/{ratingKey}", user(s.handleCollection))
	mux.Handle("GET /api/v1/plex/items/{ratingKey}", user(s.handleItem))
	mux.Handle("GET /api/v1/plex/search", user(s.handlePlexSearch))
	mux.Handle("GET /api/v1/plex/recently-added", user(s.handleRecentlyAdded))
	mux.Handle("GET /api/v1/plex/image", user(s.handleImage))
}

func (s *Library) handleServer(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	si, err := s.Server(r.Context(), u)
	if err != nil {
		return err
	}
	httpx.OK(w, si)
	return nil
}

func (s *Library) handleLibraries(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	libs, err := s.Libraries(r.Context(), u)
	if err != nil {
		return err
	}
	httpx.OK(w, libs)
	return nil
}

func (s *Library) handleLibraryItems(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	offset, err := httpx.IntQuery(r, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	limit, err := httpx.IntQuery(r, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	sort := r.URL.Query().Get("sort")
	if sort == "" {
		sort = "titleSort"
	}
	if !librarySorts[sort] {
		return apperr.Field("sort", "must be titleSort, addedAt:desc or year:desc")
	}
	p, err := s.LibraryItems(r.Context(), u, r.PathValue("key"), offset, limit, sort)
	if err != nil {
		return err
	}
	httpx.List(w, p.Items, httpx.Meta{"offset": p.Offset, "limit": p.Limit, "total": p.Total})
	return nil
}

func (s *Library) handleCollections(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	cs, err := s.Collections(r.Context(), u, r.PathValue("key"))
	if err != nil {
		return err
	}
	httpx.OK(w, cs)
	return nil
}

func (s *Library) handleCollection(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	c, err := s.CollectionItems(r.Context(), u, r.PathValue("ratingKey"))
	if err != nil {
		return err
	}
	httpx.OK(w, c)
	return nil
}

func (s *Library) handleItem(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	it, err := s.Item(r.Context(), u, r.PathValue("ratingKey"))
	if err != nil {
		return err
	}
	httpx.OK(w, it)
	return nil
}

func (s *Library) handlePlexSearch(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("query"))
	if q == "" {
		return apperr.Field("query", "is required")
	}
	if len(q) > 200 {
		return apperr.Field("query", "must be at most 200 characters")
	}
	limit, err := httpx.IntQuery(r, "limit", 20, 1, 100)
	if err != nil {
		return err
	}
	items, err := s.PlexSearch(r.Context(), u, q, limit)
	if err != nil {
		return err
	}
	httpx.OK(w, items)
	return nil
}

func (s *Library) handleRecentlyAdded(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	limit, err := httpx.IntQuery(r, "limit", 20, 1, 100)
	if err != nil {
		return err
	}
	items, err := s.RecentlyAdded(r.Context(), u, limit)
	if err != nil {
		return err
	}
	httpx.OK(w, items)
	return nil
}
