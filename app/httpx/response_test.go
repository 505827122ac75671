package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

// levels returns the levels of the log lines whose msg is msg.
func levels(t *testing.T, logs *bytes.Buffer, msg string) []string {
	t.Helper()
	var out []string
	dec := json.NewDecoder(bytes.NewReader(logs.Bytes()))
	for {
		var line struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if err := dec.Decode(&line); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("log %q: %v", logs, err)
		}
		if line.Msg == msg {
			out = append(out, line.Level)
		}
	}
}

// Context errors say who gave up: a client that went away is nobody's
// failure and gets nothing written; a deadline of the server's own is a
// temporary 503, not a bug; an upstream's timeout keeps its own kind.
func TestContextErrors(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		clientGone bool
		status     int    // 0: nothing written
		code       string // error code in the envelope
		level      string // level of the "request failed" log ("" none)
	}{
		{"client gone", context.Canceled, true, 0, "", ""},
		{"client gone, wrapped", fmt.Errorf("db: begin: %w", context.Canceled), true, 0, "", ""},
		{"client gone during a deadline", fmt.Errorf("db: write: %w", context.DeadlineExceeded), true, 0, "", ""},
		{"server deadline", fmt.Errorf("db: begin: %w", context.DeadlineExceeded), false, 503, "SERVICE_UNAVAILABLE", "WARN"},
		{"upstream timeout", apperr.Wrap(apperr.UpstreamTimeout, context.DeadlineExceeded, "Plex did not answer in time."), false, 504, "UPSTREAM_TIMEOUT", "WARN"},
		{"cancelled while the client waits", fmt.Errorf("worker: %w", context.Canceled), false, 500, "INTERNAL", "ERROR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			mux := http.NewServeMux()
			mux.Handle("GET /work", httpx.Handler(func(w http.ResponseWriter, r *http.Request) error { return c.err }))
			h := httpx.Wrap(mux, httpx.Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.clientGone {
				cancel()
			}
			r := httptest.NewRequestWithContext(ctx, "GET", "/work", nil)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)

			if got := strings.Join(levels(t, &logs, "request failed"), " "); got != c.level {
				t.Errorf("request failed logged at %q, want %q: %s", got, c.level, &logs)
			}
			if c.status == 0 {
				if w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
					t.Fatalf("answered a client that went away: %d %q", w.Code, w.Body)
				}
				if got := strings.Join(levels(t, &logs, "client went away"), " "); got != "DEBUG" {
					t.Fatalf("client went away logged at %q, want DEBUG: %s", got, &logs)
				}
				if !strings.Contains(logs.String(), `"status":499`) {
					t.Fatalf("access log does not record 499: %s", &logs)
				}
				return
			}
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			e := decodeErr(t, w)
			if e.Error.Code != c.code {
				t.Fatalf("code %s, want %s", e.Error.Code, c.code)
			}
			if c.code == "SERVICE_UNAVAILABLE" && e.Error.Message != "The server took too long to answer; try again." {
				t.Fatalf("message %q", e.Error.Message)
			}
		})
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// http.ErrAbortHandler is how a handler (a reverse proxy, a stream) aborts a
// response on purpose: it is no panic to log, neither by the recoverer nor
// by net/http, and the connection is cut rather than answered with a 500.
func TestAbortHandlerIsNotAPanic(t *testing.T) {
	var logs, serverLogs lockedBuffer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	ts := httptest.NewUnstartedServer(httpx.Wrap(mux, httpx.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}))
	ts.Config.ErrorLog = log.New(&serverLogs, "", 0)
	ts.Start()
	resp, err := ts.Client().Get(ts.URL + "/abort")
	if err == nil {
		resp.Body.Close()
		t.Errorf("aborted handler answered %d", resp.StatusCode)
	}
	ts.Close() // waits for the handler's connection to be done
	if s := logs.String() + serverLogs.String(); strings.Contains(s, "panic") {
		t.Fatalf("abort logged as a panic: %s", s)
	}
}

// Every JSON answer goes out with a Content-Length, never chunked: a short
// one counted by net/http, a long one by writeBody; OKAppend's pooled
// buffer does not leak one answer into the next.
func TestAnswersAreNotChunked(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /n/{n}", func(w http.ResponseWriter, r *http.Request) {
		n := len(r.PathValue("n")) * 1000
		httpx.OKAppend(w, func(b []byte) []byte {
			b = append(b, '"')
			return append(append(b, strings.Repeat("x", n)...), '"')
		})
	})
	srv := httptest.NewServer(httpx.Wrap(mux, httpx.Options{}))
	defer srv.Close()
	for _, n := range []string{"1", "11", "111", "1", "11111"} {
		res, err := http.Get(srv.URL + "/n/" + n)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		want := `{"success":true,"data":"` + strings.Repeat("x", len(n)*1000) + "\"}\n"
		if string(body) != want || res.ContentLength != int64(len(want)) || len(res.TransferEncoding) != 0 {
			t.Errorf("%d bytes: got %d bytes, Content-Length %d, Transfer-Encoding %v", len(want), len(body), res.ContentLength, res.TransferEncoding)
		}
	}
}
