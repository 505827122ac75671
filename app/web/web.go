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
	"strings"
)

type file struct {
	body        []byte
	gz          []byte // nil when not worth compressing
	etag        string
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
	hd.Set("Content-Type", f.contentType)
	hd.Set("ETag", f.etag)
	// No hashed file names: browsers revalidate each time and get a 304.
	hd.Set("Cache-Control", "no-cache")
	hd.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = f.gz
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

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return !strings.Contains(strings.ReplaceAll(q, " ", ""), "q=0") || strings.Contains(q, "q=0.")
		}
	}
	return false
}
