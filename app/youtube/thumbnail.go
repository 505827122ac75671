package youtube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"medianest/app/apperr"
	"medianest/app/principal"
)

// The page's Content-Security-Policy admits images from its own origin
// only, so a video's thumbnail reaches the browser through the server. The
// server fetches only the thumbnail yt-dlp named for a URL the user may
// download (never an image address the user supplies), and only from a
// YouTube image host or a host the download URL policy admits.
const (
	// maxThumbnail bounds a thumbnail's size; YouTube's largest are far
	// smaller.
	maxThumbnail = 2 << 20
	// thumbnailTimeout bounds one fetch, so a slow host cannot hold a
	// request open.
	thumbnailTimeout = 10 * time.Second
	// maxThumbnailRedirects bounds the redirects followed, each checked
	// like the first address.
	maxThumbnailRedirects = 3
)

// newImageClient is the client thumbnails are fetched with: a short
// timeout, and each redirect checked by allowed.
func newImageClient(rt http.RoundTripper, allowed func(ctx context.Context, raw string) error) *http.Client {
	return &http.Client{
		Transport: rt,
		Timeout:   thumbnailTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxThumbnailRedirects {
				return errors.New("youtube: too many thumbnail redirects")
			}
			return allowed(req.Context(), req.URL.String())
		},
	}
}

// ytimgHost reports whether host is YouTube's image host (i.ytimg.com,
// i9.ytimg.com and the other subdomains of ytimg.com).
func ytimgHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == "ytimg.com" || strings.HasSuffix(host, ".ytimg.com")
}

// thumbnailAllowed decides whether the server may fetch the thumbnail at
// raw: https on a YouTube image host, or an address the download URL policy
// admits (its allowed hosts and its private-network check).
func (s *Service) thumbnailAllowed(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.User != nil || u.Hostname() == "" {
		return fmt.Errorf("youtube: thumbnail address %q is not usable", raw)
	}
	if u.Scheme == "https" && ytimgHost(u.Hostname()) {
		return nil
	}
	if _, err := s.urls.Check(ctx, raw); err != nil {
		return fmt.Errorf("youtube: thumbnail address %q: %w", raw, err)
	}
	return nil
}

// fetchThumbnail answers the image at raw, checked by thumbnailAllowed,
// at most maxThumbnail bytes, of an image content type.
func (s *Service) fetchThumbnail(ctx context.Context, raw string) ([]byte, string, error) {
	if raw == "" {
		return nil, "", apperr.New(apperr.NotFound, "There is no thumbnail for this video.")
	}
	if err := s.thumbnailAllowed(ctx, raw); err != nil {
		return nil, "", apperr.Wrap(apperr.NotFound, err, "The thumbnail of this video cannot be shown.")
	}
	ctx, cancel := context.WithTimeout(ctx, thumbnailTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, "", apperr.Wrap(apperr.NotFound, err, "The thumbnail of this video cannot be shown.")
	}
	req.Header.Set("Accept", "image/*")
	res, err := s.images.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", apperr.Wrap(apperr.UpstreamTimeout, err, "The thumbnail did not arrive in time.")
		}
		return nil, "", apperr.Wrap(apperr.UpstreamError, err, "The thumbnail could not be fetched.")
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, "", apperr.New(apperr.UpstreamError, "The thumbnail's host answered %d.", res.StatusCode)
	}
	if res.ContentLength > maxThumbnail {
		return nil, "", apperr.New(apperr.UpstreamError, "The thumbnail is larger than 2 MiB.")
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxThumbnail+1))
	if err != nil {
		return nil, "", apperr.Wrap(apperr.UpstreamError, err, "The thumbnail could not be fetched.")
	}
	if len(data) > maxThumbnail {
		return nil, "", apperr.New(apperr.UpstreamError, "The thumbnail is larger than 2 MiB.")
	}
	// The type is read from the bytes, so a host cannot have an HTML page
	// served from this origin by calling it an image.
	ct := http.DetectContentType(data)
	if !strings.HasPrefix(ct, "image/") || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/") {
		return nil, "", apperr.New(apperr.UpstreamError, "The thumbnail's host did not send an image.")
	}
	return data, ct, nil
}

// serveThumbnail writes the thumbnail at raw, private to the caller and
// cached by the browser for a day.
func (s *Service) serveThumbnail(w http.ResponseWriter, r *http.Request, raw string) error {
	data, ct, err := s.fetchThumbnail(r.Context(), raw)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", fmt.Sprint(len(data)))
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Cookie, Authorization")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
	return nil
}

// handleThumbnail serves the thumbnail of a URL's metadata (the preview
// before a download), described through the metadata cache.
func (s *Service) handleThumbnail(w http.ResponseWriter, r *http.Request) error {
	if _, err := caller(r); err != nil {
		return err
	}
	raw := r.URL.Query().Get("url")
	if strings.TrimSpace(raw) == "" {
		return apperr.Field("url", "is required")
	}
	_, info, err := s.info(r.Context(), raw)
	if err != nil {
		return err
	}
	return s.serveThumbnail(w, r, info.ThumbnailURL)
}

// handleDownloadThumbnail serves the thumbnail stored with a download
// (owner or admin), without asking yt-dlp again.
func (s *Service) handleDownloadThumbnail(w http.ResponseWriter, r *http.Request) error {
	return withID(func(w http.ResponseWriter, r *http.Request, u principal.User, id int64) error {
		d, err := s.Get(r.Context(), u, id)
		if err != nil {
			return err
		}
		return s.serveThumbnail(w, r, d.ThumbnailURL)
	})(w, r)
}
