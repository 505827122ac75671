package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"medianest/app/httpx"
	"medianest/app/web"
)

func TestServe(t *testing.T) {
	big := strings.Repeat("console.log('medianest');\n", 200)
	h, err := web.New(fstest.MapFS{
		"index.html": {Data: []byte(`<base href="{{BASE}}/"><p>hi</p>`)},
		"app.js":     {Data: []byte(big)},
		"embed.go":   {Data: []byte("package assets")},
	}, "/mn")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := get("/app.js", "Accept-Encoding", "gzip, deflate")
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", w.Header())
	}
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != big || w.Body.Len() >= len(big) {
		t.Fatal("gzip body does not round-trip or is not smaller")
	}
	if w := get("/app.js"); w.Header().Get("Content-Encoding") != "" || w.Body.String() != big {
		t.Fatal("plain body wrong without Accept-Encoding")
	}
	if w := get("/app.js", "Accept-Encoding", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip sent although refused with q=0")
	}
	if w := get("/settings/account"); !strings.Contains(w.Body.String(), `<base href="/mn/">`) {
		t.Fatalf("SPA fallback: %s", w.Body)
	}
	if w := get("/embed.go"); w.Code != 404 {
		t.Fatalf("Go source served: %d", w.Code)
	}
	r := httptest.NewRequest("POST", "/", nil)
	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, r)
	if rw.Code != 405 {
		t.Fatalf("POST to the UI: %d", rw.Code)
	}
}

func newHandler(t *testing.T) (h *web.Handler, big string) {
	t.Helper()
	big = strings.Repeat("console.log('medianest');\n", 200)
	h, err := web.New(fstest.MapFS{
		"index.html": {Data: []byte(`<p>hi</p>`)},
		"app.js":     {Data: []byte(big)},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	return h, big
}

func serve(h http.Handler, method, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// Accept-Encoding is parsed by its grammar: a weight of 0 refuses a coding,
// "*" stands for every coding not named, names are case-insensitive.
func TestAcceptEncoding(t *testing.T) {
	h, _ := newHandler(t)
	cases := []struct {
		header string
		gzip   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"gzip, deflate, br", true},
		{"br, gzip;q=0.5", true},
		{"deflate, br", false},
		{"identity", false},
		{"gzip;q=0", false},
		{"gzip; q=0", false},
		{"gzip;Q=0", false},
		{"gzip;q=0.0", false},
		{"gzip;q=0.000", false},
		{"gzip;q=0.001", true},
		{"gzip;q=1", true},
		{"gzip;q=1.0", true},
		{"*", true},
		{"*;q=0", false},
		{"br, *", true},
		{"gzip;q=0, *", false},
		{"*;q=0, gzip", true},
		{"*, gzip;q=0", false},
		{"gzip;q=abc", false},
		{"gzip;q=2", false},
		{"gzip;q=-1", false},
		{"gzipped", false},
		{" , ;, gzip ; q = 0.5 ", true},
	}
	for _, c := range cases {
		w := serve(h, "GET", "/app.js", "Accept-Encoding", c.header)
		if got := w.Header().Get("Content-Encoding") == "gzip"; got != c.gzip {
			t.Errorf("Accept-Encoding %q: gzip = %v, want %v", c.header, got, c.gzip)
		}
	}
}

// The gzip and the identity body are different representations: each has
// its own strong ETag, and If-None-Match is compared with the ETag of the
// representation that would be served.
func TestETagPerEncoding(t *testing.T) {
	h, big := newHandler(t)
	gz := serve(h, "GET", "/app.js", "Accept-Encoding", "gzip")
	id := serve(h, "GET", "/app.js")
	gzTag, idTag := gz.Header().Get("ETag"), id.Header().Get("ETag")
	if gz.Header().Get("Content-Encoding") != "gzip" || id.Body.String() != big {
		t.Fatalf("representations: gzip %v, identity %d bytes", gz.Header(), id.Body.Len())
	}
	if gzTag == "" || idTag == "" || gzTag == idTag || strings.HasPrefix(gzTag, "W/") || strings.HasPrefix(idTag, "W/") {
		t.Fatalf("ETags: gzip %q, identity %q; want two different strong tags", gzTag, idTag)
	}
	for _, w := range []*httptest.ResponseRecorder{gz, id} {
		if !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
			t.Fatalf("Vary = %q", w.Header().Get("Vary"))
		}
	}
	cases := []struct {
		name, encoding, inm string
		code                int
		etag                string
	}{
		{"gzip tag, gzip accepted", "gzip", gzTag, 304, gzTag},
		{"identity tag, identity", "", idTag, 304, idTag},
		{"identity tag, gzip accepted", "gzip", idTag, 200, gzTag},
		{"gzip tag, identity", "", gzTag, 200, idTag},
		{"gzip tag, gzip refused", "gzip;q=0", gzTag, 200, idTag},
		{"weak gzip tag", "gzip", "W/" + gzTag, 304, gzTag},
		{"list", "gzip", `"other", ` + gzTag, 304, gzTag},
		{"star", "", "*", 304, idTag},
		{"stale", "gzip", `"0000"`, 200, gzTag},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := serve(h, "GET", "/app.js", "Accept-Encoding", c.encoding, "If-None-Match", c.inm)
			if w.Code != c.code || w.Header().Get("ETag") != c.etag {
				t.Fatalf("code %d ETag %q, want %d %q", w.Code, w.Header().Get("ETag"), c.code, c.etag)
			}
			if c.code == 304 && w.Body.Len() != 0 {
				t.Fatalf("304 with a body of %d bytes", w.Body.Len())
			}
			if c.code == 200 && (w.Header().Get("Content-Encoding") == "gzip") != (c.etag == gzTag) {
				t.Fatalf("ETag %q sent with Content-Encoding %q", w.Header().Get("ETag"), w.Header().Get("Content-Encoding"))
			}
		})
	}
}

// Paths that climb out of the UI are cleaned: a file next to the asset
// directory is never served, whatever the spelling of "..".
func TestNoTraversal(t *testing.T) {
	root := t.TempDir()
	assets := filepath.Join(root, "assets")
	os.Mkdir(assets, 0o755)
	os.WriteFile(filepath.Join(assets, "index.html"), []byte("<p>index</p>"), 0o644)
	const outside = "medianest-outside-the-ui"
	os.WriteFile(filepath.Join(root, "secret.txt"), []byte(outside), 0o644)
	os.WriteFile(filepath.Join(root, "secret"), []byte(outside), 0o644)
	h, err := web.New(os.DirFS(assets), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{
		"/../secret.txt", "/../../secret.txt", "/a/../../secret.txt", "/..%2fsecret.txt",
		"/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/..\\secret.txt", "//../secret.txt",
	} {
		w := serve(h, "GET", target)
		if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), outside) {
			t.Errorf("GET %s: %d %q, want 404 without the outside file", target, w.Code, w.Body)
		}
	}
	// Without an extension the path is a client-side route: index.html.
	for _, target := range []string{"/../secret", "/%2e%2e/secret", "/..%2fsecret"} {
		w := serve(h, "GET", target)
		if w.Code != http.StatusOK || w.Body.String() != "<p>index</p>" {
			t.Errorf("GET %s: %d %q, want index.html", target, w.Code, w.Body)
		}
	}
}

// index.html loads the UI from /assets/<version>/, served for a year
// without revalidation; the same files at their plain path, an older
// version's path and index.html itself are revalidated each time.
func TestVersionedAssets(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":           {Data: []byte(`<script type="module" src="{{ASSETS}}/app.js"></script>`)},
		"app.js":               {Data: []byte("import './js/x.mjs';")},
		"js/x.mjs":             {Data: []byte("export {};")},
		"manifest.webmanifest": {Data: []byte(`{"name":"MediaNest"}`)},
	}
	h, err := web.New(fsys, "/mn")
	if err != nil {
		t.Fatal(err)
	}
	v := h.Version()
	if len(v) != 12 {
		t.Fatalf("version %q", v)
	}
	if w := serve(h, "GET", "/"); !strings.Contains(w.Body.String(), `src="/mn/assets/`+v+`/app.js"`) ||
		w.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("index: %q %v", w.Body, w.Header())
	}
	// The page and what it loads carry the UI's policy, not the API's.
	for _, p := range []string{"/", "/requests", "/assets/" + v + "/app.js"} {
		if got := serve(h, "GET", p).Header(); got.Get("Content-Security-Policy") != httpx.CSP || got.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: CSP %q, X-Frame-Options %q", p, got.Get("Content-Security-Policy"), got.Get("X-Frame-Options"))
		}
	}
	cases := []struct {
		path, cache, ctype string
		code               int
	}{
		{"/assets/" + v + "/app.js", "public, max-age=31536000, immutable", "text/javascript; charset=utf-8", 200},
		{"/assets/" + v + "/js/x.mjs", "public, max-age=31536000, immutable", "text/javascript; charset=utf-8", 200},
		{"/assets/" + v + "/manifest.webmanifest", "public, max-age=31536000, immutable", "application/manifest+json", 200},
		{"/assets/000000000000/app.js", "no-cache", "text/javascript; charset=utf-8", 200},
		{"/app.js", "no-cache", "text/javascript; charset=utf-8", 200},
		{"/assets/" + v, "no-cache", "text/html; charset=utf-8", 200},
		{"/assets/" + v + "/index.html", "", "", 404},
		{"/assets/" + v + "/nope.js", "", "", 404},
	}
	for _, c := range cases {
		w := serve(h, "GET", c.path)
		if w.Code != c.code {
			t.Errorf("GET %s: %d, want %d", c.path, w.Code, c.code)
			continue
		}
		if c.code == 200 && (w.Header().Get("Cache-Control") != c.cache || w.Header().Get("Content-Type") != c.ctype) {
			t.Errorf("GET %s: Cache-Control %q, Content-Type %q; want %q, %q", c.path,
				w.Header().Get("Cache-Control"), w.Header().Get("Content-Type"), c.cache, c.ctype)
		}
	}
	fsys["js/x.mjs"] = &fstest.MapFile{Data: []byte("export const changed = 1;")}
	h2, err := web.New(fsys, "/mn")
	if err != nil {
		t.Fatal(err)
	}
	if h2.Version() == v {
		t.Fatal("a changed module keeps the version")
	}
}
