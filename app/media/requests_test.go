package media

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/events"
	"medianest/app/notify"
	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/principal"
	"medianest/app/services"
)

func TestSearchMapsResults(t *testing.T) {
	e := newEnv(t)
	r := e.do(alice, "GET", "/api/v1/media/search?query=buck", nil)
	e.want(r, http.StatusOK, "")
	var got []MediaResult
	meta := r.data(t, &got)
	if len(got) != 1 {
		t.Fatalf("got %d results, want the movie only (people are left out): %+v", len(got), got)
	}
	m := got[0]
	if m.MediaType != "movie" || m.TmdbID != 10378 || m.Title != "Big Buck Bunny" || m.Year == nil || *m.Year != 2008 ||
		m.PosterURL != "/medianest/api/v1/media/image?path=%2Fp1.jpg&size=w500" || m.Availability != "available" || m.Requested {
		t.Fatalf("mapped result %+v", m)
	}
	if meta["page"] != float64(1) || meta["totalPages"] != float64(1) || meta["totalResults"] != float64(2) {
		t.Fatalf("meta %v", meta)
	}

	// A title requested here is "requested" even though Overseerr's page
	// (cached) says nothing of it.
	e.do(alice, "GET", "/api/v1/media/search?query=sintel", nil)
	e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	calls := len(e.os.Calls())
	r = e.do(bob, "GET", "/api/v1/media/search?query=Sintel", nil)
	r.data(t, &got)
	if len(got) != 1 || !got[0].Requested || got[0].Availability != "unknown" || got[0].Year == nil || *got[0].Year != 2010 {
		t.Fatalf("sintel after request: %+v", got)
	}
	if n := len(e.os.Calls()); n != calls {
		t.Fatalf("search page not cached: %d calls to Overseerr, want %d", n, calls)
	}

	// A show partly available in Overseerr.
	r = e.do(alice, "GET", "/api/v1/media/search?query=open+movie", nil)
	r.data(t, &got)
	if len(got) != 1 || got[0].MediaType != "tv" || got[0].Availability != "partially_available" || got[0].Title != "Open Movie Series" {
		t.Fatalf("show: %+v", got)
	}

	e.want(e.do(alice, "GET", "/api/v1/media/search", nil), http.StatusBadRequest, "VALIDATION_ERROR")
	e.want(e.do(principal.User{}, "GET", "/api/v1/media/search?query=x", nil), http.StatusUnauthorized, "UNAUTHORIZED")
}

func TestDetails(t *testing.T) {
	e := newEnv(t)
	var d MediaDetail
	e.do(alice, "GET", "/api/v1/media/tv/2000", nil).data(t, &d)
	if d.Title != "Open Movie Series" || len(d.Seasons) != 2 || d.Seasons[0].Status != "available" ||
		d.Seasons[1].Status != "unknown" || d.Seasons[0].EpisodeCount != 6 || d.Runtime == nil || *d.Runtime != 12 {
		t.Fatalf("tv details %+v", d)
	}
	d = MediaDetail{}
	e.do(alice, "GET", "/api/v1/media/movie/10378", nil).data(t, &d)
	if d.Title != "Big Buck Bunny" || d.BackdropURL != "/medianest/api/v1/media/image?path=%2Fb1.jpg&size=w1280" ||
		!slices.Equal(d.Genres, []string{"Animation", "Comedy"}) || d.Seasons != nil {
		t.Fatalf("movie details %+v", d)
	}
	e.want(e.do(alice, "GET", "/api/v1/media/movie/abc", nil), http.StatusNotFound, "NOT_FOUND")
}

func TestCreateAsMappedUser(t *testing.T) {
	e := newEnv(t)
	mr := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	if mr.Status != StatusPending || mr.Title != "Sintel" || mr.Year == nil || *mr.Year != 2010 || mr.UserID != alice.ID ||
		mr.Username != "alice" || mr.OverseerrRequestID == nil || mr.PosterURL != "/medianest/api/v1/media/image?path=%2Fp3.jpg&size=w500" ||
		mr.CompletedAt != nil || len(mr.Seasons) != 0 {
		t.Fatalf("created %+v", mr)
	}
	var post overseerrtest.Call
	for _, c := range e.os.Calls() {
		if c.Method == "POST" && c.Path == "/api/v1/request" {
			post = c
		}
	}
	if post.APIUser != strconv.Itoa(overseerrtest.JaneID) {
		t.Fatalf("X-API-User %q, want the Overseerr user with alice's Plex id (%d)", post.APIUser, overseerrtest.JaneID)
	}
	info, ok := e.os.Request(*mr.OverseerrRequestID)
	if !ok || info.UserID != overseerrtest.JaneID {
		t.Fatalf("overseerr request %+v", info)
	}
	if ev := e.rec.eventsOf(events.RequestUpdated); len(ev) != 1 || ev[0].UserID != alice.ID || !ev[0].Admins {
		t.Fatalf("request.updated events %+v", ev)
	}

	// carol is matched by e-mail to an auto-approving local Overseerr user.
	mr = e.create(carol, map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": []int{1, 2}})
	if (mr.Status != StatusApproved && mr.Status != StatusProcessing) || !slices.Equal(mr.Seasons, []int{1, 2}) {
		t.Fatalf("carol's request %+v", mr)
	}
	if c := e.os.LastCall(); c.APIUser != strconv.Itoa(overseerrtest.AutoID) {
		t.Fatalf("X-API-User %q for the e-mail match", c.APIUser)
	}
}

// Someone with no Overseerr user must not request as the API key's owner,
// whose requests approve themselves: without overseerr.fallback_user_id the
// request waits here, pending, until an admin approves it, and only then
// goes to Overseerr.
func TestUnmappedRequestWaitsForAnAdmin(t *testing.T) {
	e := newEnv(t)
	before := len(e.os.Requests())
	mr := e.create(bob, map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": "all"})
	if mr.Status != StatusPending || mr.OverseerrRequestID != nil || len(mr.Seasons) == 0 || slices.Contains(mr.Seasons, 0) {
		t.Fatalf("held request %+v", mr)
	}
	for _, c := range e.os.Calls() {
		if c.Method == "POST" && c.Path == "/api/v1/request" {
			t.Fatalf("an unmapped user's request went to Overseerr: %+v", c)
		}
	}
	if n := len(e.os.Requests()); n != before {
		t.Fatalf("%d Overseerr requests, want %d", n, before)
	}
	// The same title again is already requested, held or not.
	e.want(e.do(alice, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": mr.Seasons}),
		http.StatusConflict, "ALREADY_REQUESTED")
	// The reconcile leaves it alone.
	if _, err := e.req.ReconcileOnce(context.Background()); err != nil {
		t.Fatal(err)
	}

	path := "/api/v1/admin/requests/" + strconv.FormatInt(mr.ID, 10)
	var got MediaRequest
	e.do(admin, "POST", path+"/approve", nil).data(t, &got)
	if (got.Status != StatusApproved && got.Status != StatusProcessing) || got.OverseerrRequestID == nil {
		t.Fatalf("approved: %+v", got)
	}
	info, ok := e.os.Request(*got.OverseerrRequestID)
	if !ok || info.Status != overseerr.RequestApproved {
		t.Fatalf("overseerr request %+v", info)
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = ? AND type = 'request.approved'`, bob.ID); n != 1 {
		t.Fatalf("%d approval notifications", n)
	}
	// Approving again does not send it twice.
	e.do(admin, "POST", path+"/approve", nil).data(t, &got)
	if n := len(e.os.Requests()); n != before+1 {
		t.Fatalf("%d Overseerr requests after approving twice, want %d", n, before+1)
	}

	// Declining a held request needs no Overseerr.
	mr = e.create(bob, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	e.os.SetDown(http.StatusServiceUnavailable)
	e.do(admin, "POST", "/api/v1/admin/requests/"+strconv.FormatInt(mr.ID, 10)+"/decline", nil).data(t, &got)
	if got.Status != StatusDeclined || got.OverseerrRequestID != nil {
		t.Fatalf("declined: %+v", got)
	}
}

// With overseerr.fallback_user_id set, the unmapped user's request is made
// in Overseerr as that user, so that user's approval rules apply.
func TestUnmappedRequestAsTheFallbackUser(t *testing.T) {
	e := newEnv(t, func(d *RequestsDeps, _ *LibraryDeps) { d.Config.FallbackUserID = overseerrtest.JaneID })
	mr := e.create(bob, map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": "all"})
	if c := e.os.LastCall(); c.Method != "POST" || c.APIUser != strconv.Itoa(overseerrtest.JaneID) {
		t.Fatalf("request sent as %q: %+v", c.APIUser, c)
	}
	info, _ := e.os.Request(*mr.OverseerrRequestID)
	if info.UserID != overseerrtest.JaneID || mr.Status != StatusPending {
		t.Fatalf("request as the fallback user: %+v / %+v", info, mr)
	}
	if !slices.Equal(mr.Seasons, []int{1, 2, 3}) && !slices.Equal(mr.Seasons, []int{0, 1, 2, 3}) {
		t.Fatalf("seasons of an all request: %v", mr.Seasons)
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{
		`{"mediaType":"tv","tmdbId":1399}`,
		`{"mediaType":"tv","tmdbId":1399,"seasons":[]}`,
		`{"mediaType":"tv","tmdbId":1399,"seasons":[0]}`,
		`{"mediaType":"tv","tmdbId":1399,"seasons":"some"}`,
		`{"mediaType":"movie","tmdbId":0}`,
		`{"mediaType":"book","tmdbId":1}`,
		`{"mediaType":"movie","tmdbId":"x"}`,
		`{"mediaType":"movie","tmdbId":1,"extra":1}`,
	} {
		e.want(e.do(alice, "POST", "/api/v1/media/requests", body), http.StatusBadRequest, "VALIDATION_ERROR")
	}
	if n := e.count(`SELECT count(*) FROM media_requests`); n != 0 {
		t.Fatalf("%d rows after invalid requests", n)
	}
}

func TestDuplicates(t *testing.T) {
	e := newEnv(t)
	e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	e.want(e.do(bob, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}),
		http.StatusConflict, "ALREADY_REQUESTED")

	// Overseerr's own 409: someone requested it in Overseerr directly.
	// (carol has an Overseerr user; bob's requests wait here, unsent.)
	e.os.AddRequest(overseerrtest.RequestSpec{MediaType: "movie", TmdbID: 133701})
	e.want(e.do(carol, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 133701}),
		http.StatusConflict, "ALREADY_REQUESTED")

	// Seasons: asked again here, and Overseerr's 202 "No seasons available".
	e.create(alice, map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": []int{1}})
	e.want(e.do(bob, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": []int{1}}),
		http.StatusConflict, "ALREADY_REQUESTED")
	e.os.AddRequest(overseerrtest.RequestSpec{MediaType: "tv", TmdbID: 1399, Seasons: []int{2, 3}})
	e.want(e.do(carol, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": []int{2, 3}}),
		http.StatusConflict, "ALREADY_REQUESTED")

	// Already available.
	e.want(e.do(bob, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 10378}),
		http.StatusConflict, "ALREADY_REQUESTED")

	if n := e.count(`SELECT count(*) FROM media_requests`); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}

func TestQuota(t *testing.T) {
	e := newEnv(t)
	e.setQuota(bob, 1)
	e.create(bob, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	r := e.do(bob, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 133701})
	e.want(r, http.StatusTooManyRequests, "QUOTA_EXCEEDED")
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || ra <= 0 || ra > 7*24*3600 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if ra < 7*24*3600-60 {
		t.Fatalf("Retry-After %d: the only request was just made, so a slot frees in ~7 days", ra)
	}
	// The configured default applies to others.
	e.req.cfg.RequestQuota = 1
	e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 133701})
	e.want(e.do(alice, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": "all"}),
		http.StatusTooManyRequests, "QUOTA_EXCEEDED")
	// An override of 0 is unlimited.
	e.setQuota(alice, 0)
	e.create(alice, map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": "all"})
}

func TestOverseerrDownLeavesNoRow(t *testing.T) {
	e := newEnv(t)
	e.os.SetDown(http.StatusServiceUnavailable)
	e.want(e.do(alice, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}),
		http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	e.want(e.do(alice, "GET", "/api/v1/media/search?query=sintel", nil), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	e.os.SetDown(0)

	// Nothing listens at the configured address.
	e.svcs.set(services.Service{Name: services.Overseerr, URL: "http://127.0.0.1:1", APIKey: "k", Enabled: true})
	e.want(e.do(alice, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}),
		http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")

	e.svcs.set(services.Service{Name: services.Overseerr, URL: e.os.URL, APIKey: e.os.APIKey(), Enabled: false})
	e.want(e.do(alice, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}),
		http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	if n := e.count(`SELECT count(*) FROM media_requests`); n != 0 {
		t.Fatalf("%d rows left behind", n)
	}
}

func TestWebhook(t *testing.T) {
	e := newEnv(t)
	mr := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	body := overseerrtest.WebhookBody(overseerrtest.WebhookParams{
		NotificationType: overseerr.NotifyMediaAvailable, MediaType: "movie", TmdbID: 45745,
		Subject: "Sintel (2010)", RequestID: *mr.OverseerrRequestID, RequestedByEmail: "jane@example.com",
	})
	e.want(e.do(principal.User{}, "POST", "/api/v1/webhooks/overseerr", body, "Authorization", "wrong"), http.StatusUnauthorized, "UNAUTHORIZED")
	e.want(e.do(principal.User{}, "POST", "/api/v1/webhooks/overseerr", body), http.StatusUnauthorized, "UNAUTHORIZED")

	before := len(e.rec.eventsOf(events.RequestUpdated))
	r := e.do(principal.User{}, "POST", "/api/v1/webhooks/overseerr", body, "Authorization", secret)
	e.want(r, http.StatusNoContent, "")

	var got MediaRequest
	e.do(alice, "GET", "/api/v1/media/requests/"+strconv.FormatInt(mr.ID, 10), nil).data(t, &got)
	if got.Status != StatusAvailable || got.CompletedAt == nil {
		t.Fatalf("after webhook: %+v", got)
	}
	up := e.rec.eventsOf(events.RequestUpdated)
	if len(up) != before+1 || up[len(up)-1].UserID != alice.ID || !up[len(up)-1].Admins {
		t.Fatalf("request.updated: %+v", up)
	}
	if data, ok := up[len(up)-1].Data.(MediaRequest); !ok || data.Status != StatusAvailable {
		t.Fatalf("request.updated data %#v", up[len(up)-1].Data)
	}
	ns := e.rec.eventsOf(events.Notification)
	if len(ns) != 1 || ns[0].UserID != alice.ID || ns[0].Admins {
		t.Fatalf("notification events %+v", ns)
	}
	if n, _ := ns[0].Data.(notify.Notification); n.Type != notify.RequestAvailable {
		t.Fatalf("notification %+v", ns[0].Data)
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = ? AND type = 'request.available'`, alice.ID); n != 1 {
		t.Fatalf("%d stored notifications", n)
	}

	// The same notification again changes nothing; unknown events and
	// titles nobody asked for are acknowledged.
	e.want(e.do(principal.User{}, "POST", "/api/v1/webhooks/overseerr", body, "Authorization", secret), http.StatusNoContent, "")
	e.want(e.do(principal.User{}, "POST", "/api/v1/webhooks/overseerr", overseerrtest.WebhookTestBody(), "Authorization", secret), http.StatusNoContent, "")
	e.want(e.do(principal.User{}, "POST", "/api/v1/webhooks/overseerr", overseerrtest.WebhookBody(overseerrtest.WebhookParams{
		NotificationType: overseerr.NotifyMediaApproved, MediaType: "movie", TmdbID: 999, RequestID: 9999,
	}), "Authorization", secret), http.StatusNoContent, "")
	if n := len(e.rec.eventsOf(events.Notification)); n != 1 {
		t.Fatalf("%d notifications after no-op webhooks", n)
	}

	// Without a request id the title decides.
	mr2 := e.create(bob, map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": []int{1}})
	e.want(e.do(principal.User{}, "POST", "/api/v1/webhooks/overseerr", []byte(`{"notification_type":"MEDIA_DECLINED","media":{"media_type":"tv","tmdbId":"1399"},"request":null}`),
		"Authorization", secret), http.StatusNoContent, "")
	e.do(bob, "GET", "/api/v1/media/requests/"+strconv.FormatInt(mr2.ID, 10), nil).data(t, &got)
	if got.Status != StatusDeclined || got.CompletedAt == nil {
		t.Fatalf("declined by title: %+v", got)
	}
}

func TestWebhookOffWithoutSecret(t *testing.T) {
	e := newEnv(t, func(d *RequestsDeps, _ *LibraryDeps) { d.Config.WebhookSecret = "" })
	e.want(e.do(principal.User{}, "POST", "/api/v1/webhooks/overseerr", overseerrtest.WebhookTestBody(), "Authorization", ""), http.StatusNotFound, "NOT_FOUND")
}

func TestReconcileConverges(t *testing.T) {
	e := newEnv(t)
	mr := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	ctx := context.Background()
	if n, err := e.req.ReconcileOnce(ctx); err != nil || n != 0 {
		t.Fatalf("nothing changed yet: %d, %v", n, err)
	}
	e.os.SetRequestStatus(*mr.OverseerrRequestID, overseerr.RequestApproved)
	if n, err := e.req.ReconcileOnce(ctx); err != nil || n != 1 {
		t.Fatalf("reconcile: %d, %v", n, err)
	}
	got, _ := e.req.getRequest(ctx, mr.ID)
	if got.Status != StatusApproved && got.Status != StatusProcessing {
		t.Fatalf("after approval: %s", got.Status)
	}
	e.os.SetMediaStatus(45745, overseerr.MediaAvailable)
	if n, err := e.req.ReconcileOnce(ctx); err != nil || n != 1 {
		t.Fatalf("reconcile: %d, %v", n, err)
	}
	got, _ = e.req.getRequest(ctx, mr.ID)
	if got.Status != StatusAvailable || got.CompletedAt == nil {
		t.Fatalf("after availability: %+v", got)
	}
	var types []string
	for _, ev := range e.rec.eventsOf(events.Notification) {
		types = append(types, ev.Data.(notify.Notification).Type)
	}
	if !slices.Equal(types, []string{notify.RequestApproved, notify.RequestAvailable}) {
		t.Fatalf("notifications %v", types)
	}
	// Final requests are not asked about again.
	e.os.ResetCalls()
	if _, err := e.req.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if c := e.os.Calls(); len(c) != 0 {
		t.Fatalf("reconcile asked about final requests: %+v", c)
	}

	// Overseerr down: the round stops with an error and changes nothing.
	mr2 := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 133701})
	e.os.SetDown(http.StatusServiceUnavailable)
	if _, err := e.req.ReconcileOnce(ctx); err == nil {
		t.Fatal("reconcile with Overseerr down succeeded")
	}
	got, _ = e.req.getRequest(ctx, mr2.ID)
	if got.Status != mr2.Status {
		t.Fatalf("status changed while Overseerr was down: %s", got.Status)
	}
}

func TestOwnershipAndDelete(t *testing.T) {
	e := newEnv(t)
	mr := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	path := "/api/v1/media/requests/" + strconv.FormatInt(mr.ID, 10)

	e.want(e.do(bob, "GET", path, nil), http.StatusNotFound, "NOT_FOUND")
	e.want(e.do(bob, "DELETE", path, nil), http.StatusNotFound, "NOT_FOUND")
	e.want(e.do(admin, "GET", path, nil), http.StatusOK, "")

	var list []MediaRequest
	meta := e.do(bob, "GET", "/api/v1/media/requests", nil).data(t, &list)
	if len(list) != 0 || meta["total"] != float64(0) {
		t.Fatalf("bob sees %+v", list)
	}
	meta = e.do(alice, "GET", "/api/v1/media/requests?status=pending&mediaType=movie", nil).data(t, &list)
	if len(list) != 1 || meta["total"] != float64(1) || meta["page"] != float64(1) || meta["pageSize"] != float64(20) {
		t.Fatalf("alice's list %+v %v", list, meta)
	}
	e.want(e.do(alice, "GET", "/api/v1/media/requests?status=nope", nil), http.StatusBadRequest, "VALIDATION_ERROR")
	e.want(e.do(alice, "GET", "/api/v1/admin/requests", nil), http.StatusForbidden, "FORBIDDEN")

	// Approve as admin: forwarded, audited, owner notified.
	var got MediaRequest
	e.do(admin, "POST", "/api/v1/admin/requests/"+strconv.FormatInt(mr.ID, 10)+"/approve", nil).data(t, &got)
	if got.Status != StatusApproved && got.Status != StatusProcessing {
		t.Fatalf("approved: %+v", got)
	}
	if info, _ := e.os.Request(*mr.OverseerrRequestID); info.Status != overseerr.RequestApproved {
		t.Fatalf("overseerr not told: %+v", info)
	}
	if len(e.rec.audits) != 1 || e.rec.audits[0].Action != "request.approve" || e.rec.audits[0].ActorID != admin.ID {
		t.Fatalf("audit %+v", e.rec.audits)
	}
	meta = e.do(admin, "GET", "/api/v1/admin/requests?userId="+strconv.FormatInt(alice.ID, 10)+"&status="+got.Status, nil).data(t, &list)
	if len(list) != 1 || meta["total"] != float64(1) {
		t.Fatalf("admin list %+v", list)
	}

	e.want(e.do(alice, "DELETE", path, nil), http.StatusConflict, "CONFLICT")
	e.want(e.do(admin, "DELETE", path, nil), http.StatusNoContent, "")
	if _, ok := e.os.Request(*mr.OverseerrRequestID); ok {
		t.Fatal("request still in Overseerr")
	}
	e.want(e.do(alice, "GET", path, nil), http.StatusNotFound, "NOT_FOUND")

	// The owner may withdraw a pending request.
	mr = e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 133701})
	e.want(e.do(alice, "DELETE", "/api/v1/media/requests/"+strconv.FormatInt(mr.ID, 10), nil), http.StatusNoContent, "")

	// Decline.
	mr = e.create(alice, map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": []int{2}})
	e.do(admin, "POST", "/api/v1/admin/requests/"+strconv.FormatInt(mr.ID, 10)+"/decline", nil).data(t, &got)
	if got.Status != StatusDeclined || got.CompletedAt == nil {
		t.Fatalf("declined: %+v", got)
	}
}

// TestWebhookFromOverseerr lets the fake deliver its own notifications to
// the real handler over HTTP.
func TestWebhookFromOverseerr(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	e.os.SetWebhook(srv.URL+"/api/v1/webhooks/overseerr", secret)

	mr := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	e.do(admin, "POST", "/api/v1/admin/requests/"+strconv.FormatInt(mr.ID, 10)+"/approve", nil)
	e.os.SetMediaStatus(45745, overseerr.MediaAvailable)
	for _, d := range e.os.FlushWebhooks() {
		if d.Status != http.StatusNoContent {
			t.Fatalf("delivery answered %+v", d)
		}
	}
	got, _ := e.req.getRequest(context.Background(), mr.ID)
	if got.Status != StatusAvailable {
		t.Fatalf("after Overseerr's own webhooks: %s", got.Status)
	}
}

func TestRunReconcile(t *testing.T) {
	e := newEnv(t, func(d *RequestsDeps, _ *LibraryDeps) { d.Config.ReconcileInterval = 10 * time.Millisecond })
	mr := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	e.os.SetRequestStatus(*mr.OverseerrRequestID, overseerr.RequestDeclined)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.req.RunReconcile(ctx); close(done) }()
	// The status is looked at again after every event the service
	// publishes; the change to declined publishes one.
	timeout := time.After(5 * time.Second)
	for {
		got, _ := e.req.getRequest(context.Background(), mr.ID)
		if got.Status == StatusDeclined {
			break
		}
		select {
		case <-e.rec.published:
		case <-timeout:
			t.Fatalf("still %s", got.Status)
		}
	}
	cancel()
	<-done
}

func TestWebhookTooLargeChunked(t *testing.T) {
	e := newEnv(t)
	big := io.MultiReader(strings.NewReader(`{"notification_type":"MEDIA_AVAILABLE","subject":"`), strings.NewReader(strings.Repeat("x", 2<<20)), strings.NewReader(`"}`))
	req := httptest.NewRequest("POST", "/api/v1/webhooks/overseerr", big)
	req.ContentLength = -1 // chunked: the limit is met while reading
	req.Header.Set("Authorization", secret)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "PAYLOAD_TOO_LARGE") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// The owners' usernames come from the Usernames lookup, once per listed
// page however many owners it shows, and with every single request and
// request.updated event.
func TestRequestUsernames(t *testing.T) {
	e := newEnv(t)
	a := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	e.create(bob, map[string]any{"mediaType": "movie", "tmdbId": 133701})
	e.create(alice, map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": []int{1}})

	before := e.users.calls.Load()
	var list []MediaRequest
	e.do(admin, "GET", "/api/v1/admin/requests", nil).data(t, &list)
	if n := e.users.calls.Load() - before; n != 1 {
		t.Fatalf("%d username lookups for one page, want 1", n)
	}
	if len(list) != 3 {
		t.Fatalf("%d requests", len(list))
	}
	for _, r := range list {
		want := map[int64]string{alice.ID: "alice", bob.ID: "bob"}[r.UserID]
		if r.Username != want {
			t.Errorf("request %d of user %d: username %q, want %q", r.ID, r.UserID, r.Username, want)
		}
	}

	var got MediaRequest
	e.do(admin, "GET", "/api/v1/media/requests/"+strconv.FormatInt(a.ID, 10), nil).data(t, &got)
	if got.Username != "alice" {
		t.Fatalf("single request: username %q", got.Username)
	}
	e.do(admin, "POST", "/api/v1/admin/requests/"+strconv.FormatInt(a.ID, 10)+"/approve", nil).data(t, &got)
	if got.Username != "alice" {
		t.Fatalf("approved request: username %q", got.Username)
	}
	evs := e.rec.eventsOf(events.RequestUpdated)
	if last := evs[len(evs)-1].Data.(MediaRequest); last.ID != a.ID || last.Username != "alice" {
		t.Fatalf("request.updated: %+v", last)
	}

	// No lookup for an empty page.
	before = e.users.calls.Load()
	e.do(carol, "GET", "/api/v1/media/requests", nil).data(t, &list)
	if n := e.users.calls.Load() - before; n != 0 || len(list) != 0 {
		t.Fatalf("%d lookups for an empty page", n)
	}
}
