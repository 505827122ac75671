package overseerrtest

import (
	"net/http"
	"slices"
	"strconv"

	"medianest/app/overseerr"
)

// matchesFilter applies Overseerr's request filter semantics.
func matchesFilter(r *fakeRequest, filter string) bool {
	ms := r.media.status
	if r.is4k {
		ms = r.media.status4k
	}
	notAvailable := ms != overseerr.MediaAvailable
	switch filter {
	case "pending":
		return r.status == overseerr.RequestPending
	case "approved":
		return r.status == overseerr.RequestApproved
	case "processing":
		return r.status == overseerr.RequestApproved && notAvailable
	case "available":
		return r.status == overseerr.RequestApproved && !notAvailable
	case "unavailable":
		return (r.status == overseerr.RequestPending || r.status == overseerr.RequestApproved) && notAvailable
	case "failed":
		return r.status == overseerr.RequestFailed
	case "completed":
		return r.status == overseerr.RequestCompleted
	case "deleted":
		return ms == overseerr.MediaDeleted
	default:
		return true
	}
}

var knownFilters = []string{"", "all", "approved", "available", "pending", "processing", "unavailable", "failed", "deleted", "completed"}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	me := caller(r)
	q := r.URL.Query()
	filter := q.Get("filter")
	if !slices.Contains(knownFilters, filter) {
		message(w, http.StatusBadRequest, "request/query/filter must be equal to one of the allowed values")
		return
	}
	take, skip := paging(r)
	var by int64
	if v := q.Get("requestedBy"); v != "" {
		by, _ = strconv.ParseInt(v, 10, 64)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []*fakeRequest
	for _, req := range s.sortedRequestsLocked() {
		if !canView(me) && req.userID != me.ID {
			continue
		}
		if by != 0 && req.userID != by {
			continue
		}
		if matchesFilter(req, filter) {
			rows = append(rows, req)
		}
	}
	if q.Get("sort") == "modified" {
		slices.SortStableFunc(rows, func(a, b *fakeRequest) int { return b.updated.Compare(a.updated) })
	}
	total := len(rows)
	lo := min(skip, total)
	hi := min(lo+take, total)
	results := []map[string]any{}
	for _, req := range rows[lo:hi] {
		results = append(results, s.requestJSONLocked(req, true))
	}
	writeJSON(w, http.StatusOK, map[string]any{"pageInfo": pageInfo(total, take, skip), "results": results})
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	me := caller(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	req := s.lookupLocked(w, r)
	if req == nil {
		return
	}
	if !canView(me) && req.userID != me.ID {
		message(w, http.StatusForbidden, "You do not have permission to view this request.")
		return
	}
	writeJSON(w, http.StatusOK, s.requestJSONLocked(req, true))
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	me := caller(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	req := s.lookupLocked(w, r)
	if req == nil {
		return
	}
	// Overseerr's own rule, quirks included: refused only for a
	// non-manager who does not own the request and it is not pending.
	if !me.Permissions.Has(overseerr.PermManageRequests) && req.userID != me.ID && req.status != overseerr.RequestPending {
		message(w, http.StatusUnauthorized, "You do not have permission to delete this request.")
		return
	}
	delete(s.requests, req.id)
	if !s.liveRequestLocked(req.media, 0) && req.media.status == overseerr.MediaPending {
		req.media.status = overseerr.MediaUnknown
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAction(w http.ResponseWriter, r *http.Request) {
	me := caller(r)
	var status overseerr.ApprovalStatus
	var notify string
	switch r.PathValue("action") {
	case "approve":
		status, notify = overseerr.RequestApproved, overseerr.NotifyMediaApproved
	case "decline":
		status, notify = overseerr.RequestDeclined, overseerr.NotifyMediaDeclined
	case "pending":
		status = overseerr.RequestPending
	case "retry":
		status = overseerr.RequestApproved
	default:
		message(w, http.StatusNotFound, "Not Found")
		return
	}
	if !me.Permissions.Has(overseerr.PermManageRequests) {
		noAccess(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := s.lookupLocked(w, r)
	if req == nil {
		return
	}
	req.status = status
	for i := range req.seasons {
		req.seasons[i].status = status
	}
	req.modifiedBy = me.ID
	req.updated = s.now()
	s.applyStatusLocked(req)
	if notify != "" {
		s.notifyLocked(notify, req)
	}
	writeJSON(w, http.StatusOK, s.requestJSONLocked(req, true))
}
