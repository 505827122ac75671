// Package plextest provides httptest fakes of plex.tv and of a Plex Media
// Server that answer with the real shapes and quirks described in
// shared/reference/upstreams.md: JSON only when asked for (XML otherwise),
// numbers sent as strings where Plex does, empty lists omitted, 201 on PIN
// creation, 404 code 1020 for an expired PIN, paging headers, and 401 with an
// HTML body for a bad PMS token.
//
// Both fakes record every request and can be made to fail (SetDown) or to
// stall (SetDelay, Hang), so tests of code that talks to Plex can assert what
// was sent and how failures are handled.
//
// A typical sign-in and browsing setup, with Jane a friend of the owner who
// was shared the TV library only:
//
//	tv := plextest.NewTV(t)
//	pms := plextest.NewPMS(t)
//	pms.Seed() // "1" Movies, "2" TV Shows, collection "5001"
//	tv.AddUser("owner-plex-token", plextest.Account{ID: 1, Username: "admin.user"})
//	tv.Share("owner-plex-token", pms.MachineID(), true, pms.OwnerToken())
//	tv.AddUser("jane-plex-token", plextest.Account{ID: 2, Username: "jane"})
//	tv.Share("jane-plex-token", pms.MachineID(), false, "jane-server-token")
//	pms.Grant("jane-server-token", "2")
//
// The code under test creates a PIN; the test approves it with
// tv.Approve(pin.ID, "jane-plex-token") (tv.LastPIN finds it) or expires it
// with tv.Expire.
package plextest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"

	"medianest/app/upstream/upstreamtest"
)

// Request is one request a fake received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
}

// Get returns a Plex parameter the way Plex reads it: from the header, or
// else from the query (Plex accepts X-Plex-* values in either place).
func (r Request) Get(name string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	return r.Query.Get(name)
}

// Token returns the X-Plex-Token the request carried, header or query.
func (r Request) Token() string { return r.Get("X-Plex-Token") }

// Server is the part both fakes share: the httptest server, the request log
// and the failure switches. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	*upstreamtest.Faults

	mu   sync.Mutex
	reqs []Request
}

func newServer(t testing.TB, h http.Handler, downBody func(http.ResponseWriter, int)) *Server {
	s := &Server{Faults: upstreamtest.NewFaults()}
	// Requests are recorded even while the fake is down or stalling.
	s.Server = httptest.NewServer(s.record(s.Faults.Wrap(h, downBody)))
	t.Cleanup(func() {
		s.Release()
		s.Server.Close()
	})
	return s
}

func (s *Server) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, Request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(),
		})
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// Requests returns a copy of every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// RequestsTo returns the requests received for path (exact match, no query).
func (s *Server) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// LastRequest returns the most recent request, failing the test when there
// was none.
func (s *Server) LastRequest(t testing.TB) Request {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) == 0 {
		t.Fatalf("plextest: no request was received")
	}
	return reqs[len(reqs)-1]
}

// ClearRequests forgets the requests recorded so far.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// htmlError is PMS's style of error answer: a tiny HTML page.
func htmlError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	text := http.StatusText(status)
	fmt.Fprintf(w, "<html><head><title>%s</title></head><body><h1>%d %s</h1></body></html>", text, status, text)
}
