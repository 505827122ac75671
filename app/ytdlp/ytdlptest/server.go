package ytdlptest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// MediaServer serves Clip the way a plain web server does, for the real
// yt-dlp's generic extractor (reference §5.11):
//
//	/clip.mp4, /clip2.mp4  direct links (video/mp4, Content-Length,
//	                       Last-Modified, Range)
//	/v/{name}              the clip under any name (yt-dlp takes the title,
//	                       and so the file name, from it)
//	/playlist.html         "Holiday Clips", a page with both as <video>,
//	                       which yt-dlp lists as a two-entry playlist
//	/slow/{name}           the clip trickled a few bytes at a time, under
//	                       any name (yt-dlp takes the title from it)
type MediaServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
}

// Modified is the Last-Modified of every file served.
var Modified = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// PlaylistTitle is the <title> of /playlist.html.
const PlaylistTitle = "Holiday Clips"

// NewMediaServer starts a server on 127.0.0.1, closed when the test ends.
func NewMediaServer(t testing.TB) *MediaServer {
	t.Helper()
	m := &MediaServer{requests: map[string]int{}}
	mux := http.NewServeMux()
	clip := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, "clip.mp4", Modified, bytes.NewReader(Clip))
	}
	mux.HandleFunc("GET /clip.mp4", clip)
	mux.HandleFunc("GET /clip2.mp4", clip)
	mux.HandleFunc("GET /v/{name}", clip)
	mux.HandleFunc("GET /playlist.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><html><head><title>%s</title></head><body>\n"+
			"<video src=\"/clip.mp4\"></video>\n<video src=\"/clip2.mp4\"></video>\n</body></html>\n", PlaylistTitle)
	})
	mux.HandleFunc("GET /slow/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Length", fmt.Sprint(len(Clip)))
		w.Header().Set("Last-Modified", Modified.Format(http.TimeFormat))
		if r.Method == http.MethodHead {
			return
		}
		// The extractor's first GET reads a little; the download reads on.
		// Trickle until the client goes away (a cancel) or all is sent.
		for off := 0; off < len(Clip); off += 256 {
			if _, err := w.Write(Clip[off:min(off+256, len(Clip))]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	m.Server = httptest.NewUnstartedServer(m.count(mux))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.Listener = l
	m.Start()
	t.Cleanup(m.Close)
	return m
}

func (m *MediaServer) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.requests[r.URL.Path]++
		m.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// Requests is how many requests a path has had.
func (m *MediaServer) Requests(path string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests[path]
}
