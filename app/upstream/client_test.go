package upstream_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"medianest/app/upstream"
)

func get(t *testing.T, ctx context.Context, c *upstream.Client, url string) error {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	var v map[string]any
	return c.DoJSON(req, &v)
}

func TestRetriesIdempotentOnly(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	c := upstream.New("t1", "Test", upstream.Options{Timeout: time.Second})
	if err := get(t, context.Background(), c, srv.URL); err != nil || n.Load() != 3 {
		t.Fatalf("GET after two 502s: %v (%d tries)", err, n.Load())
	}
	n.Store(0)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{}`))
	err := c.DoJSON(req, nil)
	if n.Load() != 1 {
		t.Fatalf("POST was retried (%d tries) or mis-mapped: %v", n.Load(), err)
	}
	var se *upstream.StatusError
	if !errors.As(err, &se) || se.Status != 502 {
		t.Fatalf("no StatusError in %v", err)
	}
}

func TestErrorKinds(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer slow.Close()
	c := upstream.New("t2", "Slow", upstream.Options{Timeout: 100 * time.Millisecond, Retries: -1})
	if err := get(t, context.Background(), c, slow.URL); !errors.Is(err, upstream.ErrTimeout) || !upstream.Transient(err) {
		t.Fatalf("timeout: %v", err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	err := get(t, context.Background(), c, url)
	if !errors.Is(err, upstream.ErrRefused) || !upstream.Transient(err) || !strings.Contains(err.Error(), "Slow") {
		t.Fatalf("refused: %v", err)
	}
	if ue, ok := errors.AsType[*upstream.Error](err); !ok || ue.Message() != "Slow refused the connection; is it running?" {
		t.Fatalf("refused: %v", err)
	}
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }))
	defer garbage.Close()
	if err := get(t, context.Background(), c, garbage.URL); !errors.Is(err, upstream.ErrUnreadable) || upstream.Transient(err) {
		t.Fatalf("undecodable answer: %v", err)
	}
}

// handlerTransport serves requests with a handler in memory, so that a
// client can run inside a synctest bubble (no sockets, fake time).
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// TestBreakerOpensAndRecovers runs on fake time: the breaker stays open for
// exactly OpenFor, then lets a trial through.
func TestBreakerOpensAndRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var healthy atomic.Bool
		var hits atomic.Int32
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			if !healthy.Load() {
				w.WriteHeader(500)
				return
			}
			json.NewEncoder(w).Encode(map[string]bool{"ok": true})
		})
		const openFor = 200 * time.Millisecond
		c := upstream.New("t3", "Flaky", upstream.Options{Timeout: time.Second, Retries: -1, FailuresToOpen: 3, OpenFor: openFor,
			Transport: handlerTransport{h}})
		const url = "http://flaky.test/"
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			get(t, ctx, c, url)
		}
		if !c.Open() {
			t.Fatal("breaker not open after 3 failures")
		}
		before := hits.Load()
		err := get(t, ctx, c, url)
		if !errors.Is(err, upstream.ErrUnavailable) || !upstream.Transient(err) || hits.Load() != before {
			t.Fatalf("open breaker: %v, upstream hit %d times", err, hits.Load()-before)
		}
		// The status poller's probe is never held back by the breaker.
		healthy.Store(true)
		if err := get(t, upstream.Probe(ctx), c, url); err != nil {
			t.Fatalf("probe through an open breaker: %v", err)
		}
		time.Sleep(openFor - time.Millisecond)
		if err := get(t, ctx, c, url); !errors.Is(err, upstream.ErrUnavailable) {
			t.Fatalf("just before OpenFor ends: %v, want the breaker still open", err)
		}
		time.Sleep(2 * time.Millisecond)
		if err := get(t, ctx, c, url); err != nil {
			t.Fatalf("half-open trial: %v", err)
		}
		if c.Open() {
			t.Fatal("breaker did not close after a good trial")
		}
	})
}

func TestClientErrorsDoNotOpenBreaker(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }))
	defer srv.Close()
	c := upstream.New("t4", "Picky", upstream.Options{Retries: -1, FailuresToOpen: 2})
	for i := 0; i < 5; i++ {
		get(t, context.Background(), c, srv.URL)
	}
	if c.Open() {
		t.Fatal("404s opened the breaker")
	}
}

func TestFlexTypes(t *testing.T) {
	var v struct {
		A upstream.FlexInt    `json:"a"`
		B upstream.FlexInt    `json:"b"`
		C upstream.FlexInt    `json:"c"`
		D upstream.FlexBool   `json:"d"`
		E upstream.FlexString `json:"e"`
		F upstream.FlexFloat  `json:"f"`
		G upstream.FlexInt    `json:"g"`
	}
	err := json.Unmarshal([]byte(`{"a":"12","b":7,"c":null,"d":"1","e":42,"f":"99.5","g":""}`), &v)
	if err != nil || v.A != 12 || v.B != 7 || v.C != 0 || !bool(v.D) || v.E != "42" || v.F != 99.5 || v.G != 0 {
		t.Fatalf("%+v %v", v, err)
	}
	if err := json.Unmarshal([]byte(`{"a":"twelve"}`), &v); err == nil {
		t.Fatal("non-numeric string accepted as FlexInt")
	}
}

func TestCallerDeadlineDoesNotOpenBreaker(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
		}
		w.Write([]byte(`{}`))
	}))
	defer slow.Close()
	c := upstream.New("t5", "Slowish", upstream.Options{Timeout: 5 * time.Second, Retries: -1, FailuresToOpen: 2})
	for i := 0; i < 4; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		get(t, ctx, c, slow.URL)
		cancel()
	}
	if c.Open() {
		t.Fatal("the callers' own deadlines opened the breaker")
	}
}

// TestRedirectStaysOnHost: a redirect within the upstream's own scheme,
// host and port is followed; one anywhere else (another port, another host
// name, e.g. a cloud metadata address) is not sent at all and fails with an
// upstream error that says why.
func TestRedirectStaysOnHost(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.Write([]byte(`{}`))
	}))
	defer other.Close()
	mux := http.NewServeMux()
	mux.Handle("/away", http.RedirectHandler(other.URL+"/meta-data", http.StatusFound))
	// 127.0.0.1 and localhost are different hosts to the client.
	mux.Handle("/renamed", http.RedirectHandler(strings.Replace(other.URL, "127.0.0.1", "localhost", 1), http.StatusMovedPermanently))
	mux.Handle("/moved", http.RedirectHandler("/here", http.StatusFound))
	mux.HandleFunc("/here", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "api-key" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	})
	first := httptest.NewServer(mux)
	defer first.Close()
	c := upstream.New("t6", "Redirecting", upstream.Options{Retries: 2})

	req, _ := http.NewRequest(http.MethodGet, first.URL+"/moved", nil)
	req.Header.Set("X-Api-Key", "api-key")
	var v struct{ OK bool }
	if err := c.DoJSON(req, &v); err != nil || !v.OK {
		t.Fatalf("a redirect on the same host: %v, %+v", err, v)
	}

	for _, path := range []string{"/away", "/renamed"} {
		req, _ := http.NewRequest(http.MethodGet, first.URL+path, nil)
		req.Header.Set("X-Api-Key", "api-key")
		err := c.DoJSON(req, nil)
		ue, ok := errors.AsType[*upstream.Error](err)
		if !ok || !errors.Is(err, upstream.ErrUnreachable) || !strings.Contains(ue.Message(), "another host") {
			t.Fatalf("%s: error = %v, want ErrUnreachable saying it redirected to another host", path, err)
		}
		if strings.Contains(ue.Message(), "127.0.0.1") || strings.Contains(ue.Message(), "localhost") {
			t.Errorf("%s: the message names an address: %q", path, ue.Message())
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("%d requests followed a redirect to another host", n)
	}
}
