// Package web serves the embedded UI: content ETags, gzip prepared once at
// start, the SPA fallback for client-side routes, and the base path.
//
// Every file is also served under /assets/<version>/, where the version is
// a hash of all the files: index.html loads the UI from there, so modules,
// styles and icons are cached for a year without revalidation, and a new
// release (a new version) is fetched once. index.html itself is revalidated
// on every load, which is how a browser learns of a new version.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"medianest/app/httpx"
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
	files   map[string]*file
	version string
}

// assetsDir is the path prefix of the versioned, immutable copies.
const assetsDir = "assets/"

// New reads every file of fsys once. index.html gets the base path (the path
// of server.base_url, "" at the root) for {{BASE}} and the versioned asset
// path (base + "/assets/<version>") for {{ASSETS}}.
func New(fsys fs.FS, basePath string) (*Handler, error) {
	h := &Handler{files: map[string]*file{}}
	raw := map[string][]byte{}
	all := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		raw[p] = b
		fmt.Fprintf(all, "%s\x00%d\x00", p, len(b))
		all.Write(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: load assets: %w", err)
	}
	h.version = hex.EncodeToString(all.Sum(nil)[:6])
	var zw *gzip.Writer
	for p, b := range raw {
		if p == "index.html" {
			b = bytes.ReplaceAll(b, []byte("{{ASSETS}}"), []byte(basePath+"/"+assetsDir+h.version))
			b = bytes.ReplaceAll(b, []byte("{{BASE}}"), []byte(basePath))
		}
		sum := sha256.Sum256(b)
		f := &file{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		f.contentType = contentTypes[path.Ext(p)]
		if f.contentType == "" {
			f.contentType = http.DetectContentType(b)
		}
		if len(b) >= 1024 && compressible(f.contentType) {
			var buf bytes.Buffer
			if zw == nil {
				// One compressor for every file: each holds about a
				// megabyte of tables, which startup would otherwise
				// allocate once per file.
				zw, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
			} else {
				zw.Reset(&buf)
			}
			zw.Write(b)
			zw.Close()
			if buf.Len() < len(b) {
				f.gz = bytes.Clone(buf.Bytes()) // not the buffer's spare capacity
				f.gzETag = strings.TrimSuffix(f.etag, `"`) + `-gzip"`
			}
		}
		h.files[p] = f
	}
	if h.files["index.html"] == nil {
		return nil, fmt.Errorf("web: assets have no index.html")
	}
	return h, nil
}

// contentTypes are the types of the UI's files, the same on every machine.
// The mime package is not asked: its first use loads the system's table,
// several hundred kilobytes of pointers that every garbage collection
// then scans for the life of the process. Other files are sniffed.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".webp":        "image/webp",
	".woff2":       "font/woff2",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".webmanifest": "application/manifest+json",
}

// Version is the hash of the assets that names their immutable path.
func (h *Handler) Version() string { return h.version }

func compressible(ct string) bool {
	for _, p := range []string{"text/", "application/json", "image/svg", "application/manifest"} {
		if strings.HasPrefix(ct, p) {
			return true
		}
	}
	return false
}

// ServeHTTP serves a file, or index.html for a client-side route (a path
// whose last segment has no extension), or 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	httpx.DocumentHeaders(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	immutable := false
	if rest, ok := strings.CutPrefix(p, assetsDir); ok {
		// A page of an older release may still ask for its version: it
		// gets today's file, but not for keeps.
		v, name, _ := strings.Cut(rest, "/")
		immutable = v == h.version
		p = name
	}
	f := h.files[p]
	if f == nil || p == "index.html" && immutable {
		if p != "" && path.Ext(p) != "" {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		f, immutable = h.files["index.html"], false
	}
	hd := w.Header()
	body, etag := f.body, f.etag
	if f.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = f.gz, f.gzETag
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Type", f.contentType)
	hd.Set("ETag", etag)
	if immutable {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// Unversioned: browsers revalidate each time and get a 304.
		hd.Set("Cache-Control", "no-cache")
	}
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
