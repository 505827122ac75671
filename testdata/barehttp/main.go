// Command barehttp is the bare net/http handler MediaNest's hot path is
// measured against: the same JSON bodies as /health and /auth/session, no
// middleware. It is test data, not part of the binary.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:18081", "address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /api/v1/auth/session", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("medianest_session"); err != nil {
			http.Error(w, "no", 401)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{
			"user": map[string]any{"id": 1, "username": "ann", "email": "", "displayName": "", "avatarUrl": "", "role": "user", "status": "active", "provider": "local"},
			"via":  "cookie", "expiresAt": "2030-01-01T00:00:00Z"}})
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
