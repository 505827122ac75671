package overseerrtest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"medianest/app/overseerr"
)

// fakeRequest is Overseerr's MediaRequest row.
type fakeRequest struct {
	id         int64
	status     overseerr.ApprovalStatus
	typ        string
	is4k       bool
	media      *fakeMedia
	seasons    []fakeSeasonRequest
	userID     int64
	modifiedBy int64
	created    time.Time
	updated    time.Time
}

type fakeSeasonRequest struct {
	id     int64
	number int
	status overseerr.ApprovalStatus
}

// RequestSpec seeds a request with AddRequest.
type RequestSpec struct {
	UserID    int64 // default AdminID
	MediaType string
	TmdbID    int64
	Seasons   []int
	Status    overseerr.ApprovalStatus // default pending
	Is4K      bool
}

// RequestInfo is the fake's view of a request, for assertions.
type RequestInfo struct {
	ID         int64
	Status     overseerr.ApprovalStatus
	MediaType  string
	TmdbID     int64
	Seasons    []int
	UserID     int64
	ModifiedBy int64 // 0 when nobody approved or declined it
	Is4K       bool
}

// AddRequest stores a request as if it had been made earlier, without
// Overseerr's checks, and returns its id.
func (s *Server) AddRequest(spec RequestSpec) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if spec.UserID == 0 {
		spec.UserID = AdminID
	}
	if spec.Status == 0 {
		spec.Status = overseerr.RequestPending
	}
	r := s.newRequestLocked(spec.UserID, spec.MediaType, spec.TmdbID, spec.Seasons, spec.Status, spec.Is4K)
	return r.id
}

func (s *Server) newRequestLocked(userID int64, typ string, tmdb int64, seasons []int, status overseerr.ApprovalStatus, is4k bool) *fakeRequest {
	now := s.now()
	r := &fakeRequest{id: s.nextReq, status: status, typ: typ, is4k: is4k, media: s.mediaLocked(typ, tmdb),
		userID: userID, created: now, updated: now}
	s.nextReq++
	for _, n := range seasons {
		r.seasons = append(r.seasons, fakeSeasonRequest{id: s.nextSeasR, number: n, status: status})
		s.nextSeasR++
	}
	s.requests[r.id] = r
	s.applyStatusLocked(r)
	return r
}

// applyStatusLocked moves the media along with a request's status, as
// Overseerr (and Radarr/Sonarr behind it) would.
func (s *Server) applyStatusLocked(r *fakeRequest) {
	m := r.media
	m.updated = s.now()
	switch r.status {
	case overseerr.RequestPending:
		if m.status == overseerr.MediaUnknown {
			m.status = overseerr.MediaPending
		}
	case overseerr.RequestApproved:
		if m.status != overseerr.MediaAvailable && m.status != overseerr.MediaPartiallyAvailable {
			m.status = overseerr.MediaProcessing
		}
		for _, se := range r.seasons {
			if m.seasons[se.number] != overseerr.MediaAvailable {
				m.seasons[se.number] = overseerr.MediaProcessing
			}
		}
	case overseerr.RequestDeclined:
		if m.status == overseerr.MediaPending && !s.liveRequestLocked(m, r.id) {
			m.status = overseerr.MediaUnknown
		}
	}
}

// liveRequestLocked reports whether m has a non-declined request other than skip.
func (s *Server) liveRequestLocked(m *fakeMedia, skip int64) bool {
	for _, o := range s.requests {
		if o.media == m && o.id != skip && o.status != overseerr.RequestDeclined {
			return true
		}
	}
	return false
}

// SetRequestStatus changes a request's status (and its seasons'), moving
// the media along; it sends no webhook.
func (s *Server) SetRequestStatus(id int64, status overseerr.ApprovalStatus) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		s.t.Fatalf("overseerrtest: SetRequestStatus: no request %d", id)
	}
	r.status = status
	for i := range r.seasons {
		r.seasons[i].status = status
	}
	r.updated = s.now()
	s.applyStatusLocked(r)
}

// Request returns the fake's view of request id.
func (s *Server) Request(id int64) (RequestInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return RequestInfo{}, false
	}
	return r.info(), true
}

// Requests returns every request, newest first.
func (s *Server) Requests() []RequestInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RequestInfo
	for _, r := range s.sortedRequestsLocked() {
		out = append(out, r.info())
	}
	return out
}

func (r *fakeRequest) info() RequestInfo {
	in := RequestInfo{ID: r.id, Status: r.status, MediaType: r.typ, TmdbID: r.media.tmdb,
		UserID: r.userID, ModifiedBy: r.modifiedBy, Is4K: r.is4k}
	for _, se := range r.seasons {
		in.Seasons = append(in.Seasons, se.number)
	}
	return in
}

// sortedRequestsLocked lists requests by id, newest first (Overseerr's
// "added" sort).
func (s *Server) sortedRequestsLocked() []*fakeRequest {
	out := make([]*fakeRequest, 0, len(s.requests))
	for _, r := range s.requests {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *fakeRequest) int { return cmp.Compare(b.id, a.id) })
	return out
}

// requestJSONLocked renders a MediaRequest with the full field set.
func (s *Server) requestJSONLocked(r *fakeRequest, withMedia bool) map[string]any {
	seasons := []map[string]any{}
	for _, se := range r.seasons {
		seasons = append(seasons, map[string]any{
			"id": se.id, "seasonNumber": se.number, "status": int(se.status),
			"createdAt": stamp(r.created), "updatedAt": stamp(r.updated),
		})
	}
	out := map[string]any{
		"id": r.id, "status": int(r.status), "createdAt": stamp(r.created), "updatedAt": stamp(r.updated),
		"type": r.typ, "is4k": r.is4k, "serverId": nil, "profileId": nil, "rootFolder": nil,
		"languageProfileId": nil, "tags": nil, "isAutoRequest": false, "seasonCount": len(r.seasons),
		"seasons": seasons, "requestedBy": s.userJSONLocked(s.userLocked(r.userID), true), "modifiedBy": nil,
	}
	if r.modifiedBy != 0 {
		out["modifiedBy"] = s.userJSONLocked(s.userLocked(r.modifiedBy), true)
	}
	if withMedia {
		out["media"] = s.mediaJSON(r.media, false)
	}
	return out
}

type createBody struct {
	MediaType *string         `json:"mediaType"`
	MediaID   *int64          `json:"mediaId"`
	Seasons   json.RawMessage `json:"seasons"`
	Is4k      bool            `json:"is4k"`
	UserID    int64           `json:"userId"`
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	me := caller(r)
	var b createBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		message(w, http.StatusBadRequest, "request/body must be object")
		return
	}
	switch {
	case b.MediaType == nil:
		validation(w, "body", "mediaType")
		return
	case b.MediaID == nil:
		validation(w, "body", "mediaId")
		return
	case *b.MediaType != "movie" && *b.MediaType != "tv":
		message(w, http.StatusBadRequest, "request/body/mediaType must be equal to one of the allowed values: movie, tv")
		return
	}
	typ, tmdb := *b.MediaType, *b.MediaID
	perms := me.Permissions
	kindPerm := map[string]overseerr.Permission{"movie": overseerr.PermRequestMovie, "tv": overseerr.PermRequestTV}[typ]
	if !perms.Has(overseerr.PermRequest) && !perms.Has(kindPerm) {
		message(w, http.StatusForbidden, "You do not have permission to make "+typ+" requests.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	requester := s.userLocked(me.ID)
	if b.UserID != 0 {
		if !perms.Has(overseerr.PermManageUsers) && !perms.Has(overseerr.PermManageRequests) {
			message(w, http.StatusForbidden, "You do not have permission to modify the request user.")
			return
		}
		if requester = s.userLocked(b.UserID); requester == nil {
			message(w, http.StatusInternalServerError, "Could not find any entity of type \"User\"")
			return
		}
	}
	if !s.inCatalogueLocked(typ, tmdb) {
		message(w, http.StatusInternalServerError, "Request failed with status code 404")
		return
	}
	if s.quotaExceededLocked(requester, typ) {
		label := map[string]string{"movie": "Movie", "tv": "Series"}[typ]
		message(w, http.StatusForbidden, label+" Quota exceeded.")
		return
	}
	var seasons []int
	if typ == "movie" {
		for _, o := range s.requests {
			if o.typ == "movie" && o.media.tmdb == tmdb && o.is4k == b.Is4k && o.status != overseerr.RequestDeclined {
				message(w, http.StatusConflict, "Request for this media already exists.")
				return
			}
		}
	} else {
		var ok bool
		if seasons, ok = s.seasonsToRequestLocked(tmdb, b.Seasons, b.Is4k); !ok {
			message(w, http.StatusBadRequest, "request/body/seasons must be array or string")
			return
		}
		if len(seasons) == 0 {
			message(w, http.StatusAccepted, "No seasons available to request")
			return
		}
	}
	status := overseerr.RequestPending
	autoPerm := map[string]overseerr.Permission{"movie": overseerr.PermAutoApproveMovie, "tv": overseerr.PermAutoApproveTV}[typ]
	auto := perms.Has(overseerr.PermAutoApprove) || perms.Has(autoPerm) || perms.Has(overseerr.PermManageRequests)
	if auto {
		status = overseerr.RequestApproved
	}
	req := s.newRequestLocked(requester.ID, typ, tmdb, seasons, status, b.Is4k)
	if auto {
		req.modifiedBy = me.ID
		s.notifyLocked(overseerr.NotifyMediaAutoApproved, req)
	} else {
		s.notifyLocked(overseerr.NotifyMediaPending, req)
	}
	out := s.requestJSONLocked(req, true)
	writeJSON(w, http.StatusCreated, out)
}

// seasonsToRequestLocked expands the body's seasons ("all" or a list) and
// drops seasons already in a non-declined request or already available.
func (s *Server) seasonsToRequestLocked(tmdb int64, raw json.RawMessage, is4k bool) ([]int, bool) {
	var asked []int
	var all string
	if json.Unmarshal(raw, &all) == nil && all == "all" {
		for _, se := range s.showLocked(tmdb).Seasons {
			asked = append(asked, se.Number)
		}
	} else if json.Unmarshal(raw, &asked) != nil || len(asked) == 0 {
		return nil, false
	}
	taken := map[int]bool{}
	if m := s.trackedLocked("tv", tmdb); m != nil {
		for n, st := range m.seasons {
			taken[n] = st == overseerr.MediaAvailable
		}
		for _, o := range s.requests {
			if o.media == m && o.is4k == is4k && o.status != overseerr.RequestDeclined {
				for _, se := range o.seasons {
					taken[se.number] = true
				}
			}
		}
	}
	var out []int
	for _, n := range asked {
		if !taken[n] && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, true
}

func (s *Server) quotaExceededLocked(u *User, typ string) bool {
	limit := u.MovieQuota
	if typ == "tv" {
		limit = u.TVQuota
	}
	if limit <= 0 {
		return false
	}
	n := 0
	for _, r := range s.requests {
		if r.userID == u.ID && r.typ == typ {
			n++
		}
	}
	return n >= limit
}

// canView reports whether me may see requests other than their own.
func canView(me User) bool {
	return me.Permissions.Has(overseerr.PermManageRequests) || me.Permissions.Has(overseerr.PermRequestView)
}

// lookup finds the request named by the path, answering 404 if none.
func (s *Server) lookupLocked(w http.ResponseWriter, r *http.Request) *fakeRequest {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	req, ok := s.requests[id]
	if !ok {
		message(w, http.StatusNotFound, "Request not found.")
		return nil
	}
	return req
}
