package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"medianest/app/httpx"
)

// BenchmarkBareHandler is the baseline the middleware chain is compared with.
func BenchmarkBareHandler(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x/{id}", func(w http.ResponseWriter, r *http.Request) { httpx.OK(w, map[string]string{"id": r.PathValue("id")}) })
	benchServe(b, mux)
}

// BenchmarkMiddlewareChain is the same handler behind every middleware the
// server uses (request id, access log, recover, headers, body limit, metrics).
func BenchmarkMiddlewareChain(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x/{id}", func(w http.ResponseWriter, r *http.Request) { httpx.OK(w, map[string]string{"id": r.PathValue("id")}) })
	benchServe(b, httpx.Wrap(mux, httpx.Options{}))
}

func benchServe(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/x/42", nil)
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	})
}
