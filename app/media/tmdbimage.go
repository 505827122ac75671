package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"medianest/app/apperr"
	"medianest/app/upstream"
)

// DefaultTMDBImageBase is where TMDB serves its images; a size and a file
// name are appended ("/w500/abc.jpg").
const DefaultTMDBImageBase = "https://image.tmdb.org/t/p"

// Poster sizes handed to browsers: posters at w500, backdrops at w1280.
const (
	PosterSize   = "w500"
	BackdropSize = "w1280"
)

// maxPosterBytes bounds one image fetched from TMDB; its largest originals
// are a few MiB.
const maxPosterBytes = 10 << 20

// tmdbSizes are the image sizes TMDB serves and the proxy fetches.
var tmdbSizes = []string{"w92", "w154", "w185", "w342", "w500", "w780", "w1280", "original"}

// tmdbFileRe is a single TMDB file name. Nothing else may reach TMDB's
// URL: no directories, no dots but the extension's, no encoded characters,
// and no type a browser could run (SVG).
var tmdbFileRe = regexp.MustCompile(`^/[A-Za-z0-9_-]+\.(jpg|jpeg|png|webp)$`)

// maxTMDBPath bounds a file name; TMDB's are some 30 characters.
const maxTMDBPath = 128

// posterTypes are the image types the poster proxy passes on.
var posterTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// ImageFetcher sends requests to TMDB's image server (*upstream.Client):
// a non-2xx answer or a transport failure is an error of an apperr kind.
type ImageFetcher interface {
	Do(req *http.Request) (*http.Response, error)
}

// newTMDBClient is the client used when Deps.TMDB is nil.
func newTMDBClient() ImageFetcher {
	return upstream.New("tmdb", "TMDB", upstream.Options{})
}

// tmdbBase checks and normalises Deps.TMDBImageBase.
func tmdbBase(base string) (string, error) {
	if base == "" {
		return DefaultTMDBImageBase, nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("media: TMDB image base %q is not an http(s) URL without query", base)
	}
	return strings.TrimRight(base, "/"), nil
}

func validTMDBPath(p string) bool {
	return len(p) <= maxTMDBPath && tmdbFileRe.MatchString(p)
}

func validTMDBSize(size string) bool {
	return slices.Contains(tmdbSizes, size)
}

// tmdbFile returns the TMDB file name in what Overseerr (or an older
// stored request) gives for an image: the bare path ("/abc.jpg", also
// without its slash) or a full image.tmdb.org URL of any size.
func tmdbFile(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		u, err := url.Parse(v)
		if err != nil || u.Host != "image.tmdb.org" || !strings.HasPrefix(u.Path, "/t/p/") {
			return "", false
		}
		_, file, ok := strings.Cut(strings.TrimPrefix(u.Path, "/t/p/"), "/")
		if !ok {
			return "", false
		}
		v = "/" + file
	}
	if !strings.HasPrefix(v, "/") {
		v = "/" + v
	}
	return v, validTMDBPath(v)
}

// tmdbImageURL is the same-origin proxy URL of a TMDB image at size, or ""
// when there is none (or nothing the proxy would fetch). The page's
// Content-Security-Policy allows images from our own origin only.
func (ln links) tmdbImageURL(path, size string) string {
	p, ok := tmdbFile(path)
	if !ok {
		return ""
	}
	return ln.basePath + "/api/v1/media/image?path=" + url.QueryEscape(p) + "&size=" + size
}

// posterURL is the proxy URL of a poster, "" for none.
func (ln links) posterURL(path string) string { return ln.tmdbImageURL(path, PosterSize) }

// backdropURL is the proxy URL of a backdrop, "" for none.
func (ln links) backdropURL(path string) string { return ln.tmdbImageURL(path, BackdropSize) }

// storedPosterURL gives a stored poster_url in its current form. Requests
// store the proxy URL, but one stored under another base path, or a TMDB
// URL stored before the proxy existed, must still load under the page's
// CSP; anything else is dropped rather than shown broken.
func (ln links) storedPosterURL(v string) string {
	if v == "" {
		return ""
	}
	const route = "/api/v1/media/image?"
	if strings.HasPrefix(v, ln.basePath+route) {
		return v
	}
	if _, q, ok := strings.Cut(v, route); ok {
		vals, err := url.ParseQuery(q)
		size := vals.Get("size")
		if err != nil || !validTMDBSize(size) {
			return ""
		}
		return ln.tmdbImageURL(vals.Get("path"), size)
	}
	return ln.posterURL(v)
}

// handleTMDBImage serves a poster or backdrop from TMDB, so that the page
// loads it from our own origin. Only a single TMDB file name at one of
// TMDB's sizes is fetched. Posters are the same for everyone and are not
// personal data, so shared caches may keep them for a week.
func (s *Library) handleTMDBImage(w http.ResponseWriter, r *http.Request) error {
	if _, err := caller(r); err != nil {
		return err
	}
	q := r.URL.Query()
	p, size := q.Get("path"), q.Get("size")
	if size == "" {
		size = PosterSize
	}
	var details []apperr.FieldError
	if !validTMDBPath(p) {
		details = append(details, apperr.FieldError{Field: "path",
			Message: "must be a single TMDB file name such as /abc123.jpg (letters, digits, '_' or '-', then .jpg, .jpeg, .png or .webp)"})
	}
	if !validTMDBSize(size) {
		details = append(details, apperr.FieldError{Field: "size", Message: "must be one of " + strings.Join(tmdbSizes, ", ")})
	}
	if len(details) > 0 {
		return apperr.Validation(details...)
	}
	data, err := s.cachedImage(cacheName("tmdb", s.tmdbBase, size, p), func() ([]byte, error) {
		return s.fetchTMDB(r.Context(), size, p)
	})
	if err != nil {
		return err
	}
	ct := http.DetectContentType(data)
	if !posterTypes[ct] {
		return apperr.New(apperr.UpstreamError, "TMDB did not send an image.")
	}
	serveImage(w, r, data, ct, "public, max-age=604800")
	return nil
}

// fetchTMDB fetches one image from TMDB. Only a raster image of at most
// maxPosterBytes is accepted: an HTML error page or an SVG served with 200
// would otherwise run from our origin.
func (s *Library) fetchTMDB(ctx context.Context, size, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.tmdbBase+"/"+size+path, nil)
	if err != nil {
		return nil, fmt.Errorf("media: tmdb image request: %w", err)
	}
	req.Header.Set("Accept", "image/webp,image/png,image/jpeg,image/gif")
	resp, err := s.tmdb.Do(req)
	if err != nil {
		if se, ok := errors.AsType[*upstream.StatusError](err); ok && (se.Status == 404 || se.Status == 410) {
			return nil, apperr.Wrap(apperr.NotFound, err, "TMDB has no such image.")
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, apperr.New(apperr.UpstreamError, "TMDB answered with an error (HTTP %d).", resp.StatusCode)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !posterTypes[mt] {
		return nil, apperr.New(apperr.UpstreamError, "TMDB did not send an image.")
	}
	if resp.ContentLength > maxPosterBytes {
		return nil, apperr.New(apperr.UpstreamError, "TMDB sent an image over %d MiB.", maxPosterBytes>>20)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPosterBytes+1))
	if err != nil {
		return nil, readErr(ctx, err)
	}
	if len(b) > maxPosterBytes {
		return nil, apperr.New(apperr.UpstreamError, "TMDB sent an image over %d MiB.", maxPosterBytes>>20)
	}
	if !posterTypes[http.DetectContentType(b)] {
		return nil, apperr.New(apperr.UpstreamError, "TMDB did not send an image.")
	}
	return b, nil
}

// readErr maps a failure while reading TMDB's answer: the caller gone is
// passed on as is, a timeout is UPSTREAM_TIMEOUT, anything else
// UPSTREAM_ERROR.
func readErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("media: read tmdb image: %w", err)
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return apperr.Wrap(apperr.UpstreamTimeout, err, "TMDB did not send the image in time.")
	}
	return apperr.Wrap(apperr.UpstreamError, err, "TMDB sent an unreadable image.")
}
