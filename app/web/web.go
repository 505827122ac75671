// Package web serves the embedded UI: content ETags, gzip prepared once at
// start, the SPA fallback for client-side routes, and the base path.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// file is one asset in up to two representations. Each has its own strong
// ETag: a cache holding the gzip body must not get a 304 for the identity one.
type file struct {
	body        []byte
	gz          []byte // nil when not worth compressing
	etag        string
	gzETag      string
	contentType string
}

// Handler serves the UI files.
type Handler struct {
	files map[string]*file
}

// New reads every file of fsys once. index.html gets the base path (the path
// of server.base_url, "" at the root) written into its <base> element.
func New(fsys fs.FS, basePath string) (*Handler, error) {
	h := &Handler{files: map[string]*file{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if p == "index.html" {
			b = bytes.ReplaceAll(b, []byte("{{BASE}}"), []byte(basePath))
		}
		sum := sha256.Sum256(b)
		f := &file{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		f.contentType = mime.TypeByExtension(path.Ext(p))
		if f.contentType == "" {
			f.contentType = http.DetectContentType(b)
		}
		if len(b) >= 1024 && compressible(f.contentType) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			if buf.Len() < len(b) {
				f.gz = buf.Bytes()
				f.gzETag = strings.TrimSuffix(f.etag, `"`) + `-gzip"`
			}
		}
		h.files[p] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: load assets: %w", err)
	}
	if h.files["index.html"] == nil {
		return nil, fmt.Errorf("web: assets have no index.html")
	}
	return h, nil
}

func compressible(ct string) bool {
	for _, p := range []string{"text/", "application/javascript", "application/json", "image/svg", "application/manifest"} {
		if strings.HasPrefix(ct, p) {
			return true
		}
	}
	return false
}

// ServeHTTP serves a file, or index.html for a client-side route (a path
// whose last segment has no extension), or 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	f := h.files[p]
	if f == nil {
		if p != "" && path.Ext(p) != "" {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		f = h.files["index.html"]
	}
	hd := w.Header()
	body, etag := f.body, f.etag
	if f.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = f.gz, f.gzETag
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Type", f.contentType)
	hd.Set("ETag", etag)
	// No hashed file names: browsers revalidate each time and get a 304.
	hd.Set("Cache-Control", "no-cache")
	hd.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, etag) {
		hd.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header (RFC 9110 12.5.3)
// admits gzip: a gzip (or x-gzip) entry decides by its weight, else a "*"
// entry does; a weight of 0 refuses, and a malformed weight is taken as 0.
func acceptsGzip(header string) bool {
	named, star := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		params := strings.Split(part, ";")
		name := strings.ToLower(strings.TrimSpace(params[0]))
		q := 1.0
		for _, p := range params[1:] {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				q = qvalue(strings.TrimSpace(v))
			}
		}
		switch name {
		case "gzip", "x-gzip":
			named = max(named, q)
		case "*":
			star = max(star, q)
		}
	}
	if named >= 0 {
		return named > 0
	}
	return star > 0
}

// qvalue parses a weight: "0" to "1" with at most three decimals. Anything
// else is 0, so a garbled header never turns gzip on.
func qvalue(s string) float64 {
	if len(s) == 0 || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil || q < 0 || q > 1 {
		return 0
	}
	return q
}
