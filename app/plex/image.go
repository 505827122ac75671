package plex

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"medianest/app/upstream"
)

// Image sizes: a request without a size gets a poster-sized image, and no
// request may make the transcoder render something huge.
const (
	DefaultImageWidth  = 300
	DefaultImageHeight = 450
	MaxImageDimension  = 2000
)

// rasterTypes are the image types Image passes on.
var rasterTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// ValidImagePath reports whether p may be fetched through the photo
// transcoder: a path under /library/ (posters, art, collection composites)
// with no "..", "//", backslash, control character or anything that decodes
// to one. Anything else could make the server fetch an arbitrary URL or file
// on our behalf.
func ValidImagePath(p string) bool {
	if !cleanImagePath(p) {
		return false
	}
	dec, err := url.PathUnescape(p)
	return err == nil && cleanImagePath(dec)
}

func cleanImagePath(p string) bool {
	if !strings.HasPrefix(p, "/library/") || len(p) > 1024 {
		return false
	}
	if strings.Contains(p, "..") || strings.Contains(p, "//") || strings.Contains(p, "\\") {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// Image fetches the image at path (a PMS path such as an Item's Thumb)
// scaled to width×height by the photo transcoder, and returns its bytes and
// content type. A size <= 0 takes the default and sizes are capped at
// MaxImageDimension. An invalid path is an ErrInvalidArgument error; an image in
// a section conn.Token may not see, or a missing one, is ErrNotFound. The
// token travels in the header only: PMS applies it to the nested URL too.
func (p *PMS) Image(ctx context.Context, conn Conn, path string, width, height int) (_ []byte, _ string, err error) {
	defer wrap(&err, "image")
	if !ValidImagePath(path) {
		return nil, "", invalid("path", "must start with /library/ and contain no '..' or '//'")
	}
	if width <= 0 {
		width = DefaultImageWidth
	}
	if height <= 0 {
		height = DefaultImageHeight
	}
	q := url.Values{
		"url":     {path},
		"width":   {strconv.Itoa(min(width, MaxImageDimension))},
		"height":  {strconv.Itoa(min(height, MaxImageDimension))},
		"minSize": {"1"},
		"upscale": {"1"},
	}
	req, err := p.request(ctx, http.MethodGet, conn, call{path: "/photo/:/transcode", query: q})
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "image/*")
	resp, err := p.c.Do(req)
	if err != nil {
		return nil, "", hidden(err, "The image")
	}
	ct := resp.Header.Get("Content-Type")
	body, err := upstream.ReadBody(resp)
	if err != nil {
		return nil, "", upstream.Unreadable("Plex", "Plex sent an unreadable image.", err)
	}
	// Only a raster image may be passed on to a browser: an HTML error page
	// or an SVG served with 200 would otherwise run from our origin.
	mt, _, _ := mime.ParseMediaType(ct)
	if !rasterTypes[mt] {
		mt = http.DetectContentType(body)
		if !rasterTypes[mt] {
			return nil, "", upstream.Unreadable("Plex", "Plex did not send an image.", errors.New("answer of type "+mt))
		}
	}
	return body, mt, nil
}
