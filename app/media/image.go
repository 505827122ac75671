package media

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"medianest/app/apperr"
	"medianest/app/httpx"
	"medianest/app/plex"
)

// handleImage serves a Plex image through the photo transcoder at the
// asked size. Only /library/ paths are fetched; the token goes to Plex in a
// header and never to the browser. The answer is private to the caller and
// cached by the browser for a day.
func (s *Library) handleImage(w http.ResponseWriter, r *http.Request) error {
	u, err := caller(r)
	if err != nil {
		return err
	}
	p := r.URL.Query().Get("path")
	if !plex.ValidImagePath(p) {
		return apperr.Field("path", "must start with /library/ and contain no '..' or '//'")
	}
	width, err := httpx.IntQuery(r, "width", 0, 1, plex.MaxImageDimension)
	if err != nil {
		return err
	}
	height, err := httpx.IntQuery(r, "height", 0, 1, plex.MaxImageDimension)
	if err != nil {
		return err
	}
	ps, err := s.plexFor(r.Context(), u)
	if err != nil {
		return err
	}
	name := cacheName(ps.key, p, strconv.Itoa(width)+"x"+strconv.Itoa(height))
	data, err := s.cachedImage(name, func() ([]byte, error) {
		b, _, err := s.pms.Image(r.Context(), ps.conn, p, width, height)
		if err != nil {
			return nil, plexErr(err)
		}
		return b, nil
	})
	if err != nil {
		return err
	}
	ct := http.DetectContentType(data)
	if !strings.HasPrefix(ct, "image/") {
		return apperr.New(apperr.UpstreamError, "Plex did not send an image.")
	}
	w.Header().Add("Vary", "Cookie, Authorization")
	serveImage(w, r, data, ct, "private, max-age=86400")
	return nil
}

// cacheName is the file name of an image in the disk cache: a hash of the
// parts the bytes depend on.
func cacheName(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// cachedImage returns the image filed under name in the disk cache, or
// fetches and files it. Without a cache (no ImageDir) every call fetches.
func (s *Library) cachedImage(name string, fetch func() ([]byte, error)) ([]byte, error) {
	if s.images != nil {
		if b, ok := s.images.get(name); ok {
			return b, nil
		}
	}
	b, err := fetch()
	if err != nil {
		return nil, err
	}
	if s.images != nil {
		s.images.put(name, b)
	}
	return b, nil
}

// serveImage answers with data as content type ct, an ETag of its content
// and cacheControl; a matching If-None-Match gets 304 without the body.
func serveImage(w http.ResponseWriter, r *http.Request, data []byte, ct, cacheControl string) {
	etagSum := sha256.Sum256(data)
	etag := `"` + hex.EncodeToString(etagSum[:16]) + `"`
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

// etagMatches implements If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
