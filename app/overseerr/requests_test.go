package overseerr_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/upstream"
)

func TestCreateMovieRequest(t *testing.T) {
	c, fake := setup(t)
	ctx := context.Background()

	// As Jane (X-API-User): pending, requested by her.
	r, err := c.CreateRequest(ctx, fake.Conn(), overseerrtest.JaneID, "movie", 45745, []int{1}, true)
	if err != nil {
		t.Fatal(err)
	}
	call := fake.LastCall()
	if call.Method != http.MethodPost || call.Path != "/api/v1/request" || call.APIUser != "2" ||
		call.Header.Get("X-Api-Key") != overseerrtest.DefaultAPIKey || call.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("call = %+v", call)
	}
	var body map[string]any
	if err := json.Unmarshal(call.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body["mediaType"] != "movie" || body["mediaId"] != float64(45745) || body["seasons"] != nil {
		t.Fatalf("body = %s", call.Body)
	}
	if r.ID == 0 || r.Status != overseerr.RequestPending || r.MediaType != "movie" || r.TmdbID() != 45745 ||
		r.RequestedBy.ID != overseerrtest.JaneID || r.RequestedBy.Email != "jane@example.com" || r.ModifiedBy != nil ||
		r.CreatedAt.IsZero() || r.Status != overseerr.RequestPending {
		t.Fatalf("request = %+v", r)
	}

	// A second request for the movie, by anyone, is a 409.
	_, err = c.CreateRequest(ctx, fake.Conn(), 0, "movie", 45745, nil, false)
	msg := wantKind(t, err, overseerr.ErrAlreadyRequested)
	if msg != "This title has already been requested." {
		t.Fatalf("message = %q", msg)
	}
	var se *upstream.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusConflict ||
		!strings.Contains(string(se.Body), "Request for this media already exists.") {
		t.Fatalf("status error = %+v", se)
	}

	// Once declined, it can be requested again; as the key owner it is
	// auto-approved and the media moves to processing.
	if _, err := c.Decline(ctx, fake.Conn(), r.ID); err != nil {
		t.Fatal(err)
	}
	r2, err := c.CreateRequest(ctx, fake.Conn(), 0, "movie", 45745, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if fake.LastCall().APIUser != "" {
		t.Fatalf("X-API-User sent for the key owner")
	}
	if r2.Status != overseerr.RequestApproved || r2.ModifiedBy == nil || r2.RequestedBy.ID != overseerrtest.AdminID ||
		r2.Media.Status != overseerr.MediaProcessing {
		t.Fatalf("auto-approved request = %+v", r2)
	}
}

func TestCreateTVRequest(t *testing.T) {
	c, fake := setup(t)
	ctx := context.Background()

	r, err := c.CreateRequest(ctx, fake.Conn(), overseerrtest.JaneID, "tv", 1399, []int{1, 2}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.SeasonNumbers(), []int{1, 2}) || r.MediaType != "tv" || r.Status != overseerr.RequestPending {
		t.Fatalf("request = %+v", r)
	}

	// Asking for already-requested seasons only: Overseerr's 202.
	_, err = c.CreateRequest(ctx, fake.Conn(), overseerrtest.JaneID, "tv", 1399, []int{2, 1}, false)
	msg := wantKind(t, err, overseerr.ErrAlreadyRequested)
	if !strings.Contains(msg, "Every season") {
		t.Fatalf("message = %q", msg)
	}

	// "all" takes every season not yet requested (Specials included).
	r2, err := c.CreateRequest(ctx, fake.Conn(), overseerrtest.AutoID, "tv", 1399, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.Unmarshal(fake.LastCall().Body, &body)
	if body["seasons"] != "all" {
		t.Fatalf("body = %s", fake.LastCall().Body)
	}
	if !slices.Equal(r2.SeasonNumbers(), []int{0, 3}) || r2.Status != overseerr.RequestApproved {
		t.Fatalf("all-seasons request = %+v", r2)
	}
	_, err = c.CreateRequest(ctx, fake.Conn(), 0, "tv", 1399, nil, true)
	wantKind(t, err, overseerr.ErrAlreadyRequested)

	// Season 1 of the partially available show is there already.
	_, err = c.CreateRequest(ctx, fake.Conn(), 0, "tv", 2000, []int{1}, false)
	wantKind(t, err, overseerr.ErrAlreadyRequested)
	r3, err := c.CreateRequest(ctx, fake.Conn(), 0, "tv", 2000, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r3.SeasonNumbers(), []int{2}) || r3.Status != overseerr.RequestApproved || r3.Media.Seasons[1].Status != overseerr.MediaProcessing {
		t.Fatalf("request = %+v", r3)
	}

	// Validation before calling Overseerr.
	for _, tc := range []struct {
		typ     string
		seasons []int
		all     bool
		id      int64
	}{{"tv", nil, false, 1399}, {"music", nil, false, 1}, {"movie", nil, false, 0}} {
		_, err := c.CreateRequest(ctx, fake.Conn(), 0, tc.typ, tc.id, tc.seasons, tc.all)
		wantKind(t, err, overseerr.ErrInvalidArgument)
	}
}

func TestCreateRequestRefusals(t *testing.T) {
	c, fake := setup(t)
	ctx := context.Background()
	fake.AddUser(overseerrtest.User{ID: 7, Email: "noperm@example.com", UserType: 2})
	fake.AddUser(overseerrtest.User{ID: 8, Email: "quota@example.com", UserType: 2,
		Permissions: overseerr.PermRequest, MovieQuota: 1})

	_, err := c.CreateRequest(ctx, fake.Conn(), 7, "movie", 45745, nil, false)
	if msg := wantKind(t, err, overseerr.ErrForbidden); !strings.Contains(msg, "permission to make movie requests") {
		t.Fatalf("message = %q", msg)
	}
	if _, err := c.CreateRequest(ctx, fake.Conn(), 8, "movie", 45745, nil, false); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateRequest(ctx, fake.Conn(), 8, "movie", 133701, nil, false)
	wantKind(t, err, overseerr.ErrQuotaExceeded)

	fake.SetDown(http.StatusInternalServerError)
	_, err = c.CreateRequest(ctx, fake.Conn(), 0, "movie", 133701, nil, false)
	wantKind(t, err, errStatus)
}

func TestGetApproveDeclineDelete(t *testing.T) {
	c, fake := setup(t)
	ctx := context.Background()
	created, err := c.CreateRequest(ctx, fake.Conn(), overseerrtest.JaneID, "movie", 45745, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Request(ctx, fake.Conn(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != created.ID || got.Media.TmdbID != 45745 || got.RequestedBy.PlexID != 48213377 {
		t.Fatalf("request = %+v", got)
	}
	if p := fake.LastCall().Path; p != "/api/v1/request/1" {
		t.Fatalf("path = %s", p)
	}

	approved, err := c.Approve(ctx, fake.Conn(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c := fake.LastCall(); c.Method != http.MethodPost || c.Path != "/api/v1/request/1/approve" {
		t.Fatalf("approve call = %s %s", c.Method, c.Path)
	}
	if approved.Status != overseerr.RequestApproved || approved.ModifiedBy == nil || approved.ModifiedBy.ID != overseerrtest.AdminID ||
		approved.Media.Status != overseerr.MediaProcessing {
		t.Fatalf("approved = %+v", approved)
	}
	fake.SetMediaStatus(45745, overseerr.MediaAvailable)
	got, err = c.Request(ctx, fake.Conn(), created.ID)
	if err != nil || got.Media.Status != overseerr.MediaAvailable {
		t.Fatalf("after availability: %+v, %v", got, err)
	}

	declined, err := c.Decline(ctx, fake.Conn(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fake.LastCall().Path != "/api/v1/request/1/decline" || declined.Status != overseerr.RequestDeclined {
		t.Fatalf("declined = %+v", declined)
	}

	if err := c.DeleteRequest(ctx, fake.Conn(), created.ID); err != nil {
		t.Fatal(err)
	}
	if c := fake.LastCall(); c.Method != http.MethodDelete || c.Path != "/api/v1/request/1" {
		t.Fatalf("delete call = %s %s", c.Method, c.Path)
	}
	if _, ok := fake.Request(created.ID); ok {
		t.Fatal("request still in the fake")
	}

	// Everything about a missing request is NOT_FOUND.
	_, err = c.Request(ctx, fake.Conn(), created.ID)
	if msg := wantKind(t, err, overseerr.ErrNotFound); msg != "Overseerr has no request 1." {
		t.Fatalf("message = %q", msg)
	}
	wantKind(t, c.DeleteRequest(ctx, fake.Conn(), 42), overseerr.ErrNotFound)
	_, err = c.Approve(ctx, fake.Conn(), 42)
	wantKind(t, err, overseerr.ErrNotFound)
	_, err = c.Decline(ctx, fake.Conn(), 42)
	wantKind(t, err, overseerr.ErrNotFound)
}

func TestRequestsPaging(t *testing.T) {
	c, fake := setup(t)
	ctx := context.Background()
	for i := 0; i < 23; i++ {
		st := overseerr.RequestPending
		if i%2 == 1 {
			st = overseerr.RequestApproved
		}
		fake.AddMovie(overseerrtest.Movie{TmdbID: int64(5000 + i), Title: "Movie", ReleaseDate: "2020-01-01"})
		fake.AddRequest(overseerrtest.RequestSpec{UserID: overseerrtest.JaneID, MediaType: "movie", TmdbID: int64(5000 + i), Status: st})
	}
	page, err := c.Requests(ctx, fake.Conn(), 0, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if q := fake.LastCall().Query; q.Get("take") != "10" || q.Get("skip") != "0" || q.Has("filter") {
		t.Fatalf("query = %v", q)
	}
	if page.PageInfo != (overseerr.PageInfo{Pages: 3, PageSize: 10, Results: 23, Page: 1}) || len(page.Results) != 10 {
		t.Fatalf("page info = %+v (%d results)", page.PageInfo, len(page.Results))
	}
	if page.Results[0].ID != 23 || page.Results[0].RequestedBy.ID != overseerrtest.JaneID {
		t.Fatalf("newest first: %+v", page.Results[0])
	}
	page, err = c.Requests(ctx, fake.Conn(), 10, 20, "")
	if err != nil {
		t.Fatal(err)
	}
	if page.PageInfo.Page != 3 || len(page.Results) != 3 {
		t.Fatalf("last page = %+v (%d)", page.PageInfo, len(page.Results))
	}
	page, err = c.Requests(ctx, fake.Conn(), 50, 0, "pending")
	if err != nil {
		t.Fatal(err)
	}
	if fake.LastCall().Query.Get("filter") != "pending" || page.PageInfo.Results != 12 {
		t.Fatalf("pending = %+v", page.PageInfo)
	}
	for _, r := range page.Results {
		if r.Status != overseerr.RequestPending {
			t.Fatalf("filtered result %+v", r)
		}
	}
	page, err = c.Requests(ctx, fake.Conn(), 50, 0, "processing")
	if err != nil || page.PageInfo.Results != 11 {
		t.Fatalf("processing = %+v, %v", page.PageInfo, err)
	}
	_, err = c.Requests(ctx, fake.Conn(), 10, 0, "bogus")
	wantKind(t, err, overseerr.ErrInvalidArgument)
}
