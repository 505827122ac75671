package media

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/principal"
	"medianest/app/upstream"
)

// pngHeader starts every image the fake TMDB sends, so that it sniffs as
// image/png; the rest of the bytes name the file, so each has its own ETag.
const pngHeader = "\x89PNG\r\n\x1a\n"

// fakeTMDB serves /t/p/<size>/<file> like TMDB's image server and records
// what it was asked. answer, when set, replaces the normal answer.
type fakeTMDB struct {
	*httptest.Server
	mu     sync.Mutex
	paths  []string
	answer http.HandlerFunc
}

func newFakeTMDB(t *testing.T) *fakeTMDB {
	f := &fakeTMDB{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.paths = append(f.paths, r.URL.Path)
		answer := f.answer
		f.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/t/p/") || strings.Contains(r.URL.Path, "missing") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(tmdbBytes(r.URL.Path))
	}))
	t.Cleanup(f.Close)
	return f
}

func tmdbBytes(path string) []byte { return []byte(pngHeader + "image " + path) }

func (f *fakeTMDB) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

func (f *fakeTMDB) setAnswer(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = h
}

// sameOrigin reports whether u is a URL the page's CSP (img-src 'self')
// lets the browser load: a path on our own origin.
func sameOrigin(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "" && p.Host == "" && strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")
}

// local is a URL handed to the browser as the test mux sees it: the
// harness mounts the routes without the base path.
func local(t *testing.T, u string) string {
	t.Helper()
	p, ok := strings.CutPrefix(u, "/medianest/")
	if !ok {
		t.Fatalf("URL %q is not under the base path", u)
	}
	return "/" + p
}

func TestPosterProxy(t *testing.T) {
	e := newEnv(t)
	var got []MediaResult
	e.do(alice, "GET", "/api/v1/media/search?query=buck", nil).data(t, &got)
	if len(got) != 1 || !sameOrigin(got[0].PosterURL) {
		t.Fatalf("posterUrl %+v is not same-origin", got)
	}
	poster := local(t, got[0].PosterURL)

	r := e.do(alice, "GET", poster, nil)
	e.want(r, http.StatusOK, "")
	if !bytes.Equal(r.body, tmdbBytes("/t/p/w500/p1.jpg")) {
		t.Fatalf("body %q", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("content type %q", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "public, max-age=604800" {
		t.Fatalf("cache control %q", cc)
	}
	etag := r.header.Get("ETag")
	if etag == "" || r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
		t.Fatalf("ETag %q, Content-Length %q", etag, r.header.Get("Content-Length"))
	}
	if reqs := e.tmdb.requests(); len(reqs) != 1 || reqs[0] != "/t/p/w500/p1.jpg" {
		t.Fatalf("TMDB saw %v", reqs)
	}

	// Served from the disk cache: TMDB is not asked again, also not by
	// another user (posters are the same for everyone).
	r = e.do(bob, "GET", poster, nil)
	e.want(r, http.StatusOK, "")
	if !bytes.Equal(r.body, tmdbBytes("/t/p/w500/p1.jpg")) || r.header.Get("ETag") != etag {
		t.Fatalf("cached answer %q, ETag %q", r.body, r.header.Get("ETag"))
	}
	if n := len(e.tmdb.requests()); n != 1 {
		t.Fatalf("TMDB asked %d times; the disk cache should have served it", n)
	}
	if files, _ := os.ReadDir(e.imgDir); len(files) != 1 {
		t.Fatalf("%d files in the image cache", len(files))
	}

	// Revalidation.
	r = e.do(alice, "GET", poster, nil, "If-None-Match", etag)
	e.want(r, http.StatusNotModified, "")
	if len(r.body) != 0 || r.header.Get("ETag") != etag || r.header.Get("Cache-Control") != "public, max-age=604800" {
		t.Fatalf("304 with body %q, headers %v", r.body, r.header)
	}
	e.want(e.do(alice, "GET", poster, nil, "If-None-Match", `"other"`), http.StatusOK, "")

	// The size defaults to w500 and may be any of TMDB's.
	e.want(e.do(alice, "GET", "/api/v1/media/image?path=%2Fp2.jpg", nil), http.StatusOK, "")
	r = e.do(alice, "GET", "/api/v1/media/image?path=%2Fp2.jpg&size=original", nil)
	e.want(r, http.StatusOK, "")
	if !bytes.Equal(r.body, tmdbBytes("/t/p/original/p2.jpg")) {
		t.Fatalf("original size: %q", r.body)
	}

	// A backdrop on a title's page, at w1280.
	var d MediaDetail
	e.do(alice, "GET", "/api/v1/media/movie/10378", nil).data(t, &d)
	if !sameOrigin(d.BackdropURL) || !sameOrigin(d.PosterURL) || !strings.HasSuffix(d.BackdropURL, "size=w1280") {
		t.Fatalf("detail image URLs %q %q", d.PosterURL, d.BackdropURL)
	}
	r = e.do(alice, "GET", local(t, d.BackdropURL), nil)
	e.want(r, http.StatusOK, "")
	if !bytes.Equal(r.body, tmdbBytes("/t/p/w1280/b1.jpg")) {
		t.Fatalf("backdrop %q", r.body)
	}

	// A title without a poster has none, rather than a broken link.
	e.do(alice, "GET", "/api/v1/media/search?query=tears", nil).data(t, &got)
	if len(got) != 1 || got[0].PosterURL != "" {
		t.Fatalf("title without poster: %+v", got)
	}
}

func TestPosterProxyRefuses(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{
		"path=" + url.QueryEscape("/../../etc/passwd"),
		"path=" + url.QueryEscape("//evil.com/x.jpg"),
		"path=" + url.QueryEscape("/a.svg"),
		"path=x.jpg",
		"path=%2e%2e",
		"path=%2F%2e%2e%2Fx.jpg",
		"path=%252e%252e%252Fx.jpg",
		"path=" + url.QueryEscape("/a/b.jpg"),
		"path=" + url.QueryEscape("/a.jpg?x=1"),
		"path=" + url.QueryEscape("/a.jpg\n"),
		"path=" + url.QueryEscape("https://image.tmdb.org/t/p/w500/a.jpg"),
		"path=" + url.QueryEscape("/"+strings.Repeat("a", 200)+".jpg"),
		"path=",
		"",
	} {
		r := e.do(alice, "GET", "/api/v1/media/image?"+q, nil)
		e.want(r, http.StatusBadRequest, "VALIDATION_ERROR")
		if !bytes.Contains(r.body, []byte(`"field":"path"`)) {
			t.Fatalf("%s: no details for path: %s", q, r.body)
		}
	}
	for _, size := range []string{"w501", "W500", "w500/../x", "orig"} {
		r := e.do(alice, "GET", "/api/v1/media/image?path=%2Fp1.jpg&size="+url.QueryEscape(size), nil)
		e.want(r, http.StatusBadRequest, "VALIDATION_ERROR")
		if !bytes.Contains(r.body, []byte(`"field":"size"`)) {
			t.Fatalf("size %q: no details: %s", size, r.body)
		}
	}
	if reqs := e.tmdb.requests(); len(reqs) != 0 {
		t.Fatalf("refused paths reached TMDB: %v", reqs)
	}
	e.want(e.do(principal.User{}, "GET", "/api/v1/media/image?path=%2Fp1.jpg", nil), http.StatusUnauthorized, "UNAUTHORIZED")
	if reqs := e.tmdb.requests(); len(reqs) != 0 {
		t.Fatalf("an anonymous request reached TMDB: %v", reqs)
	}
}

func TestPosterProxyUpstreamFailures(t *testing.T) {
	e := newEnv(t)
	get := func() resp { return e.do(alice, "GET", "/api/v1/media/image?path=%2Fp1.jpg", nil) }

	e.tmdb.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><script>alert(1)</script></html>"))
	})
	e.want(get(), http.StatusBadGateway, "UPSTREAM_ERROR")

	// Labelled as an image, but it is not one.
	e.tmdb.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("<html><script>alert(1)</script></html>"))
	})
	e.want(get(), http.StatusBadGateway, "UPSTREAM_ERROR")

	e.tmdb.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	})
	e.want(get(), http.StatusBadGateway, "UPSTREAM_ERROR")

	big := append([]byte(pngHeader), make([]byte, maxPosterBytes)...)
	e.tmdb.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write(big)
	})
	e.want(get(), http.StatusBadGateway, "UPSTREAM_ERROR")
	// Too large without saying so up front (chunked).
	e.tmdb.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(big[:1024])
		w.(http.Flusher).Flush()
		w.Write(big[1024:])
	})
	e.want(get(), http.StatusBadGateway, "UPSTREAM_ERROR")

	e.tmdb.setAnswer(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
	e.want(get(), http.StatusBadGateway, "UPSTREAM_ERROR")

	e.tmdb.setAnswer(nil)
	e.want(e.do(alice, "GET", "/api/v1/media/image?path=%2Fmissing.jpg", nil), http.StatusNotFound, "NOT_FOUND")

	if files, _ := os.ReadDir(e.imgDir); len(files) != 0 {
		t.Fatalf("a refused answer was cached: %d files", len(files))
	}
	// TMDB itself down.
	e.tmdb.Close()
	e.want(get(), http.StatusBadGateway, "UPSTREAM_ERROR")
}

func TestPosterProxyTimeout(t *testing.T) {
	slow := upstream.New("tmdb", "TMDB", upstream.Options{Timeout: 200 * time.Millisecond, Retries: -1, FailuresToOpen: 1000})
	e := newEnv(t, func(_ *RequestsDeps, d *LibraryDeps) { d.TMDB = slow })
	release := make(chan struct{})
	defer close(release)
	e.tmdb.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	e.want(e.do(alice, "GET", "/api/v1/media/image?path=%2Fp1.jpg", nil), http.StatusGatewayTimeout, "UPSTREAM_TIMEOUT")

	// The headers arrive, the body stalls.
	e.tmdb.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte(pngHeader))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	e.want(e.do(alice, "GET", "/api/v1/media/image?path=%2Fp1.jpg", nil), http.StatusGatewayTimeout, "UPSTREAM_TIMEOUT")
}

func TestStoredPosterURL(t *testing.T) {
	e := newEnv(t)
	mr := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	want := "/medianest/api/v1/media/image?path=%2Fp3.jpg&size=w500"
	var stored string
	if err := e.db.R.QueryRow(`SELECT poster_url FROM media_requests WHERE id = ?`, mr.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if mr.PosterURL != want || stored != want {
		t.Fatalf("answered %q, stored %q, want %q", mr.PosterURL, stored, want)
	}

	// Rows stored before the proxy (TMDB URLs) or under another base path
	// come out in the current form; anything else is dropped.
	for stored, want := range map[string]string{
		"https://image.tmdb.org/t/p/w500/old.jpg":                "/medianest/api/v1/media/image?path=%2Fold.jpg&size=w500",
		"/api/v1/media/image?path=%2Fmoved.png&size=w342":        "/medianest/api/v1/media/image?path=%2Fmoved.png&size=w342",
		"/medianest/api/v1/media/image?path=%2Fp3.jpg&size=w500": "/medianest/api/v1/media/image?path=%2Fp3.jpg&size=w500",
		"/bare.webp":                                  "/medianest/api/v1/media/image?path=%2Fbare.webp&size=w500",
		"https://evil.example/t/p/w500/x.jpg":         "",
		"/api/v1/media/image?path=%2F..%2Fx.jpg":      "",
		"/api/v1/media/image?path=%2Fx.jpg&size=huge": "",
		"javascript:alert(1)":                         "",
	} {
		if got := e.req.storedPosterURL(stored); got != want {
			t.Errorf("stored %q reads as %q, want %q", stored, got, want)
		}
	}
	if _, err := e.db.W.Exec(`UPDATE media_requests SET poster_url = ? WHERE id = ?`, "https://image.tmdb.org/t/p/w500/p3.jpg", mr.ID); err != nil {
		t.Fatal(err)
	}
	var list []MediaRequest
	e.do(alice, "GET", "/api/v1/media/requests", nil).data(t, &list)
	if len(list) != 1 || list[0].PosterURL != want {
		t.Fatalf("listed %+v", list)
	}
}

func TestTMDBImageBase(t *testing.T) {
	if b, err := tmdbBase(""); err != nil || b != DefaultTMDBImageBase {
		t.Fatalf("default base %q, %v", b, err)
	}
	if b, err := tmdbBase("http://tmdb.local/t/p/"); err != nil || b != "http://tmdb.local/t/p" {
		t.Fatalf("base %q, %v", b, err)
	}
	for _, bad := range []string{"image.tmdb.org/t/p", "ftp://x/t/p", "https://x/t/p?a=1", "https://user:pw@x/t/p", "https:///t/p"} {
		if _, err := tmdbBase(bad); err == nil {
			t.Errorf("base %q accepted", bad)
		}
	}
	e := newEnv(t)
	_, err := NewLibrary(LibraryDeps{Services: e.svcs, PMS: e.lib.pms, TMDBImageBase: "not a url"})
	if err == nil {
		t.Fatal("NewLibrary accepted a bad TMDB image base")
	}
	s, err := NewLibrary(LibraryDeps{Services: e.svcs, PMS: e.lib.pms})
	if err != nil || s.tmdbBase != DefaultTMDBImageBase || s.tmdb == nil {
		t.Fatalf("defaults: %v %+v", err, s)
	}
}
