package youtube_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"medianest/app/plex"
	"medianest/app/plex/plextest"
	"medianest/app/upstream"
	"medianest/app/youtube"
)

// plexEnv is a PMS fake whose "YouTube" section (key "3", /media/youtube)
// sees the download folder, as a Plex server in another container would.
type plexEnv struct {
	fake *plextest.PMS
	pms  *plex.PMS
	dir  string // the download folder
	conn plex.Conn
	ok   bool // whether Plex is configured
	now  time.Time
}

func newPlexEnv(t *testing.T) *plexEnv {
	t.Helper()
	fake := plextest.NewPMS(t)
	fake.AddSection(plextest.Section{Key: "1", Title: "Movies", Locations: []string{"/media/movies"}})
	fake.AddSection(plextest.Section{Key: "3", Title: "YouTube", Locations: []string{"/media/youtube"}})
	e := &plexEnv{
		fake: fake, dir: t.TempDir(), ok: true, now: time.Unix(1772000000, 0),
		pms:  plex.NewPMS(upstream.New("plex", "Plex", upstream.Options{Timeout: 2 * time.Second, Retries: -1}), plex.Identity{ClientID: "test", Product: "MediaNest"}),
		conn: plex.Conn{URL: fake.URL, Token: fake.OwnerToken()},
	}
	fake.MapDisk("/media/youtube", e.dir)
	return e
}

func (e *plexEnv) library(plexPath, plexLibrary string) *youtube.PlexLibrary {
	return youtube.NewPlexLibrary(youtube.PlexLibraryDeps{
		PMS:         e.pms,
		Owner:       func(context.Context) (plex.Conn, bool, error) { return e.conn, e.ok, nil },
		DownloadDir: e.dir, PlexPath: plexPath, PlexLibrary: plexLibrary,
		Now: func() time.Time { return e.now },
	})
}

// download writes a file where yt-dlp would have and returns its path.
func (e *plexEnv) download(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(e.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("video"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlexLibraryScan(t *testing.T) {
	e := newPlexEnv(t)
	ctx := context.Background()
	lib := e.library("/media/youtube/", "")
	a := e.download(t, "Some Channel/A [id1].mp4")
	if err := lib.Scan(ctx, a); err != nil {
		t.Fatal(err)
	}
	want := []plextest.Refresh{{Method: "GET", SectionKey: "3", Path: "/media/youtube/Some Channel", InsideLocation: true}}
	if got := e.fake.Refreshes(); !slices.Equal(got, want) {
		t.Fatalf("refreshes = %+v, want %+v", got, want)
	}
	// The file is in Plex now.
	items, err := e.pms.ItemsByFile(ctx, e.conn, "3", "movie", []string{"/media/youtube/Some Channel/A [id1].mp4"})
	if err != nil || len(items) != 1 || items[0].Title != "A [id1]" {
		t.Fatalf("items = %+v, %v", items, err)
	}

	// The section is remembered: a second scan does not list sections.
	if err := lib.Scan(ctx, e.download(t, "top.mp4")); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.RequestsTo("/library/sections")); n != 1 {
		t.Errorf("sections listed %d times, want 1", n)
	}
	if r := e.fake.Refreshes(); r[1].Path != "/media/youtube" {
		t.Errorf("a file at the top is scanned as %q", r[1].Path)
	}

	// A file outside the download folder is refused before Plex is asked.
	for _, p := range []string{filepath.Join(filepath.Dir(e.dir), "elsewhere.mp4"), "relative/a.mp4", e.dir + "x/a.mp4"} {
		if err := lib.Scan(ctx, p); err == nil || errors.Is(err, youtube.ErrPlexNotConfigured) {
			t.Errorf("Scan(%q) = %v, want an error", p, err)
		}
	}
	if n := len(e.fake.Refreshes()); n != 2 {
		t.Errorf("%d refreshes, want 2", n)
	}

	// The library is removed and made again under a new key: the remembered
	// key is not found, so the section is looked up again.
	e.fake.RemoveSection("3")
	e.fake.AddSection(plextest.Section{Key: "7", Title: "YouTube", Locations: []string{"/media/youtube"}})
	if err := lib.Scan(ctx, a); err != nil {
		t.Fatal(err)
	}
	if r := e.fake.Refreshes(); len(r) != 3 || r[2].SectionKey != "7" {
		t.Errorf("refreshes = %+v, want the last on section 7", r)
	}
	// The remembered section is looked up again after a while.
	listed := len(e.fake.RequestsTo("/library/sections"))
	e.now = e.now.Add(6 * time.Minute)
	if err := lib.Scan(ctx, a); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.RequestsTo("/library/sections")); n != listed+1 {
		t.Errorf("sections listed %d times after the TTL, want %d", n, listed+1)
	}
}

func TestPlexLibraryScanSettings(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name              string
		plexPath, plexLib string
		configured        bool
		wantKey, wantPath string
		wantNotConfigured bool
	}{
		{"library by title, no path", "", "youtube", true, "3", "", false},
		{"library by key, no path", "", "3", true, "3", "", false},
		{"library and path", "/media/youtube", "3", true, "3", "/media/youtube/Chan", false},
		{"neither", "", "", true, "", "", true},
		{"plex not configured", "/media/youtube", "", false, "", "", true},
		{"no section holds the path", "/srv/other", "", true, "", "", true},
		{"unknown library", "", "Music", true, "", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newPlexEnv(t)
			e.ok = c.configured
			err := e.library(c.plexPath, c.plexLib).Scan(ctx, e.download(t, "Chan/v.mp4"))
			got := e.fake.Refreshes()
			if c.wantNotConfigured {
				if !errors.Is(err, youtube.ErrPlexNotConfigured) || len(got) != 0 {
					t.Fatalf("err = %v, refreshes %+v; want ErrPlexNotConfigured and no scan", err, got)
				}
				return
			}
			if err != nil || len(got) != 1 || got[0].SectionKey != c.wantKey || got[0].Path != c.wantPath {
				t.Fatalf("err = %v, refreshes = %+v; want section %s path %q", err, got, c.wantKey, c.wantPath)
			}
		})
	}
}

func TestPlexLibraryCollect(t *testing.T) {
	e := newPlexEnv(t)
	ctx := context.Background()
	lib := e.library("/media/youtube", "")
	a := e.download(t, "Playlist/01 A.mp4")
	b := e.download(t, "Playlist/02 B.webm")

	// Nothing scanned yet: Plex does not have the files.
	if _, err := lib.Collect(ctx, "My Playlist", []string{a, b}); !errors.Is(err, youtube.ErrNotInPlexYet) {
		t.Fatalf("before the scan: %v, want ErrNotInPlexYet", err)
	}
	if calls := e.fake.CollectionCalls(); len(calls) != 0 {
		t.Fatalf("collection calls before the scan: %+v", calls)
	}
	if err := lib.Scan(ctx, a); err != nil {
		t.Fatal(err)
	}
	c := e.download(t, "Playlist/03 C.mkv") // downloaded after the scan
	if _, err := lib.Collect(ctx, "My Playlist", []string{a, b, c}); !errors.Is(err, youtube.ErrNotInPlexYet) {
		t.Fatalf("one file unscanned: %v, want ErrNotInPlexYet", err)
	}

	coll, err := lib.Collect(ctx, "My Playlist", []string{b, a, a})
	if err != nil {
		t.Fatal(err)
	}
	calls := e.fake.CollectionCalls()
	if len(calls) != 1 || calls[0].Method != "POST" || calls[0].Status != 200 || calls[0].SectionKey != "3" || calls[0].Title != "My Playlist" {
		t.Fatalf("calls = %+v", calls)
	}
	ka, kb := ratingKeyOf(t, e, "/media/youtube/Playlist/01 A.mp4"), ratingKeyOf(t, e, "/media/youtube/Playlist/02 B.webm")
	if !slices.Equal(calls[0].RatingKeys, []string{kb, ka}) {
		t.Errorf("created with %v, want [%s %s] in playlist order", calls[0].RatingKeys, kb, ka)
	}
	if coll.Title != "My Playlist" || coll.RatingKey != calls[0].CollectionKey {
		t.Errorf("collection = %+v", coll)
	}

	// The playlist grows: the existing collection gets the new item only.
	if err := lib.Scan(ctx, c); err != nil {
		t.Fatal(err)
	}
	again, err := lib.Collect(ctx, "My Playlist", []string{a, b, c})
	if err != nil || again != coll {
		t.Fatalf("again = %+v, %v; want %+v", again, err, coll)
	}
	calls = e.fake.CollectionCalls()
	kc := ratingKeyOf(t, e, "/media/youtube/Playlist/03 C.mkv")
	if len(calls) != 2 || calls[1].Method != "PUT" || calls[1].CollectionKey != coll.RatingKey || !slices.Equal(calls[1].RatingKeys, []string{kc}) {
		t.Fatalf("calls = %+v", calls)
	}
	if it, _ := e.fake.Item(coll.RatingKey); !slices.Equal(it.Members, []string{kb, ka, kc}) {
		t.Errorf("members = %v", it.Members)
	}
	// Nothing missing: no change at all.
	if _, err := lib.Collect(ctx, "My Playlist", []string{a, c}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.CollectionCalls()); n != 2 {
		t.Errorf("%d collection calls, want 2", n)
	}
	// Another title is another collection.
	if other, err := lib.Collect(ctx, "my playlist", []string{c}); err != nil || other.RatingKey == coll.RatingKey {
		t.Errorf("other title = %+v, %v", other, err)
	}

	if _, err := lib.Collect(ctx, "X", []string{"/etc/passwd"}); err == nil {
		t.Error("a file outside the download folder was collected")
	}
	e.ok = false
	if _, err := lib.Collect(ctx, "My Playlist", []string{a}); !errors.Is(err, youtube.ErrPlexNotConfigured) {
		t.Errorf("without Plex: %v", err)
	}
}

func ratingKeyOf(t *testing.T, e *plexEnv, file string) string {
	t.Helper()
	items, err := e.pms.ItemsByFile(context.Background(), e.conn, "3", "movie", []string{file})
	if err != nil || len(items) != 1 {
		t.Fatalf("%s in Plex: %+v, %v", file, items, err)
	}
	return items[0].RatingKey
}
