package plex_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"medianest/app/plex"
	"medianest/app/plex/plextest"
	"medianest/app/upstream"
)

func TestIdentity(t *testing.T) {
	fake, pms, conn := newPMS(t)
	id, err := pms.Identity(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	if id.MachineIdentifier != plextest.DefaultMachineID || id.Version != plextest.DefaultPMSVersion || !id.Claimed {
		t.Errorf("identity = %+v", id)
	}
	r := fake.LastRequest(t)
	if r.Path != "/identity" || r.Token() != "" {
		t.Errorf("identity request %s sent token %q; it needs none", r.Path, r.Token())
	}
	if r.Get("X-Plex-Client-Identifier") != testID.ClientID || r.Header.Get("Accept") != "application/json" {
		t.Errorf("headers = %v", r.Header)
	}
	// No token at all still works: the status poller uses it to see the
	// server is up.
	if _, err := pms.Identity(context.Background(), plex.Conn{URL: fake.URL}); err != nil {
		t.Error(err)
	}
}

func TestServerInfo(t *testing.T) {
	fake, pms, conn := newPMS(t)
	fake.SetName("Living Room")
	info, err := pms.ServerInfo(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	want := plex.ServerInfo{FriendlyName: "Living Room", MachineIdentifier: plextest.DefaultMachineID,
		Version: plextest.DefaultPMSVersion, Platform: "Linux", PlatformVersion: "6.1.0", MyPlexUsername: "admin.user"}
	if info != want {
		t.Errorf("info = %+v, want %+v", info, want)
	}
	if r := fake.LastRequest(t); r.Header.Get("X-Plex-Token") != conn.Token || r.Query.Has("X-Plex-Token") {
		t.Error("token must go in the header, not the URL")
	}
	_, err = pms.ServerInfo(context.Background(), plex.Conn{URL: fake.URL, Token: "bogus"})
	wantKind(t, err, errStatus)
	wantPrefix(t, err)
	noToken(t, err, "bogus")
	if plex.StatusCode(err) != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", plex.StatusCode(err))
	}
}

func TestConnValidation(t *testing.T) {
	pms := plex.NewPMS(client(t), testID)
	tests := []struct {
		url  string
		want error
	}{
		{"", plex.ErrNotConfigured},
		{"   ", plex.ErrNotConfigured},
		{"ftp://plex:32400", plex.ErrInvalidURL},
		{"plex:32400", plex.ErrInvalidURL},
		{"http://", plex.ErrInvalidURL},
		{"http://user:secret@%zz", plex.ErrInvalidURL},
	}
	for _, tt := range tests {
		_, err := pms.Identity(context.Background(), plex.Conn{URL: tt.url, Token: "t"})
		wantKind(t, err, tt.want)
		noToken(t, err, "secret")
	}
}

func TestSections(t *testing.T) {
	fake, pms, conn := newPMS(t)
	fake.Grant("jane-srv-token", "2")
	fake.Grant("nobody-srv-token")

	tests := []struct {
		token string
		want  []string
	}{
		{fake.OwnerToken(), []string{"1", "2"}},
		{"jane-srv-token", []string{"2"}},
		{"nobody-srv-token", nil},
	}
	for _, tt := range tests {
		ss, err := pms.Sections(context.Background(), plex.Conn{URL: conn.URL, Token: tt.token})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, s := range ss {
			keys = append(keys, s.Key)
		}
		if !slices.Equal(keys, tt.want) {
			t.Errorf("%s sees %v, want %v", tt.token, keys, tt.want)
		}
	}
	ss, _ := pms.Sections(context.Background(), conn)
	m := ss[0]
	if m.Title != "Movies" || m.Type != "movie" || len(m.Locations) != 1 || m.Locations[0].Path != "/data/movies" ||
		m.Agent == "" || m.UUID == "" || m.UpdatedAt.IsZero() {
		t.Errorf("section = %+v", m)
	}
	_, err := pms.Sections(context.Background(), plex.Conn{URL: conn.URL, Token: "unknown"})
	if plex.StatusCode(err) != 401 || errors.Is(err, plex.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
}

func TestSectionForPath(t *testing.T) {
	ss := []plex.Section{
		{Key: "1", Locations: []plex.Location{{Path: "/data/movies"}}},
		{Key: "2", Locations: []plex.Location{{Path: "/data/tv/"}, {Path: "/mnt/tv"}}},
		{Key: "3", Locations: []plex.Location{{Path: "/data/movies/youtube"}}},
		{Key: "4", Locations: []plex.Location{{Path: `D:\Media\Clips`}}},
	}
	tests := []struct{ dir, want string }{
		{"/data/movies", "1"},
		{"/data/movies/Big Buck Bunny (2008)", "1"},
		{"/data/movies/youtube/chan", "3"},
		{"/data/movies2", ""},
		{"/data/tv/Show/Season 1", "2"},
		{"/mnt/tv/", "2"},
		{"/data", ""},
		{"", ""},
		{`D:\Media\Clips\x`, "4"},
		{"/data/movies/../tv/x", "2"},
	}
	for _, tt := range tests {
		s, ok := plex.SectionForPath(ss, tt.dir)
		if s.Key != tt.want || ok != (tt.want != "") {
			t.Errorf("SectionForPath(%q) = %q, %v; want %q", tt.dir, s.Key, ok, tt.want)
		}
	}
}

func TestSectionCount(t *testing.T) {
	fake, pms, conn := newPMS(t)
	for key, want := range map[string]int{"1": 57, "2": 2} {
		n, err := pms.SectionCount(context.Background(), conn, key)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("section %s count = %d, want %d", key, n, want)
		}
		r := fake.LastRequest(t)
		if r.Header.Get("X-Plex-Container-Start") != "0" || r.Header.Get("X-Plex-Container-Size") != "0" ||
			r.Query.Get("X-Plex-Container-Size") != "0" {
			t.Errorf("count request lacks a zero-size page: %v %v", r.Header, r.Query)
		}
	}
}

func TestSectionItemsPaging(t *testing.T) {
	fake, pms, conn := newPMS(t)
	tests := []struct {
		offset, limit    int
		sort             string
		wantN            int
		wantStart        string
		wantSize         string
		wantFirst        string
		wantSortInQuery  bool
		wantTotalAtLeast int
	}{
		{0, 50, "", 50, "0", "50", "Big Buck Bunny", false, 57},
		{50, 50, "", 7, "50", "50", "Movie 049", false, 57},
		{0, 0, "", 50, "0", "50", "Big Buck Bunny", false, 57},
		{-5, 5000, "", 57, "0", "1000", "Big Buck Bunny", false, 57},
		{100, 10, "", 0, "100", "10", "", false, 57},
		{0, 3, "titleSort", 3, "0", "3", "Big Buck Bunny", true, 57},
		{0, 1, "addedAt:desc", 1, "0", "1", "Movie 055", true, 57},
		{0, 1, "year:desc", 1, "0", "1", "Movie 035", true, 57},
	}
	for _, tt := range tests {
		fake.ClearRequests()
		items, total, err := pms.SectionItems(context.Background(), conn, "1", tt.offset, tt.limit, tt.sort)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != tt.wantN || total != 57 {
			t.Errorf("offset %d limit %d: got %d items of %d, want %d of 57", tt.offset, tt.limit, len(items), total, tt.wantN)
		}
		if tt.wantFirst != "" && (len(items) == 0 || items[0].Title != tt.wantFirst) {
			t.Errorf("offset %d sort %q: first = %+v, want %q", tt.offset, tt.sort, first(items), tt.wantFirst)
		}
		r := fake.LastRequest(t)
		if r.Path != "/library/sections/1/all" || r.Header.Get("X-Plex-Container-Start") != tt.wantStart ||
			r.Header.Get("X-Plex-Container-Size") != tt.wantSize {
			t.Errorf("paging headers = start %q size %q, want %s/%s", r.Header.Get("X-Plex-Container-Start"),
				r.Header.Get("X-Plex-Container-Size"), tt.wantStart, tt.wantSize)
		}
		if r.Query.Has("sort") != tt.wantSortInQuery || r.Query.Get("sort") != tt.sort {
			t.Errorf("sort query = %q, want %q", r.Query.Get("sort"), tt.sort)
		}
	}
	items, _, _ := pms.SectionItems(context.Background(), conn, "1", 0, 1, "")
	it := items[0]
	if it.RatingKey != "101" || it.Type != "movie" || it.Year != 2008 || it.DurationMS != 596000 ||
		it.LibrarySectionID != 1 || it.AddedAt.Unix() != 1771990000 || it.Thumb == "" ||
		!slices.Equal(it.Genres, []string{"Animation", "Comedy"}) {
		t.Errorf("item = %+v", it)
	}
	shows, total, err := pms.SectionItems(context.Background(), conn, "2", 0, 10, "titleSort")
	if err != nil || total != 2 || len(shows) != 2 || shows[0].Title != "Another Show" || shows[1].ChildCount != 2 || shows[1].LeafCount != 6 {
		t.Errorf("shows = %+v, %d, %v", shows, total, err)
	}
}

func first(items []plex.Item) plex.Item {
	if len(items) == 0 {
		return plex.Item{}
	}
	return items[0]
}

// TestHiddenSections: a section not shared with the token, whatever status
// PMS uses for it, and an unknown section, are NOT_FOUND for every
// section-scoped call; the upstream status stays in the chain.
func TestHiddenSections(t *testing.T) {
	for _, st := range []int{401, 403, 404} {
		t.Run(strconv.Itoa(st), func(t *testing.T) {
			fake, pms, conn := newPMS(t)
			fake.SetHiddenStatus(st)
			fake.Grant("jane", "2")
			jane := plex.Conn{URL: conn.URL, Token: "jane"}
			ctx := context.Background()
			calls := map[string]func() error{
				"items":       func() error { _, _, err := pms.SectionItems(ctx, jane, "1", 0, 10, ""); return err },
				"count":       func() error { _, err := pms.SectionCount(ctx, jane, "1"); return err },
				"collections": func() error { _, err := pms.Collections(ctx, jane, "1"); return err },
				"collection":  func() error { _, err := pms.CollectionItems(ctx, jane, "5001"); return err },
				"metadata":    func() error { _, err := pms.Metadata(ctx, jane, "101"); return err },
				"image": func() error {
					_, _, err := pms.Image(ctx, jane, "/library/metadata/101/thumb/1771990000", 100, 150)
					return err
				},
				"unknown section": func() error { _, _, err := pms.SectionItems(ctx, conn, "99", 0, 10, ""); return err },
				"unknown item":    func() error { _, err := pms.Metadata(ctx, conn, "99999"); return err },
			}
			for name, call := range calls {
				err := call()
				wantKind(t, err, plex.ErrNotFound)
				wantPrefix(t, err)
				noToken(t, err, "jane", conn.Token)
				if s := plex.StatusCode(err); s != st && s != 404 {
					t.Errorf("%s: status %d not kept in the chain", name, s)
				}
			}
			if _, _, err := pms.SectionItems(ctx, jane, "2", 0, 10, ""); err != nil {
				t.Errorf("shared section: %v", err)
			}
		})
	}
}

func TestInvalidKeys(t *testing.T) {
	_, pms, conn := newPMS(t)
	ctx := context.Background()
	for _, key := range []string{"", "../1", "1/refresh", "1?x=1", "%2e%2e", "1 2", "１"} {
		_, _, err := pms.SectionItems(ctx, conn, key, 0, 1, "")
		wantKind(t, err, plex.ErrInvalidArgument)
		_, err = pms.Metadata(ctx, conn, key)
		wantKind(t, err, plex.ErrInvalidArgument)
		_, err = pms.CollectionItems(ctx, conn, key)
		wantKind(t, err, plex.ErrInvalidArgument)
		wantKind(t, pms.Refresh(ctx, conn, key, ""), plex.ErrInvalidArgument)
	}
}

func TestPMSFailures(t *testing.T) {
	t.Run("server error", func(t *testing.T) {
		fake, pms, conn := newPMS(t)
		fake.SetDown(http.StatusInternalServerError)
		_, err := pms.Sections(context.Background(), conn)
		wantKind(t, err, errStatus)
		noToken(t, err, conn.Token)
		if plex.StatusCode(err) != 500 {
			t.Errorf("status = %d", plex.StatusCode(err))
		}
		// A 5xx on an object call is not "not found".
		_, err = pms.Metadata(context.Background(), conn, "101")
		wantKind(t, err, errStatus)
	})
	t.Run("retried", func(t *testing.T) {
		fake, pms, conn := newPMS(t, retries(2))
		fake.SetDown(http.StatusBadGateway)
		_, _, err := pms.SectionItems(context.Background(), conn, "1", 0, 10, "")
		wantKind(t, err, errStatus)
		reqs := fake.RequestsTo("/library/sections/1/all")
		if len(reqs) != 3 {
			t.Fatalf("sent %d times, want 3", len(reqs))
		}
		for _, r := range reqs {
			if r.Header.Get("X-Plex-Container-Size") != "10" {
				t.Error("a retry lost the paging headers")
			}
		}
	})
	t.Run("timeout", func(t *testing.T) {
		fake, pms, conn := newPMS(t, timeout(100*time.Millisecond))
		fake.Hang()
		ctx := context.Background()
		errs := []error{}
		_, err := pms.Sections(ctx, conn)
		errs = append(errs, err)
		_, _, err = pms.SectionItems(ctx, conn, "1", 0, 10, "")
		errs = append(errs, err)
		_, _, err = pms.Image(ctx, conn, "/library/metadata/101/thumb/1", 10, 10)
		errs = append(errs, err)
		for _, err := range errs {
			wantKind(t, err, upstream.ErrTimeout)
			wantPrefix(t, err)
			noToken(t, err, conn.Token)
		}
	})
	t.Run("refused", func(t *testing.T) {
		fake, pms, conn := newPMS(t)
		fake.Close()
		_, err := pms.Identity(context.Background(), conn)
		wantKind(t, err, upstream.ErrRefused)
	})
}
