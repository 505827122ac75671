package overseerr_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/upstream"
)

func newClient(t *testing.T, o upstream.Options) *overseerr.Client {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	return overseerr.New(o)
}

func setup(t *testing.T) (*overseerr.Client, *overseerrtest.Server) {
	t.Helper()
	return newClient(t, upstream.Options{}), overseerrtest.New(t)
}

// errStatus stands for "a *upstream.StatusError" in wantKind.
var errStatus = errors.New("an upstream status error")

// wantKind fails unless err matches target (an overseerr or upstream
// sentinel, or errStatus); it returns the sentence users would see.
func wantKind(t *testing.T, err error, target error) string {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", target)
	}
	if target == errStatus {
		if !errors.As(err, new(*upstream.StatusError)) {
			t.Fatalf("error %v has no *upstream.StatusError", err)
		}
	} else if !errors.Is(err, target) {
		t.Fatalf("error %v is not %v", err, target)
	}
	if !strings.HasPrefix(err.Error(), "overseerr: ") {
		t.Errorf("error %q lacks the overseerr: prefix", err)
	}
	var m interface{ Message() string }
	if errors.As(err, &m) {
		return m.Message()
	}
	return ""
}

func TestStatusAndCheck(t *testing.T) {
	c, fake := setup(t)
	ctx := context.Background()
	fake.SetVersion("1.41.3")
	st, err := c.Status(ctx, fake.Conn())
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "1.41.3" || st.CommitTag == "" {
		t.Fatalf("status = %+v", st)
	}
	if got := fake.LastCall(); got.Path != "/api/v1/status" || got.Header.Get("X-Api-Key") != overseerrtest.DefaultAPIKey {
		t.Fatalf("call = %s %s key %q", got.Method, got.Path, got.Header.Get("X-Api-Key"))
	}
	if _, err := c.Check(ctx, fake.Conn()); err != nil {
		t.Fatalf("check: %v", err)
	}

	// /status is public: a wrong key only shows on an authenticated call.
	bad := fake.Conn()
	bad.APIKey = "wrong"
	if _, err := c.Status(ctx, bad); err != nil {
		t.Fatalf("status with wrong key: %v", err)
	}
	_, err = c.Check(ctx, bad)
	if msg := wantKind(t, err, overseerr.ErrInvalidKey); msg != "Overseerr refused the API key." {
		t.Fatalf("message = %q", msg)
	}
	var se *upstream.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden ||
		!strings.Contains(string(se.Body), "You do not have permission to access this endpoint") {
		t.Fatalf("status error = %+v", se)
	}
}

func TestBaseURLForms(t *testing.T) {
	c, fake := setup(t)
	for _, u := range []string{fake.URL, fake.URL + "/", fake.URL + "/api/v1", fake.URL + "/api/v1/"} {
		conn := overseerr.Conn{URL: u, APIKey: overseerrtest.DefaultAPIKey}
		if _, err := c.Me(context.Background(), conn); err != nil {
			t.Errorf("%s: %v", u, err)
		}
		if p := fake.LastCall().Path; p != "/api/v1/auth/me" {
			t.Errorf("%s: path %s", u, p)
		}
	}
	_, err := c.Status(context.Background(), overseerr.Conn{})
	if msg := wantKind(t, err, overseerr.ErrNotConfigured); msg != "Overseerr is not configured." {
		t.Fatalf("message = %q", msg)
	}
}

func TestSearch(t *testing.T) {
	c, fake := setup(t)
	page, err := c.Search(context.Background(), fake.Conn(), "Big Buck", 1)
	if err != nil {
		t.Fatal(err)
	}
	call := fake.LastCall()
	if call.RawQuery != "page=1&query=Big%20Buck" {
		t.Fatalf("raw query = %q, want %%20 for the space", call.RawQuery)
	}
	if page.TotalResults != 1 || len(page.Results) != 1 {
		t.Fatalf("page = %+v", page)
	}
	// The person "Buck Person" matches "buck" too but is left out.
	page, err = c.Search(context.Background(), fake.Conn(), "buck", 1)
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalResults != 2 || len(page.Results) != 1 {
		t.Fatalf("page = %+v", page)
	}
	r := page.Results[0]
	if r.MediaType != "movie" || r.TmdbID != 10378 || r.Title != "Big Buck Bunny" || r.Year != 2008 ||
		r.PosterPath != "/p1.jpg" || r.Overview == "" {
		t.Fatalf("result = %+v", r)
	}
	if r.Media == nil || r.Media.Status != overseerr.MediaAvailable || r.Requested() {
		t.Fatalf("media = %+v availability %s requested %v", r.Media, r.Media.Status, r.Requested())
	}
	if got := overseerr.PosterURL(r.PosterPath); got != "https://image.tmdb.org/t/p/w500/p1.jpg" {
		t.Fatalf("poster url = %q", got)
	}

	page, err = c.Search(context.Background(), fake.Conn(), "example show", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Results) != 1 || page.Results[0].MediaType != "tv" || page.Results[0].Title != "Example Show" ||
		page.Results[0].Year != 2011 || page.Results[0].Media != nil {
		t.Fatalf("tv result = %+v", page.Results)
	}

	// A pending request makes the title requested and pending.
	if _, err := c.CreateRequest(context.Background(), fake.Conn(), overseerrtest.JaneID, "movie", 45745, nil, false); err != nil {
		t.Fatal(err)
	}
	page, err = c.Search(context.Background(), fake.Conn(), "tmdb:45745", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Results) != 1 || !page.Results[0].Requested() || page.Results[0].Media.Status != overseerr.MediaPending {
		t.Fatalf("requested result = %+v", page.Results)
	}

	page, err = c.Search(context.Background(), fake.Conn(), "no such title", 1)
	if err != nil || len(page.Results) != 0 || page.Results == nil {
		t.Fatalf("empty search = %+v, %v", page, err)
	}

	_, err = c.Search(context.Background(), fake.Conn(), "  ", 1)
	wantKind(t, err, overseerr.ErrInvalidArgument)
}

func TestQueryEncoding(t *testing.T) {
	c, fake := setup(t)
	if _, err := c.Search(context.Background(), fake.Conn(), "Tom & Jerry: 1+1 ?", 2); err != nil {
		t.Fatal(err)
	}
	call := fake.LastCall()
	if call.RawQuery != "page=2&query=Tom%20%26%20Jerry%3A%201%2B1%20%3F" {
		t.Fatalf("raw query = %q", call.RawQuery)
	}
	if call.Query.Get("query") != "Tom & Jerry: 1+1 ?" {
		t.Fatalf("decoded query = %q", call.Query.Get("query"))
	}
}

func TestMovieAndTVDetails(t *testing.T) {
	c, fake := setup(t)
	ctx := context.Background()
	m, err := c.Movie(ctx, fake.Conn(), 10378)
	if err != nil {
		t.Fatal(err)
	}
	if m.Title != "Big Buck Bunny" || m.Year != 2008 || m.Runtime != 10 || m.BackdropPath != "/b1.jpg" ||
		len(m.Genres) != 2 || m.Genres[0] != "Animation" || m.Seasons != nil || m.Media.Status != overseerr.MediaAvailable {
		t.Fatalf("movie = %+v", m)
	}
	if m.Media == nil || m.Media.RatingKey == "" || len(m.Media.Requests) != 0 {
		t.Fatalf("movie media = %+v", m.Media)
	}
	if got := overseerr.BackdropURL(m.BackdropPath); got != "https://image.tmdb.org/t/p/w1280/b1.jpg" {
		t.Fatalf("backdrop = %q", got)
	}
	if got := overseerr.PosterURL(""); got != "" {
		t.Fatalf("poster of no path = %q", got)
	}

	// Request seasons 1 and 2 of the show as Jane (pending), then mark
	// season 1 processing: details carry per-season status.
	if _, err := c.CreateRequest(ctx, fake.Conn(), overseerrtest.JaneID, "tv", 1399, []int{1, 2}, false); err != nil {
		t.Fatal(err)
	}
	fake.SetSeasonStatus(1399, 1, overseerr.MediaProcessing)
	tv, err := c.TV(ctx, fake.Conn(), 1399)
	if err != nil {
		t.Fatal(err)
	}
	if tv.Title != "Example Show" || tv.Runtime != 60 || tv.TvdbID == 0 || len(tv.Seasons) != 4 {
		t.Fatalf("tv = %+v", tv)
	}
	want := map[int]overseerr.MediaStatus{0: overseerr.MediaUnknown, 1: overseerr.MediaProcessing, 2: overseerr.MediaPending, 3: overseerr.MediaUnknown}
	for _, s := range tv.Seasons {
		if s.Status != want[s.SeasonNumber] || s.EpisodeCount == 0 {
			t.Errorf("season %d: %v (%d episodes), want %v", s.SeasonNumber, s.Status, s.EpisodeCount, want[s.SeasonNumber])
		}
	}
	if tv.Media == nil || len(tv.Media.Requests) != 1 || !tv.Requested() {
		t.Fatalf("tv media = %+v", tv.Media)
	}
	if r := tv.Media.Requests[0]; r.RequestedBy.ID != overseerrtest.JaneID || len(r.Seasons) != 2 {
		t.Fatalf("tv request = %+v", r)
	}

	// Overseerr answers an unknown id with a 500, not a 404; it is still
	// "no such title", and it does not open the
	// breaker however often it is asked.
	_, err = c.Movie(ctx, fake.Conn(), 999999)
	wantKind(t, err, overseerr.ErrUnknownTitle)
	// New sets the breaker policy itself; callers cannot forget it.
	strict := overseerr.New(upstream.Options{Retries: -1, FailuresToOpen: 2})
	for i := 0; i < 5; i++ {
		_, err = strict.Movie(ctx, fake.Conn(), 999999)
		wantKind(t, err, overseerr.ErrUnknownTitle)
	}
	if _, err := strict.Search(ctx, fake.Conn(), "sintel", 1); err != nil {
		t.Fatalf("unknown titles opened the breaker: %v", err)
	}
	_, err = c.TV(ctx, fake.Conn(), 0)
	wantKind(t, err, overseerr.ErrInvalidArgument)
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	t.Run("server error", func(t *testing.T) {
		c, fake := setup(t)
		fake.SetDown(http.StatusInternalServerError)
		_, err := c.Search(ctx, fake.Conn(), "x", 1)
		wantKind(t, err, errStatus)
		var se *upstream.StatusError
		if !errors.As(err, &se) || se.Status != 500 {
			t.Fatalf("status error = %v", se)
		}
		if n := len(fake.Calls()); n != 1 {
			t.Fatalf("a 500 was tried %d times, want 1", n)
		}
		fake.SetDown(0)
		if _, err := c.Search(ctx, fake.Conn(), "x", 1); err != nil {
			t.Fatalf("after recovery: %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		c := newClient(t, upstream.Options{Timeout: 200 * time.Millisecond})
		fake := overseerrtest.New(t)
		fake.SetHang(true)
		start := time.Now()
		_, err := c.Request(ctx, fake.Conn(), 1)
		wantKind(t, err, upstream.ErrTimeout)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
		_, err = c.CreateRequest(ctx, fake.Conn(), 0, "movie", 45745, nil, false)
		wantKind(t, err, upstream.ErrTimeout)
	})
	t.Run("refused", func(t *testing.T) {
		c := newClient(t, upstream.Options{Retries: -1})
		_, err := c.Status(ctx, overseerr.Conn{URL: "http://127.0.0.1:1", APIKey: "k"})
		wantKind(t, err, upstream.ErrRefused)
	})
	t.Run("unknown acting user", func(t *testing.T) {
		c, fake := setup(t)
		_, err := c.CreateRequest(ctx, fake.Conn(), 99, "movie", 45745, nil, false)
		msg := wantKind(t, err, overseerr.ErrInvalidKey)
		if !strings.Contains(msg, "refused the API key") {
			t.Fatalf("message = %q", msg)
		}
		if fake.LastCall().APIUser != "99" {
			t.Fatalf("X-API-User = %q", fake.LastCall().APIUser)
		}
	})
	t.Run("garbage answer", func(t *testing.T) {
		srv := garbageServer(t)
		c := newClient(t, upstream.Options{})
		_, err := c.Search(ctx, overseerr.Conn{URL: srv, APIKey: "k"}, "x", 1)
		wantKind(t, err, upstream.ErrUnreadable)
	})
}

// garbageServer answers every call with a body that is not JSON.
func garbageServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("<html>proxy error</html>"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
