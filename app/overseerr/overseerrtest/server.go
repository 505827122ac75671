// Package overseerrtest is an httptest fake of Overseerr's API v1 that
// follows the real shapes and quirks: 403 bodies for a wrong key,
// X-API-User impersonation with the caller's permissions, OpenAPI 400s,
// 409 on duplicate movie requests, 202 "No seasons available to request",
// 204 on delete, Overseerr's paging math, and webhooks in the default
// template (every value a string).
package overseerrtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"medianest/app/overseerr"
	"medianest/app/upstream/upstreamtest"
)

// DefaultAPIKey is the key the fake accepts until SetAPIKey changes it.
const DefaultAPIKey = "overseerr-test-key"

// Call is one request the fake received.
type Call struct {
	Method   string
	Path     string
	RawQuery string
	Query    url.Values
	Header   http.Header
	Body     []byte
	// APIUser is the X-API-User header ("" when not sent).
	APIUser string
}

// Server is a fake Overseerr. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to configure ("http://127.0.0.1:port").
	URL string

	*upstreamtest.Faults

	t   testing.TB
	srv *httptest.Server
	now func() time.Time

	mu        sync.Mutex
	apiKey    string
	version   string
	calls     []Call
	movies    []*Movie
	shows     []*Show
	people    []Person
	users     []*User
	media     map[mediaKey]*fakeMedia
	requests  map[int64]*fakeRequest
	nextMedia int64
	nextReq   int64
	nextSeasR int64
	hook      hookTarget
	hooks     sync.WaitGroup
	closed    bool
}

// New starts a fake with the default catalogue and users (see
// DefaultCatalogue and DefaultUsers); it stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		Faults:    upstreamtest.NewFaults(),
		t:         t,
		now:       func() time.Time { return time.Now().UTC() },
		apiKey:    DefaultAPIKey,
		version:   "1.33.2",
		media:     map[mediaKey]*fakeMedia{},
		requests:  map[int64]*fakeRequest{},
		nextMedia: 1,
		nextReq:   1,
		nextSeasR: 1,
	}
	s.seed()
	s.srv = httptest.NewServer(s.handler())
	s.URL = s.srv.URL
	t.Cleanup(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.Release()
		s.hooks.Wait()
		s.srv.Close()
	})
	return s
}

// Conn is a connection to the fake with the right key.
func (s *Server) Conn() overseerr.Conn {
	return overseerr.Conn{URL: s.URL, APIKey: s.APIKey()}
}

// APIKey is the key the fake currently accepts.
func (s *Server) APIKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiKey
}

// SetAPIKey changes the accepted key (as regenerating it in Overseerr does).
func (s *Server) SetAPIKey(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = k
}

// SetVersion sets what GET /status reports.
func (s *Server) SetVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = v
}

// Calls returns every request received so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// LastCall returns the latest request, or a zero Call.
func (s *Server) LastCall() Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) == 0 {
		return Call{}
	}
	return s.calls[len(s.calls)-1]
}

// ResetCalls forgets the recorded requests.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

type callerKey struct{}

// handler records the call, applies down/hang modes and authenticates.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/status", s.handleStatus)
	mux.HandleFunc("GET /api/v1/auth/me", s.handleMe)
	mux.HandleFunc("GET /api/v1/search", s.handleSearch)
	mux.HandleFunc("GET /api/v1/movie/{id}", s.handleMovie)
	mux.HandleFunc("GET /api/v1/tv/{id}", s.handleTV)
	mux.HandleFunc("POST /api/v1/request", s.handleCreate)
	mux.HandleFunc("GET /api/v1/request", s.handleList)
	mux.HandleFunc("GET /api/v1/request/{id}", s.handleGet)
	mux.HandleFunc("DELETE /api/v1/request/{id}", s.handleDelete)
	mux.HandleFunc("POST /api/v1/request/{id}/{action}", s.handleAction)
	mux.HandleFunc("GET /api/v1/user", s.handleUsers)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
	})
	authed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		key := s.apiKey
		s.mu.Unlock()
		if r.URL.Path != "/api/v1/status" {
			u, ok := s.authenticate(r, key)
			if !ok {
				noAccess(w)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), callerKey{}, u))
		}
		mux.ServeHTTP(w, r)
	})
	faulty := s.Faults.Wrap(authed, func(w http.ResponseWriter, status int) {
		writeJSON(w, status, map[string]any{"message": http.StatusText(status)})
	})
	// Calls are recorded even while the fake is down or stalling.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.calls = append(s.calls, Call{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Query: r.URL.Query(),
			Header: r.Header.Clone(), Body: body, APIUser: r.Header.Get("X-API-User"),
		})
		s.mu.Unlock()
		faulty.ServeHTTP(w, r)
	})
}

// authenticate resolves the acting user the way Overseerr does: the key
// must match exactly, then X-API-User picks the user (default id 1).
func (s *Server) authenticate(r *http.Request, key string) (User, bool) {
	if got := r.Header.Get("X-Api-Key"); got == "" || got != key {
		return User{}, false
	}
	id := int64(1)
	if h := r.Header.Get("X-API-User"); h != "" {
		n, err := strconv.ParseInt(h, 10, 64)
		if err != nil {
			return User{}, false
		}
		id = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(id)
	if u == nil {
		return User{}, false
	}
	return *u, true
}

// caller is the authenticated user of r.
func caller(r *http.Request) User {
	u, _ := r.Context().Value(callerKey{}).(User)
	return u
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	v := s.version
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"version": v, "commitTag": "a1b2c3d", "updateAvailable": false,
		"commitsBehind": 0, "restartRequired": false,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// noAccess is the auth middleware's 403.
func noAccess(w http.ResponseWriter) {
	writeJSON(w, http.StatusForbidden, map[string]any{
		"status": 403, "error": "You do not have permission to access this endpoint",
	})
}

// message answers a route error the way Overseerr's error handler does.
func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg})
}

// validation answers an OpenAPI validation failure for a missing property
// of loc ("query" or "body").
func validation(w http.ResponseWriter, loc, prop string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"message": "request/" + loc + " must have required property '" + prop + "'",
		"errors": []map[string]any{{
			"path":      "/" + loc + "/" + prop,
			"message":   "must have required property '" + prop + "'",
			"errorCode": "required.openapi.validation",
		}},
	})
}

// stamp formats a time the way Overseerr's JSON does.
func stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
