package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

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
	if w := get("/../../etc/passwd"); w.Code == 200 && strings.Contains(w.Body.String(), "root:") {
		t.Fatal("path traversal")
	}
	r := httptest.NewRequest("POST", "/", nil)
	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, r)
	if rw.Code != 405 {
		t.Fatalf("POST to the UI: %d", rw.Code)
	}
}
