package plex_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"medianest/app/plex"
	"medianest/app/plex/plextest"
)

func TestRecentlyAdded(t *testing.T) {
	fake, pms, conn := newPMS(t)
	items, err := pms.RecentlyAdded(context.Background(), conn, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 {
		t.Fatalf("got %d items, want 5", len(items))
	}
	for i := 1; i < len(items); i++ {
		if items[i].AddedAt.After(items[i-1].AddedAt) {
			t.Errorf("not newest first at %d", i)
		}
	}
	// The newest additions are the shows' seasons: PMS reports new TV as
	// seasons with the show as parent.
	if s := items[0]; s.Type != "season" || s.ParentTitle != "Another Show" || s.Index != 1 || s.LibrarySectionID != 2 {
		t.Errorf("newest = %+v, want Another Show season 1", s)
	}
	r := fake.LastRequest(t)
	if r.Path != "/library/recentlyAdded" || r.Header.Get("X-Plex-Container-Start") != "0" || r.Header.Get("X-Plex-Container-Size") != "5" {
		t.Errorf("request = %s %v", r.Path, r.Header)
	}
	fake.Grant("jane", "1")
	items, err = pms.RecentlyAdded(context.Background(), plex.Conn{URL: conn.URL, Token: "jane"}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 57 || items[0].Type != "movie" {
		t.Errorf("jane sees %d items, first %+v; want the 57 movies only", len(items), first(items))
	}
}

func TestSearch(t *testing.T) {
	fake, pms, conn := newPMS(t)
	ctx := context.Background()
	tests := []struct {
		query string
		limit int
		want  []string // titles, in order
	}{
		{"bunny", 10, []string{"Big Buck Bunny"}},
		{"Show", 10, []string{"Example Show", "Another Show"}},
		{"episode", 3, []string{"Episode 1", "Episode 2", "Episode 3"}},
		{"blender", 10, []string{"Blender Films"}},
		{"animation", 10, nil}, // only the genre hub (Directory) matches
		{"zzz", 10, nil},
	}
	for _, tt := range tests {
		items, err := pms.Search(ctx, conn, tt.query, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, it := range items {
			titles = append(titles, it.Title)
		}
		if !slices.Equal(titles, tt.want) {
			t.Errorf("Search(%q) = %v, want %v", tt.query, titles, tt.want)
		}
		r := fake.LastRequest(t)
		if r.Path != "/hubs/search" || r.Query.Get("query") != tt.query || r.Query.Get("limit") != fmt.Sprint(tt.limit) {
			t.Errorf("search request = %s ?%s", r.Path, r.Query.Encode())
		}
	}
	items, _ := pms.Search(ctx, conn, "episode 1", 10)
	if len(items) != 3 || items[0].GrandparentTitle != "Example Show" || items[0].ParentIndex != 1 || items[0].Type != "episode" {
		t.Errorf("episode result = %+v", first(items))
	}
	_, err := pms.Search(ctx, conn, "  ", 10)
	wantKind(t, err, plex.ErrInvalidArgument)

	fake.Grant("jane", "2")
	items, err = pms.Search(ctx, plex.Conn{URL: conn.URL, Token: "jane"}, "bunny", 10)
	if err != nil || len(items) != 0 {
		t.Errorf("jane found %v, %v in a section not shared with her", items, err)
	}
}

func TestMetadata(t *testing.T) {
	fake, pms, conn := newPMS(t)
	ctx := context.Background()
	m, err := pms.Metadata(ctx, conn, "101")
	if err != nil {
		t.Fatal(err)
	}
	if m.Title != "Big Buck Bunny" || m.DurationMS != 596000 || m.LibrarySectionID != 1 || m.Summary == "" ||
		!slices.Equal(m.Genres, []string{"Animation", "Comedy"}) || !slices.Equal(m.Directors, []string{"Sacha Goedegebure"}) ||
		!slices.Equal(m.Guids, []string{"imdb://tt1254207", "tmdb://10378"}) || m.GUID != "plex://movie/101" || m.Children != nil {
		t.Errorf("movie = %+v", m)
	}
	if r := fake.LastRequest(t); r.Path != "/library/metadata/101" || r.Query.Get("includeChildren") != "1" {
		t.Errorf("request = %s ?%s", r.Path, r.Query.Encode())
	}
	shows, _, _ := pms.SectionItems(ctx, conn, "2", 0, 10, "titleSort")
	show, err := pms.Metadata(ctx, conn, shows[1].RatingKey)
	if err != nil {
		t.Fatal(err)
	}
	if show.Type != "show" || show.Title != "Example Show" || len(show.Children) != 2 ||
		show.Children[0].Type != "season" || show.Children[1].Index != 2 || show.Children[0].LeafCount != 3 {
		t.Errorf("show = %+v", show)
	}
}

func TestCollections(t *testing.T) {
	fake, pms, conn := newPMS(t)
	ctx := context.Background()
	cs, err := pms.Collections(ctx, conn, "1")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("got %d collections, want 1", len(cs))
	}
	c := cs[0]
	// childCount, minYear and maxYear arrive as strings, smart as "0".
	if c.RatingKey != "5001" || c.Title != "Blender Films" || c.Type != "collection" || c.Subtype != "movie" ||
		c.ChildCount != 2 || c.MinYear != 2008 || c.MaxYear != 2010 || c.Smart || c.Thumb == "" || c.AddedAt.IsZero() {
		t.Errorf("collection = %+v", c)
	}
	r := fake.LastRequest(t)
	if r.Path != "/library/sections/1/collections" || r.Header.Get("X-Plex-Container-Size") == "" {
		t.Errorf("collections request = %s %v", r.Path, r.Header)
	}
	items, err := pms.CollectionItems(ctx, conn, "5001")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].RatingKey != "101" || items[1].RatingKey != "102" {
		t.Errorf("collection items = %+v", items)
	}
	if none, err := pms.Collections(ctx, conn, "2"); err != nil || len(none) != 0 {
		t.Errorf("section without collections = %v, %v", none, err)
	}
	_, err = pms.CollectionItems(ctx, conn, "101") // a movie, not a collection
	wantKind(t, err, plex.ErrNotFound)
}

// TestCollectionItemsPages: a collection larger than one page is fetched
// page by page, every page with paging headers, in the collection's order.
func TestCollectionItemsPages(t *testing.T) {
	fake := plextest.NewPMS(t)
	fake.AddSection(plextest.Section{Key: "7", Title: "Clips", Type: "movie", Locations: []string{"/data/clips"}})
	var keys []string
	for _, it := range fake.AddItems("7", plex.MaxPageSize+250) {
		keys = append(keys, it.RatingKey)
	}
	slices.Reverse(keys)
	coll := fake.AddCollection("7", "Everything", keys...)
	pms := plex.NewPMS(client(t), testID)
	items, err := pms.CollectionItems(context.Background(), plex.Conn{URL: fake.URL, Token: fake.OwnerToken()}, coll.RatingKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != len(keys) || items[0].RatingKey != keys[0] || items[len(items)-1].RatingKey != keys[len(keys)-1] {
		t.Fatalf("got %d items, want %d in collection order", len(items), len(keys))
	}
	reqs := fake.RequestsTo("/library/collections/" + coll.RatingKey + "/children")
	if len(reqs) != 2 {
		t.Fatalf("sent %d page requests, want 2", len(reqs))
	}
	for i, want := range []string{"0", fmt.Sprint(plex.MaxPageSize)} {
		if got := reqs[i].Header.Get("X-Plex-Container-Start"); got != want || reqs[i].Header.Get("X-Plex-Container-Size") == "" {
			t.Errorf("page %d start = %q, want %q", i, got, want)
		}
	}
}

func TestRefresh(t *testing.T) {
	fake, pms, conn := newPMS(t)
	ctx := context.Background()
	if err := pms.Refresh(ctx, conn, "1", "/data/movies/YouTube/Some Channel"); err != nil {
		t.Fatal(err)
	}
	if err := pms.Refresh(ctx, conn, "2", ""); err != nil {
		t.Fatal(err)
	}
	got := fake.Refreshes()
	want := []plextest.Refresh{
		{Method: http.MethodGet, SectionKey: "1", Path: "/data/movies/YouTube/Some Channel", InsideLocation: true},
		{Method: http.MethodGet, SectionKey: "2"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("refreshes = %+v, want %+v", got, want)
	}
	for _, r := range fake.RequestsTo("/library/sections/2/refresh") {
		if r.Query.Has("path") {
			t.Error("a whole-section scan must not send path")
		}
	}
	err := pms.Refresh(ctx, conn, "9", "")
	wantKind(t, err, plex.ErrNotFound)
	fake.Grant("jane", "1", "2")
	err = pms.Refresh(ctx, plex.Conn{URL: conn.URL, Token: "jane"}, "1", "")
	wantKind(t, err, errStatus)
	wantPrefix(t, err)
	if plex.StatusCode(err) != 401 {
		t.Errorf("status = %d, want 401", plex.StatusCode(err))
	}
	if n := len(fake.Refreshes()); n != 2 {
		t.Errorf("%d refreshes recorded, want 2", n)
	}
}

// TestPagingHeadersOnEveryListing: newer servers refuse listings without a
// size, and the fake does too (strict paging), so every listing call must
// succeed and carry both headers.
func TestPagingHeadersOnEveryListing(t *testing.T) {
	fake, pms, conn := newPMS(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"/library/sections/1/all":         func() error { _, _, err := pms.SectionItems(ctx, conn, "1", 0, 10, ""); return err },
		"/library/recentlyAdded":          func() error { _, err := pms.RecentlyAdded(ctx, conn, 10); return err },
		"/library/sections/1/collections": func() error { _, err := pms.Collections(ctx, conn, "1"); return err },
		"/library/collections/5001/children": func() error {
			_, err := pms.CollectionItems(ctx, conn, "5001")
			return err
		},
	}
	for path, call := range calls {
		fake.ClearRequests()
		if err := call(); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		reqs := fake.RequestsTo(path)
		if len(reqs) == 0 {
			t.Fatalf("%s was not requested", path)
		}
		for _, r := range reqs {
			if r.Header.Get("X-Plex-Container-Start") == "" || r.Header.Get("X-Plex-Container-Size") == "" {
				t.Errorf("%s sent without paging headers", path)
			}
		}
	}
}
