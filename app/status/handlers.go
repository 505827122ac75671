package status

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/httpx"
)

// Guard is the authentication middleware (*auth.Service).
type Guard interface {
	RequireUser(http.Handler) http.Handler
	RequireAdmin(http.Handler) http.Handler
}

// Auditor records admin actions (*audit.Recorder).
type Auditor interface {
	Record(ctx context.Context, e audit.Entry)
}

// Routes registers the dashboard status, monitor and notice routes with
// their full paths; the server mounts the mux under the base path.
func (p *Poller) Routes(mux *http.ServeMux, guard Guard) {
	mux.Handle("GET /api/v1/dashboard/status", guard.RequireUser(httpx.Handler(p.listStatus)))
	mux.Handle("GET /api/v1/dashboard/status/{name}", guard.RequireUser(httpx.Handler(p.getStatus)))
	mux.Handle("GET /api/v1/dashboard/monitors", guard.RequireUser(httpx.Handler(p.listMonitors)))
	mux.Handle("GET /api/v1/notice", httpx.Handler(p.getNotice))
	mux.Handle("PUT /api/v1/admin/notice", guard.RequireAdmin(httpx.Handler(p.putNotice)))
	mux.Handle("DELETE /api/v1/admin/notice", guard.RequireAdmin(httpx.Handler(p.deleteNotice)))
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

// auditLog records an admin action by the caller of r.
func (p *Poller) auditLog(r *http.Request, action, target string, details any) {
	if p.audit == nil {
		return
	}
	e := audit.Entry{Action: action, Target: target, IP: httpx.ClientIP(r).String()}
	if u, ok := principal.UserFrom(r.Context()); ok {
		e.ActorID, e.ActorName = u.ID, u.Username
	}
	if details != nil {
		b, _ := json.Marshal(details)
		e.Details = string(b)
	}
	p.audit.Record(r.Context(), e)
}
