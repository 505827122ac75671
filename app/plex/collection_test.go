package plex_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"medianest/app/plex"
	"medianest/app/plex/plextest"
)

// TestItemsByFile: items are found by their Part.file, newest first, each
// file at most once, reading the section newest first with paging and
// stopping as soon as every file is found.
func TestItemsByFile(t *testing.T) {
	fake, pms, conn := newPMS(t)
	ctx := context.Background()
	var old []plextest.Item
	for i := range 450 {
		old = append(old, fake.AddItem(plextest.Item{Title: fmt.Sprintf("Old %d", i), SectionKey: "1",
			File: fmt.Sprintf("/data/movies/YouTube/old/%03d.mp4", i)}))
	}
	a := fake.AddItem(plextest.Item{Title: "A", SectionKey: "1", File: "/data/movies/YouTube/Chan/A [x1].mp4"})
	b := fake.AddItem(plextest.Item{Title: "B", SectionKey: "1", File: "/data/movies/YouTube/Chan/B [x2].mkv"})

	fake.ClearRequests()
	got, err := pms.ItemsByFile(ctx, conn, "1", "movie", []string{
		"/data/movies/YouTube/Chan/A [x1].mp4", "/data/movies/YouTube/Chan//B [x2].mkv/", "/data/movies/YouTube/Chan/missing.mp4",
	})
	if err != nil {
		t.Fatal(err)
	}
	if keys := ratingKeys(got); !slices.Equal(keys, []string{b.RatingKey, a.RatingKey}) {
		t.Fatalf("found %v, want [%s %s] (newest first)", keys, b.RatingKey, a.RatingKey)
	}
	if got[0].Files[0] != "/data/movies/YouTube/Chan/B [x2].mkv" {
		t.Errorf("files = %v", got[0].Files)
	}
	// The missing file makes it read the whole section, page by page.
	reqs := fake.RequestsTo("/library/sections/1/all")
	if len(reqs) != 3 {
		t.Errorf("%d pages read, want 3 of 200 for 509 items", len(reqs))
	}
	for i, r := range reqs {
		if r.Query.Get("sort") != "addedAt:desc" || r.Header.Get("X-Plex-Container-Size") != "200" ||
			r.Header.Get("X-Plex-Container-Start") != fmt.Sprint(i*200) {
			t.Errorf("page %d: %v %v", i, r.Query, r.Header)
		}
	}

	// All found on the first page: no second page.
	fake.ClearRequests()
	got, err = pms.ItemsByFile(ctx, conn, "1", "movie", []string{a.File, old[449].File})
	if err != nil || len(got) != 2 {
		t.Fatalf("got %v, %v", ratingKeys(got), err)
	}
	if n := len(fake.RequestsTo("/library/sections/1/all")); n != 1 {
		t.Errorf("%d pages read, want 1", n)
	}

	if got, err := pms.ItemsByFile(ctx, conn, "1", "movie", nil); err != nil || got != nil {
		t.Errorf("no files: %v, %v", got, err)
	}
	_, err = pms.ItemsByFile(ctx, conn, "9", "movie", []string{a.File})
	wantKind(t, err, plex.ErrNotFound)
	_, err = pms.ItemsByFile(ctx, conn, "../1", "movie", []string{a.File})
	wantKind(t, err, plex.ErrInvalidArgument)

	// A show section is searched by episode.
	fake.ClearRequests()
	if _, err := pms.ItemsByFile(ctx, conn, "2", "show", []string{"/data/tv/x.mkv"}); err != nil {
		t.Fatal(err)
	}
	if r := fake.RequestsTo("/library/sections/2/all"); len(r) != 1 || r[0].Query.Get("type") != "4" {
		t.Errorf("show section requests = %+v", r)
	}
}

func ratingKeys(its []plex.Item) []string {
	var out []string
	for _, it := range its {
		out = append(out, it.RatingKey)
	}
	return out
}

func TestCreateCollectionAndAdd(t *testing.T) {
	fake, pms, conn := newPMS(t)
	ctx := context.Background()
	coll, err := pms.CreateCollection(ctx, conn, "1", " Some Channel ", "movie", []string{"101", "102"})
	if err != nil {
		t.Fatal(err)
	}
	if coll.Type != "collection" || coll.Title != "Some Channel" || coll.RatingKey == "" || coll.ChildCount != 2 {
		t.Fatalf("collection = %+v", coll)
	}
	r := fake.RequestsTo("/library/collections")
	if len(r) != 1 || r[0].Method != "POST" {
		t.Fatalf("create requests = %+v", r)
	}
	q := r[0].Query
	wantURI := "server://" + fake.MachineID() + "/com.plexapp.plugins.library/library/metadata/101,102"
	if q.Get("uri") != wantURI || q.Get("type") != "1" || q.Get("title") != "Some Channel" || q.Get("smart") != "0" || q.Get("sectionId") != "1" {
		t.Errorf("create query = %v", q)
	}
	if err := pms.AddToCollection(ctx, conn, coll.RatingKey, []string{"102", "103"}); err != nil {
		t.Fatal(err)
	}
	items, err := pms.CollectionItems(ctx, conn, coll.RatingKey)
	if err != nil || !slices.Equal(ratingKeys(items), []string{"101", "102", "103"}) {
		t.Errorf("collection items = %v, %v", ratingKeys(items), err)
	}
	cs, err := pms.Collections(ctx, conn, "1")
	if err != nil || len(cs) != 2 || cs[1].Title != "Some Channel" {
		t.Errorf("collections = %+v, %v", cs, err)
	}

	// A long playlist is created with the first 100 and added in chunks.
	var keys []string
	for _, it := range fake.AddItems("1", 250) {
		keys = append(keys, it.RatingKey)
	}
	fake.ClearRequests()
	big, err := pms.CreateCollection(ctx, conn, "1", "Big", "", keys)
	if err != nil {
		t.Fatal(err)
	}
	items, _ = pms.CollectionItems(ctx, conn, big.RatingKey)
	if !slices.Equal(ratingKeys(items), keys) {
		t.Errorf("big collection has %d items", len(items))
	}
	if n := len(fake.RequestsTo("/library/collections/" + big.RatingKey + "/items")); n != 2 {
		t.Errorf("%d additions, want 2", n)
	}

	// Failures.
	_, err = pms.CreateCollection(ctx, conn, "9", "X", "movie", []string{"101"})
	wantKind(t, err, plex.ErrNotFound)
	err = pms.AddToCollection(ctx, conn, "4242", []string{"101"})
	wantKind(t, err, plex.ErrNotFound)
	for _, c := range []struct {
		key, title, typ string
		keys            []string
	}{
		{"1", "", "movie", []string{"101"}},
		{"1", strings.Repeat("x", 256), "movie", []string{"101"}},
		{"1", "X", "photo", []string{"101"}},
		{"1", "X", "movie", nil},
		{"1", "X", "movie", []string{"10/1"}},
		{"1/../2", "X", "movie", []string{"101"}},
	} {
		_, err := pms.CreateCollection(ctx, conn, c.key, c.title, c.typ, c.keys)
		wantKind(t, err, plex.ErrInvalidArgument)
	}
	wantKind(t, pms.AddToCollection(ctx, conn, coll.RatingKey, nil), plex.ErrInvalidArgument)
	fake.Grant("jane", "1")
	_, err = pms.CreateCollection(ctx, plex.Conn{URL: conn.URL, Token: "jane"}, "1", "X", "movie", []string{"101"})
	wantKind(t, err, plex.ErrNotFound)
}
