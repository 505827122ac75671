package plex_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"medianest/app/plex"
)

// rawPMS serves fixed bodies by path, for answers the fake does not produce.
func rawPMS(t *testing.T, bodies map[string]string, headers map[string]string) plex.Conn {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(b))
	}))
	t.Cleanup(srv.Close)
	return plex.Conn{URL: srv.URL + "/", Token: "tok"}
}

func TestPMSQuirks(t *testing.T) {
	ctx := context.Background()
	pms := plex.NewPMS(client(t), testID)
	tests := []struct {
		name    string
		body    string
		headers map[string]string
		check   func(t *testing.T, items []plex.Item, total int)
	}{
		{
			name: "numbers as strings and librarySectionID as string",
			body: `{"MediaContainer":{"size":"1","totalSize":"57","offset":"0","Metadata":[{"ratingKey":101,"key":"/library/metadata/101",
				"type":"movie","title":1917,"year":"2019","duration":"7140000","addedAt":"1771990000","librarySectionID":"3",
				"index":"1","parentIndex":"2","childCount":"12","leafCount":"40","smart":"1","minYear":"2001","maxYear":"2019","rating":"8.3"}]}}`,
			check: func(t *testing.T, items []plex.Item, total int) {
				it := items[0]
				if total != 57 || it.RatingKey != "101" || it.Title != "1917" || it.Year != 2019 || it.DurationMS != 7140000 ||
					it.AddedAt.Unix() != 1771990000 || it.LibrarySectionID != 3 || it.Index != 1 || it.ParentIndex != 2 ||
					it.ChildCount != 12 || it.LeafCount != 40 || !it.Smart || it.MinYear != 2001 || it.MaxYear != 2019 || it.Rating != 8.3 {
					t.Errorf("item = %+v, total %d", it, total)
				}
			},
		},
		{
			name: "container librarySectionID fills the items",
			body: `{"MediaContainer":{"size":1,"totalSize":1,"librarySectionID":4,"Metadata":[{"ratingKey":"9","title":"x","year":null,"addedAt":null}]}}`,
			check: func(t *testing.T, items []plex.Item, total int) {
				if items[0].LibrarySectionID != 4 || !items[0].AddedAt.IsZero() || items[0].Year != 0 {
					t.Errorf("item = %+v", items[0])
				}
			},
		},
		{
			name: "empty page omits Metadata",
			body: `{"MediaContainer":{"size":0,"totalSize":57,"offset":100}}`,
			check: func(t *testing.T, items []plex.Item, total int) {
				if items != nil || total != 57 {
					t.Errorf("items = %v, total %d", items, total)
				}
			},
		},
		{
			name:    "total from the header when the container lacks it",
			body:    `{"MediaContainer":{"size":1,"Metadata":[{"ratingKey":"1","Genre":null,"Guid":[{"id":"tmdb://1"}],"guid":"plex://movie/1"}]}}`,
			headers: map[string]string{"X-Plex-Container-Total-Size": "321"},
			check: func(t *testing.T, items []plex.Item, total int) {
				if total != 321 || items[0].Genres != nil || len(items[0].Guids) != 1 || items[0].GUID != "plex://movie/1" {
					t.Errorf("items = %+v, total %d", items, total)
				}
			},
		},
		{
			name: "no total anywhere",
			body: `{"MediaContainer":{"size":2,"Metadata":[{"ratingKey":"1"},{"ratingKey":"2"}]}}`,
			check: func(t *testing.T, items []plex.Item, total int) {
				if total != 12 { // offset 10 + the 2 seen
					t.Errorf("total = %d, want 12", total)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := rawPMS(t, map[string]string{"/library/sections/1/all": tt.body}, tt.headers)
			items, total, err := pms.SectionItems(ctx, conn, "1", 10, 5, "")
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, items, total)
		})
	}
}

func TestPMSQuirksSectionsAndSearch(t *testing.T) {
	ctx := context.Background()
	pms := plex.NewPMS(client(t), testID)
	conn := rawPMS(t, map[string]string{
		"/library/sections": `{"MediaContainer":{"size":1,"Directory":[{"key":1,"title":"Movies","type":"movie","refreshing":1,"hidden":"0",
			"Location":[{"id":"1","path":"/data/movies"}]},{"key":"2","title":"Empty"}]}}`,
		"/hubs/search": `{"MediaContainer":{"size":3,"Hub":[
			{"title":"Movies","type":"movie","size":2,"Metadata":[{"ratingKey":"101","title":"A","librarySectionID":"1"},{"ratingKey":"101","title":"dup"}]},
			{"title":"Shows","type":"show","size":0},
			{"title":"Actors","type":"actor","size":1,"Directory":[{"tag":"A Person","id":5}]},
			{"title":"Playlists","type":"playlist","size":1,"Metadata":[{"ratingKey":"900","type":"playlist","title":"A list"}]},
			{"title":"Episodes","type":"episode","size":1,"Metadata":[{"ratingKey":"7781","title":"Pilot","grandparentTitle":"Example Show"}]}]}}`,
		"/library/metadata/5":             `{"MediaContainer":{"size":0}}`,
		"/identity":                       `{"MediaContainer":{"size":0}}`,
		"/library/sections/1/collections": `{"MediaContainer":{"size":1,"Metadata":[{"ratingKey":"5001","type":"collection","childCount":"2","smart":false}]}}`,
	}, nil)
	ss, err := pms.Sections(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].Key != "1" || !ss[0].Refreshing || ss[0].Hidden || ss[0].Locations[0].ID != 1 || ss[1].Locations != nil {
		t.Errorf("sections = %+v", ss)
	}
	items, err := pms.Search(ctx, conn, "a", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].LibrarySectionID != 1 || items[1].Type != "episode" || items[1].GrandparentTitle != "Example Show" {
		t.Errorf("search = %+v", items)
	}
	_, err = pms.Metadata(ctx, conn, "5")
	if err == nil {
		t.Error("an empty metadata answer must be NOT_FOUND")
	}
	_, err = pms.Identity(ctx, conn)
	if err == nil {
		t.Error("an identity without machine identifier must fail")
	}
	cs, err := pms.Collections(ctx, conn, "1")
	if err != nil || len(cs) != 1 || cs[0].ChildCount != 2 {
		t.Errorf("collections = %+v, %v", cs, err)
	}
}

// TestFakeStringSectionIDs runs the client against the fake switched to
// string section ids.
func TestFakeStringSectionIDs(t *testing.T) {
	fake, pms, conn := newPMS(t)
	fake.SetStringSectionIDs(true)
	items, _, err := pms.SectionItems(context.Background(), conn, "2", 0, 5, "")
	if err != nil {
		t.Fatal(err)
	}
	if items[0].LibrarySectionID != 2 {
		t.Errorf("librarySectionID = %d, want 2", items[0].LibrarySectionID)
	}
}
