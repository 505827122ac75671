package status

import (
	"net/http"
	"slices"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

// Guard is the authentication middleware (*auth.Service).
type Guard interface {
	RequireUser(http.Handler) http.Handler
	RequireAdmin(http.Handler) http.Handler
}

// Routes registers the dashboard status and monitor routes with
// their full paths; the server mounts the mux under the base path.
func (p *Poller) Routes(mux *http.ServeMux, guard Guard) {
	mux.Handle("GET /api/v1/dashboard/status", guard.RequireUser(httpx.Handler(p.listStatus)))
	mux.Handle("GET /api/v1/dashboard/status/{name}", guard.RequireUser(httpx.Handler(p.getStatus)))
	mux.Handle("GET /api/v1/dashboard/monitors", guard.RequireUser(httpx.Handler(p.listMonitors)))
}

func (p *Poller) listStatus(w http.ResponseWriter, r *http.Request) error {
	httpx.OK(w, p.Statuses())
	return nil
}

func (p *Poller) getStatus(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !slices.Contains(Names, name) {
		return apperr.New(apperr.NotFound, "No service is called %q.", name)
	}
	httpx.OK(w, p.Status(name))
	return nil
}
