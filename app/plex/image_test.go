package plex_test

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"

	"medianest/app/plex"
	"medianest/app/upstream"
)

func TestValidImagePath(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"/library/metadata/101/thumb/1771990000", true},
		{"/library/collections/5001/composite/1772000100", true},
		{"/library/metadata/101/art/1771990000", true},
		{"/etc/passwd", false},
		{"/library/../etc/passwd", false},
		{"/library/..", false},
		{"//evil.example/x.png", false},
		{"/library//evil.example/x", false},
		{"http://evil.example/library/x", false},
		{"library/metadata/1/thumb", false},
		{"", false},
		{"/library", false},
		{"/photo/:/transcode?url=/etc/passwd", false},
		{"/library/%2e%2e/etc/passwd", false},
		{"/library/%2F%2Fevil", false},
		{"/library/metadata/1\\..\\x", false},
		{"/library/metadata/1/thumb\r\nX-Injected: 1", false},
		{"/library/%zz", false},
		{"/:/resources/movie.png", false},
	}
	for _, tt := range tests {
		if got := plex.ValidImagePath(tt.path); got != tt.ok {
			t.Errorf("ValidImagePath(%q) = %v, want %v", tt.path, got, tt.ok)
		}
	}
}

func TestImage(t *testing.T) {
	fake, pms, conn := newPMS(t)
	ctx := context.Background()
	body, ct, err := pms.Image(ctx, conn, "/library/metadata/101/thumb/1771990000", 200, 300)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "image/png" {
		t.Errorf("content type = %q", ct)
	}
	if _, err := png.Decode(bytes.NewReader(body)); err != nil {
		t.Errorf("body is not a PNG: %v", err)
	}
	r := fake.LastRequest(t)
	q := r.Query
	if r.Path != "/photo/:/transcode" || q.Get("url") != "/library/metadata/101/thumb/1771990000" ||
		q.Get("width") != "200" || q.Get("height") != "300" || q.Get("minSize") != "1" || q.Get("upscale") != "1" {
		t.Errorf("transcode request = %s ?%s", r.Path, q.Encode())
	}
	if r.Header.Get("X-Plex-Token") != conn.Token || strings.Contains(q.Encode(), conn.Token) {
		t.Error("the token must be sent in the header only")
	}

	// Sizes default and are capped.
	if _, _, err := pms.Image(ctx, conn, "/library/metadata/101/thumb/1", 0, 99999); err != nil {
		t.Fatal(err)
	}
	q = fake.LastRequest(t).Query
	if q.Get("width") != "300" || q.Get("height") != "2000" {
		t.Errorf("sizes = %s×%s, want 300×2000", q.Get("width"), q.Get("height"))
	}

	fake.ClearRequests()
	for _, bad := range []string{"/etc/passwd", "/library/../etc", "//evil", "/library//x", "/library/%2e%2e/x"} {
		_, _, err := pms.Image(ctx, conn, bad, 100, 100)
		wantKind(t, err, plex.ErrInvalidArgument)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid paths, want none", n)
	}

	_, _, err = pms.Image(ctx, conn, "/library/metadata/424242/thumb/1", 100, 100)
	wantKind(t, err, plex.ErrNotFound)
	noToken(t, err, conn.Token)
}

func TestImageNotAnImage(t *testing.T) {
	tests := []struct {
		ct, body string
		wantCT   string
		ok       bool
	}{
		{"text/html", "<html><body>login</body></html>", "", false},
		{"image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "", false},
		{"image/jpeg; charset=binary", "\xff\xd8\xff\xe0 jpeg", "image/jpeg", true},
		{"application/octet-stream", "\x89PNG\r\n\x1a\n rest", "image/png", true},
	}
	for _, tt := range tests {
		fake, pms, conn := newPMS(t)
		fake.SetImage(tt.ct, []byte(tt.body))
		_, ct, err := pms.Image(context.Background(), conn, "/library/metadata/101/thumb/1", 10, 10)
		if tt.ok {
			if err != nil || ct != tt.wantCT {
				t.Errorf("%s: ct %q, err %v; want %q", tt.ct, ct, err, tt.wantCT)
			}
			continue
		}
		wantKind(t, err, upstream.ErrUnreadable)
	}
}
