package services

import (
	"net/http"

	"medianest/app/httpx"
)

// Routes registers the admin service routes with their full paths.
func (h *Handlers) Routes(mux *http.ServeMux, guard Guard) {
	mux.Handle("GET /api/v1/admin/services", guard.RequireAdmin(httpx.Handler(h.list)))
	mux.Handle("PUT /api/v1/admin/services/{name}", guard.RequireAdmin(httpx.Handler(h.put)))
	mux.Handle("POST /api/v1/admin/services/{name}/test", guard.RequireAdmin(httpx.Handler(h.test)))
}
