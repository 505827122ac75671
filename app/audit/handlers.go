package audit

import (
	"net/http"

	"medianest/app/httpx"
)

// Routes registers GET /api/v1/admin/audit on mux behind requireAdmin (the
// auth service's RequireAdmin), so this package needs no knowledge of users.
func (r *Recorder) Routes(mux *http.ServeMux, requireAdmin func(http.Handler) http.Handler) {
	mux.Handle("GET /api/v1/admin/audit", requireAdmin(httpx.Handler(r.handleList)))
}

func (r *Recorder) handleList(w http.ResponseWriter, req *http.Request) error {
	page, pageSize, err := httpx.Paging(req)
	if err != nil {
		return err
	}
	list, total, err := r.List(req.Context(), page, pageSize, req.URL.Query().Get("action"))
	if err != nil {
		return err
	}
	httpx.List(w, list, httpx.Page(page, pageSize, total))
	return nil
}
