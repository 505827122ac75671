// Package httpxtest holds the bare net/http handler MediaNest's hot path is
// measured against (testdata/barehttp serves it; the hot-path benchmark
// runs it in process): the same JSON bodies as /health and a cached
// GET /api/v1/auth/session, encoded the plain way (encoding/json over
// structs), with no middleware.
package httpxtest

import (
	"encoding/json"
	"net/http"
	"time"
)

type health struct {
	Status        string `json:"status"`
	UptimeSeconds int64  `json:"uptimeSeconds"`
	Version       string `json:"version"`
}

type user struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	Email       string    `json:"email"`
	DisplayName string    `json:"displayName"`
	AvatarURL   string    `json:"avatarUrl"`
	Role        string    `json:"role"`
	Status      string    `json:"status"`
	Provider    string    `json:"provider"`
	CreatedAt   time.Time `json:"createdAt"`
	LastLoginAt time.Time `json:"lastLoginAt"`
}

type session struct {
	ID        int64     `json:"id"`
	ExpiresAt time.Time `json:"expiresAt"`
	Via       string    `json:"via"`
}

type envelope struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}

type sessionData struct {
	User    user    `json:"user"`
	Session session `json:"session"`
}

// BareHandler answers /health and, to any caller with a medianest_session
// cookie, /api/v1/auth/session, as a handler written without a framework
// would.
func BareHandler() http.Handler {
	started := time.Now()
	at := time.Date(2026, 12, 3, 16, 11, 21, 309e6, time.UTC)
	me := sessionData{
		User:    user{ID: 1, Username: "ann", DisplayName: "ann", Role: "user", Status: "active", Provider: "local", CreatedAt: at, LastLoginAt: at},
		Session: session{ID: 1, ExpiresAt: at.Add(24 * time.Hour), Via: "cookie"},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(health{"ok", int64(time.Since(started).Seconds()), "dev"})
	})
	mux.HandleFunc("GET /api/v1/auth/session", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("medianest_session"); err != nil {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(envelope{true, me})
	})
	return mux
}
