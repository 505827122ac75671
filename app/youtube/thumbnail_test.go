package youtube_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"medianest/app/principal"
	"medianest/app/ytdlp"
)

// fakeImages is the network thumbnails are fetched over: handlers by host,
// and every address asked for, so a test can tell a host was never
// contacted.
type fakeImages struct {
	mu    sync.Mutex
	hosts map[string]http.Handler
	asked []string
}

func (f *fakeImages) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.asked = append(f.asked, req.URL.String())
	h, ok := f.hosts[req.URL.Host]
	f.mu.Unlock()
	if !ok {
		return nil, errors.New("fakeImages: no such host " + req.URL.Host)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result(), nil
}

func (f *fakeImages) serve(host, contentType string, body []byte) {
	f.hosts[host] = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	})
}

// wasAsked reports whether an address starting with prefix was fetched.
func (f *fakeImages) wasAsked(prefix string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.ContainsFunc(f.asked, func(a string) bool { return strings.HasPrefix(a, prefix) })
}

var (
	jpeg = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{1}, 64)...)
	png  = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{2}, 64)...)
)

func TestThumbnailProxy(t *testing.T) {
	e := newEnv(t, nil)
	e.imgs.serve("i.ytimg.com", "image/jpeg", jpeg)
	e.imgs.serve("www.youtube.com", "image/png", png)
	e.imgs.serve("169.254.169.254", "image/jpeg", jpeg)
	e.imgs.serve("evil.example", "image/jpeg", jpeg)
	e.imgs.serve("i9.ytimg.com", "image/jpeg", []byte("<!doctype html><html><script>alert(1)</script></html>"))
	e.imgs.serve("big.ytimg.com", "image/jpeg", append(slices.Clone(jpeg), make([]byte, 2<<20)...))
	e.imgs.hosts["moved.ytimg.com"] = http.RedirectHandler("http://169.254.169.254/latest/meta-data", http.StatusFound)

	tests := []struct {
		name, thumb string
		code        int
		ct          string
		never       string // an address (prefix) that must not be fetched
	}{
		{"youtube image host", "https://i.ytimg.com/vi/a/hqdefault.jpg", 200, "image/jpeg", ""},
		{"host the URL policy admits", "https://www.youtube.com/thumb.png", 200, "image/png", ""},
		{"metadata service address", "http://169.254.169.254/latest/meta-data", 404, "", "http://169.254.169.254"},
		{"host outside the policy", "https://evil.example/a.jpg", 404, "", "https://evil.example"},
		{"youtube image host over http", "http://i.ytimg.com/vi/a/hqdefault.jpg", 404, "", "http://i.ytimg.com"},
		{"no thumbnail", "", 404, "", ""},
		{"not an image", "https://i9.ytimg.com/vi/a/x.jpg", 502, "", ""},
		{"over 2 MiB", "https://big.ytimg.com/vi/a/x.jpg", 502, "", ""},
		{"redirect to a private address", "https://moved.ytimg.com/vi/a/x.jpg", 502, "", "http://169.254.169.254"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			video := "https://youtu.be/thumb" + strconv.Itoa(i)
			e.dl.infos[video] = ytdlp.Info{Kind: "video", ID: "v", Title: "T", Channel: "C", ThumbnailURL: tc.thumb}
			w := e.raw(alice, "/youtube/thumbnail?url="+url.QueryEscape(video))
			if w.Code != tc.code {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.code, w.Body)
			}
			if tc.never != "" && e.imgs.wasAsked(tc.never) {
				t.Errorf("%s was contacted", tc.never)
			}
			if tc.code != 200 {
				return
			}
			if got := w.Header().Get("Content-Type"); got != tc.ct {
				t.Errorf("Content-Type %q, want %q", got, tc.ct)
			}
			if got := w.Header().Get("Cache-Control"); got != "private, max-age=86400" {
				t.Errorf("Cache-Control %q", got)
			}
			if w.Body.Len() == 0 {
				t.Error("empty body")
			}
		})
	}

	t.Run("url checked by the policy", func(t *testing.T) {
		r := e.do(alice, "GET", "/youtube/thumbnail?url="+url.QueryEscape("https://evil.example/watch"), nil)
		if r.Code != 400 || r.Body.Error.Code != "INVALID_URL" {
			t.Fatalf("%d %+v, want 400 INVALID_URL", r.Code, r.Body.Error)
		}
		if r := e.do(alice, "GET", "/youtube/thumbnail", nil); r.Code != 400 || r.Body.Error.Code != "VALIDATION_ERROR" {
			t.Fatalf("no url: %d %+v", r.Code, r.Body.Error)
		}
	})

	t.Run("metadata comes from the cache", func(t *testing.T) {
		video := "https://youtu.be/cached"
		e.dl.infos[video] = ytdlp.Info{Kind: "video", ID: "c", Title: "T", ThumbnailURL: "https://i.ytimg.com/vi/c/hq.jpg"}
		if r := e.do(alice, "GET", "/youtube/metadata?url="+url.QueryEscape(video), nil); r.Code != 200 {
			t.Fatalf("metadata: %d", r.Code)
		}
		e.dl.mu.Lock()
		before := e.dl.metaCalls
		e.dl.mu.Unlock()
		if w := e.raw(alice, "/youtube/thumbnail?url="+url.QueryEscape(video)); w.Code != 200 {
			t.Fatalf("thumbnail: %d %s", w.Code, w.Body)
		}
		e.dl.mu.Lock()
		defer e.dl.mu.Unlock()
		if e.dl.metaCalls != before {
			t.Errorf("yt-dlp asked again for a cached URL (%d calls, was %d)", e.dl.metaCalls, before)
		}
	})
}

func TestDownloadThumbnail(t *testing.T) {
	e := newEnv(t, nil)
	e.imgs.serve("i.ytimg.com", "image/jpeg", jpeg)
	video := "https://youtu.be/withthumb"
	e.dl.infos[video] = ytdlp.Info{Kind: "video", ID: "w", Title: "T", Channel: "C", DurationSeconds: 5,
		ThumbnailURL: "https://i.ytimg.com/vi/w/hq.jpg"}
	d := e.submit(alice, video)
	if d.ThumbnailURL != "https://i.ytimg.com/vi/w/hq.jpg" {
		t.Errorf("thumbnailUrl %q, want YouTube's address as it is", d.ThumbnailURL)
	}
	path := "/youtube/downloads/" + strconv.FormatInt(d.ID, 10) + "/thumbnail"
	for _, c := range []struct {
		who  string
		u    principal.User
		code int
	}{{"owner", alice, 200}, {"admin", admin, 200}, {"other user", bob, 404}} {
		w := e.raw(c.u, path)
		if w.Code != c.code {
			t.Errorf("%s: %d, want %d: %s", c.who, w.Code, c.code, w.Body)
		}
		if c.code == 200 && w.Header().Get("Content-Type") != "image/jpeg" {
			t.Errorf("%s: Content-Type %q", c.who, w.Header().Get("Content-Type"))
		}
	}
}

// raw is a GET whose answer is not JSON.
func (e *env) raw(u principal.User, path string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest("GET", "/api/v1"+path, nil)
	req.Header.Set("X-Test-User", strconv.FormatInt(u.ID, 10))
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}
