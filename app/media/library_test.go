package media

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"medianest/app/principal"

	"medianest/app/plex/plextest"
	"medianest/app/services"
)

func TestLibrariesPerUser(t *testing.T) {
	e := newEnv(t)
	var libs []LibrarySection
	r := e.do(alice, "GET", "/api/v1/plex/libraries", nil)
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("a personal listing is served with Cache-Control %q", cc)
	}
	r.data(t, &libs)
	if len(libs) != 1 || libs[0] != (LibrarySection{Key: "1", Title: "Movies", Type: "movie", ItemCount: 57}) {
		t.Fatalf("alice's libraries %+v", libs)
	}
	e.do(carol, "GET", "/api/v1/plex/libraries", nil).data(t, &libs)
	if len(libs) != 2 || libs[1].Key != "2" || libs[1].ItemCount != 2 {
		t.Fatalf("a local account browses with the server token: %+v", libs)
	}
	for _, p := range []string{"/api/v1/plex/libraries/2/items", "/api/v1/plex/libraries/2/collections", "/api/v1/plex/libraries/9/items"} {
		e.want(e.do(alice, "GET", p, nil), http.StatusNotFound, "NOT_FOUND")
	}
	// An item of a library alice was not given.
	var items []PlexItem
	e.do(bob, "GET", "/api/v1/plex/libraries/2/items", nil).data(t, &items)
	if len(items) != 2 {
		t.Fatalf("bob's shows %+v", items)
	}
	e.want(e.do(alice, "GET", "/api/v1/plex/items/"+items[0].RatingKey, nil), http.StatusNotFound, "NOT_FOUND")

	var d PlexItemDetail
	e.do(bob, "GET", "/api/v1/plex/items/"+items[0].RatingKey, nil).data(t, &d)
	if d.Type != "show" || len(d.Seasons) == 0 || d.Genres == nil {
		t.Fatalf("show detail %+v", d)
	}
}

func TestLibraryPaging(t *testing.T) {
	e := newEnv(t)
	e.pms.ClearRequests()
	r := e.do(alice, "GET", "/api/v1/plex/libraries/1/items?offset=10&limit=20&sort=addedAt:desc", nil)
	var items []PlexItem
	meta := r.data(t, &items)
	if len(items) != 20 || meta["total"] != float64(57) || meta["offset"] != float64(10) || meta["limit"] != float64(20) {
		t.Fatalf("page: %d items, meta %v", len(items), meta)
	}
	reqs := e.pms.RequestsTo("/library/sections/1/all")
	if len(reqs) != 1 || reqs[0].Get("X-Plex-Container-Start") != "10" || reqs[0].Get("X-Plex-Container-Size") != "20" ||
		reqs[0].Query.Get("sort") != "addedAt:desc" || reqs[0].Token() != aliceToken {
		t.Fatalf("PMS saw %+v", reqs)
	}
	it := items[0]
	if it.ThumbURL == nil || !strings.HasPrefix(*it.ThumbURL, "/medianest/api/v1/plex/image?path=%2Flibrary%2Fmetadata%2F") ||
		it.AddedAt == nil || it.LibrarySectionID != 1 || it.Type != "movie" {
		t.Fatalf("item %+v", it)
	}

	// limit is clamped to 200; the last page is short.
	meta = e.do(alice, "GET", "/api/v1/plex/libraries/1/items?offset=50&limit=500", nil).data(t, &items)
	if len(items) != 7 || meta["limit"] != float64(200) || meta["total"] != float64(57) {
		t.Fatalf("last page: %d items, meta %v", len(items), meta)
	}
	e.want(e.do(alice, "GET", "/api/v1/plex/libraries/1/items?sort=rating", nil), http.StatusBadRequest, "VALIDATION_ERROR")
	e.want(e.do(alice, "GET", "/api/v1/plex/libraries/1/items?offset=-1", nil), http.StatusBadRequest, "VALIDATION_ERROR")

	// A second look within the cache lifetime does not ask Plex again.
	n := len(e.pms.Requests())
	e.do(alice, "GET", "/api/v1/plex/libraries/1/items?offset=10&limit=20&sort=addedAt:desc", nil)
	if len(e.pms.Requests()) != n {
		t.Fatal("library page not cached")
	}
}

func TestBrowse(t *testing.T) {
	e := newEnv(t)
	var si ServerInfo
	e.do(alice, "GET", "/api/v1/plex/server", nil).data(t, &si)
	if si.Name != "HomeFlix" || si.MachineIdentifier != plextest.DefaultMachineID || si.Version == "" {
		t.Fatalf("server %+v", si)
	}
	var items []PlexItem
	e.do(alice, "GET", "/api/v1/plex/search?query=sintel", nil).data(t, &items)
	if len(items) != 1 || items[0].Title != "Sintel" || items[0].Year == nil || *items[0].Year != 2010 {
		t.Fatalf("search %+v", items)
	}
	e.want(e.do(alice, "GET", "/api/v1/plex/search", nil), http.StatusBadRequest, "VALIDATION_ERROR")
	e.do(alice, "GET", "/api/v1/plex/search?query=show", nil).data(t, &items)
	if len(items) != 0 {
		t.Fatalf("alice found shows she was not given: %+v", items)
	}

	e.do(alice, "GET", "/api/v1/plex/recently-added?limit=5", nil).data(t, &items)
	if len(items) != 5 {
		t.Fatalf("recently added %+v", items)
	}
	for i := 1; i < len(items); i++ {
		if items[i].AddedAt.After(*items[i-1].AddedAt) {
			t.Fatal("recently added not newest first")
		}
		if items[i].LibrarySectionID != 1 {
			t.Fatalf("alice sees section %d", items[i].LibrarySectionID)
		}
	}

	var cs []Collection
	e.do(alice, "GET", "/api/v1/plex/libraries/1/collections", nil).data(t, &cs)
	if len(cs) != 1 || cs[0].Title != "Blender Films" || cs[0].ChildCount != 2 {
		t.Fatalf("collections %+v", cs)
	}
	var cp CollectionPage
	e.do(alice, "GET", "/api/v1/plex/collections/"+cs[0].RatingKey, nil).data(t, &cp)
	if cp.Collection.Title != "Blender Films" || len(cp.Items) != 2 || cp.Items[0].RatingKey != "101" || cp.Items[1].RatingKey != "102" {
		t.Fatalf("collection %+v", cp)
	}
	var d PlexItemDetail
	e.do(alice, "GET", "/api/v1/plex/items/101", nil).data(t, &d)
	if d.Title != "Big Buck Bunny" || d.DurationMs != 596000 || len(d.Directors) != 1 || len(d.Genres) != 2 || d.Seasons != nil {
		t.Fatalf("item %+v", d)
	}
	e.want(e.do(alice, "GET", "/api/v1/plex/items/..%2F..", nil), http.StatusBadRequest, "VALIDATION_ERROR")
}

func TestImageProxy(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/etc/passwd", "/library/../x", "//evil", "//evil.example/library/x", "/library//x", "/library/%2e%2e/x", "http://evil/library/x", ""} {
		e.want(e.do(alice, "GET", "/api/v1/plex/image?path="+url.QueryEscape(p), nil), http.StatusBadRequest, "VALIDATION_ERROR")
	}
	if n := len(e.pms.RequestsTo("/photo/:/transcode")); n != 0 {
		t.Fatalf("refused paths reached Plex %d times", n)
	}

	path := "/api/v1/plex/image?path=" + url.QueryEscape("/library/metadata/101/thumb/1771990000") + "&width=200&height=300"
	r := e.do(alice, "GET", path, nil)
	e.want(r, http.StatusOK, "")
	if ct := r.header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("content type %q", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "private, max-age=86400" {
		t.Fatalf("cache control %q", cc)
	}
	etag := r.header.Get("ETag")
	if etag == "" || len(r.body) == 0 {
		t.Fatal("no ETag or body")
	}
	reqs := e.pms.RequestsTo("/photo/:/transcode")
	if len(reqs) != 1 || reqs[0].Query.Get("width") != "200" || reqs[0].Query.Get("height") != "300" || reqs[0].Token() != aliceToken {
		t.Fatalf("transcoder saw %+v", reqs)
	}
	r = e.do(alice, "GET", path, nil, "If-None-Match", etag)
	e.want(r, http.StatusNotModified, "")
	r = e.do(alice, "GET", path, nil)
	e.want(r, http.StatusOK, "")
	if n := len(e.pms.RequestsTo("/photo/:/transcode")); n != 1 {
		t.Fatalf("image fetched %d times; the disk cache should have served it", n)
	}
	files, _ := os.ReadDir(e.imgDir)
	if len(files) != 1 {
		t.Fatalf("%d files in the image cache", len(files))
	}
	// Another user's cache entry is their own: alice's poster is not
	// served to a user Plex would refuse.
	e.pms.Revoke(bobToken)
	e.pms.Grant(bobToken, "2")
	e.want(e.do(bob, "GET", path, nil), http.StatusNotFound, "NOT_FOUND")
}

func TestPlexUnavailable(t *testing.T) {
	e := newEnv(t)
	e.svcs.set(services.Service{Name: services.Plex, Enabled: false})
	for _, p := range []string{"/api/v1/plex/server", "/api/v1/plex/libraries", "/api/v1/plex/recently-added",
		"/api/v1/plex/image?path=%2Flibrary%2Fmetadata%2F101%2Fthumb%2F1"} {
		e.want(e.do(alice, "GET", p, nil), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	}
	// The dashboard still answers, without recently added.
	var st Stats
	e.do(alice, "GET", "/api/v1/dashboard/stats", nil).data(t, &st)
	if st.RecentlyAdded == nil || len(st.RecentlyAdded) != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDashboardStats(t *testing.T) {
	e := newEnv(t)
	e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	e.create(bob, map[string]any{"mediaType": "movie", "tmdbId": 133701})
	for i, st := range []string{"queued", "downloading", "processing", "completed", "completed", "failed", "cancelled"} {
		_, err := e.db.W.Exec(`INSERT INTO downloads (user_id, url, status, created_at, updated_at) VALUES (?, ?, ?, 0, 0)`,
			alice.ID, "https://youtu.be/x"+string(rune('a'+i)), st)
		if err != nil {
			t.Fatal(err)
		}
	}
	var st Stats
	e.do(alice, "GET", "/api/v1/dashboard/stats", nil).data(t, &st)
	if st.Requests != (RequestCounts{Total: 1, Pending: 1}) {
		t.Fatalf("requests %+v", st.Requests)
	}
	if st.Downloads != (DownloadCounts{Total: 7, Active: 3, Completed: 2, Failed: 1}) {
		t.Fatalf("downloads %+v", st.Downloads)
	}
	if len(st.RecentlyAdded) != 10 {
		t.Fatalf("recently added %d", len(st.RecentlyAdded))
	}
	e.pms.SetDown(http.StatusInternalServerError)
	st = Stats{}
	e.do(bob, "GET", "/api/v1/dashboard/stats", nil).data(t, &st)
	if len(st.RecentlyAdded) != 0 || st.Requests.Total != 1 {
		t.Fatalf("with Plex down: %+v", st)
	}
}

// TestTokensStayPrivate runs through the Plex endpoints, failures
// included, and checks that no answer and no log line carries a token.
func TestTokensStayPrivate(t *testing.T) {
	e := newEnv(t)
	for _, u := range []principal.User{alice, bob, carol} {
		for _, p := range []string{"/api/v1/plex/server", "/api/v1/plex/libraries", "/api/v1/plex/libraries/1/items",
			"/api/v1/plex/libraries/2/items", "/api/v1/plex/search?query=bunny", "/api/v1/plex/recently-added",
			"/api/v1/plex/items/101", "/api/v1/plex/collections/5001", "/api/v1/plex/libraries/1/collections",
			"/api/v1/plex/image?path=%2Flibrary%2Fmetadata%2F101%2Fthumb%2F1", "/api/v1/dashboard/stats"} {
			e.do(u, "GET", p, nil)
		}
	}
	e.pms.SetDown(http.StatusInternalServerError)
	e.do(alice, "GET", "/api/v1/plex/search?query=other", nil)
	e.pms.SetDown(0)
	e.pms.Revoke(aliceToken)
	e.want(e.do(alice, "GET", "/api/v1/plex/search?query=third", nil), http.StatusForbidden, "NO_SERVER_ACCESS")
	e.svcs.set(services.Service{Name: services.Plex, URL: "http://127.0.0.1:1", APIKey: e.pms.OwnerToken(), Enabled: true})
	e.do(carol, "GET", "/api/v1/plex/search?query=fourth", nil)

	logs := e.logs.String()
	if !strings.Contains(logs, "request") {
		t.Fatal("no log lines were captured")
	}
	for _, tok := range []string{aliceToken, bobToken, e.pms.OwnerToken()} {
		if strings.Contains(logs, tok) {
			t.Fatalf("a log line carries token %q", tok)
		}
		for _, b := range e.bodies {
			if strings.Contains(b, tok) {
				t.Fatalf("an answer carries token %q: %s", tok, b)
			}
		}
	}
}
