// Package kumatest is an httptest fake of Uptime Kuma's public status-page
// JSON (GET /api/status-page/{slug} and /api/status-page/heartbeat/{slug}),
// with the shapes of 1.23, 2.0 and ≥ 2.1 (incident object versus incidents
// list), nullable pings and zone-less timestamps.
package kumatest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/kuma"
	"medianest/app/upstream/upstreamtest"
)

// DefaultSlug is the slug of the page New creates.
const DefaultSlug = "home"

// Versions the fake can imitate.
const (
	V1_23 = "1.23" // "incident" object or null, googleAnalyticsId, 50 beats
	V2_0  = "2.0"  // "incident", autoRefreshInterval, 100 beats
	V2_1  = "2.1"  // "incidents" list, analytics keys, 100 beats (default)
)

// Monitor is a monitor placed on a status page.
type Monitor struct {
	ID      int64
	Name    string
	Type    string // default "http"
	URL     string // published only when SendURL
	SendURL bool
}

// Group is a group of monitors on a status page.
type Group struct {
	ID       int64
	Name     string
	Weight   int
	Monitors []Monitor
}

// Beat is one heartbeat of a monitor.
type Beat struct {
	Status kuma.BeatStatus
	Time   time.Time
	Ping   *float64 // nil is sent as null
}

// Incident is a status-page incident.
type Incident struct {
	ID      int64
	Style   string
	Title   string
	Content string
	Pin     bool
	Active  bool
	Created time.Time
	Updated time.Time
}

// Maintenance is a maintenance window listed on a page.
type Maintenance struct {
	ID          int64
	Title       string
	Description string
	Status      string // "under-maintenance", "scheduled", ...
	Strategy    string // "manual", "single", ...
	Active      bool
}

// Call is one request the fake received.
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
}

type page struct {
	title       string
	groups      []Group
	incidents   []Incident
	maintenance []Maintenance
}

// Server is a fake Uptime Kuma. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to configure.
	URL string

	*upstreamtest.Faults

	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	version string
	pages   map[string]*page
	beats   map[int64][]Beat
	uptime  map[int64]float64
	calls   []Call
}

// Ping returns a pointer to ms, for Beat.Ping.
func Ping(ms float64) *float64 { return &ms }

// New starts a fake with the page "home" ("Home Services"): group Media
// with Plex (3, up, ping 39) and Overseerr (4, down, ping null), group
// Infra with NAS ping (7, maintenance, ping null); 24-hour uptimes 0.9993,
// 0.9712 and 1. It stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		Faults:  upstreamtest.NewFaults(),
		t:       t,
		version: V2_1,
		pages:   map[string]*page{},
		beats:   map[int64][]Beat{},
		uptime:  map[int64]float64{},
	}
	s.pages[DefaultSlug] = &page{title: "Home Services", groups: []Group{
		{ID: 1, Name: "Media", Weight: 1, Monitors: []Monitor{
			{ID: 3, Name: "Plex", Type: "http"},
			{ID: 4, Name: "Overseerr", Type: "http", URL: "https://requests.example.com", SendURL: true},
		}},
		{ID: 2, Name: "Infra", Weight: 2, Monitors: []Monitor{{ID: 7, Name: "NAS ping", Type: "ping"}}},
	}}
	defaultBase := time.Date(2026, 3, 1, 9, 58, 0, 123e6, time.UTC)
	s.beats[3] = []Beat{
		{Status: kuma.StatusUp, Time: defaultBase, Ping: Ping(41)},
		{Status: kuma.StatusUp, Time: defaultBase.Add(time.Minute - 5*time.Millisecond), Ping: Ping(39)},
	}
	s.beats[4] = []Beat{{Status: kuma.StatusDown, Time: defaultBase.Add(62378 * time.Millisecond)}}
	s.beats[7] = []Beat{{Status: kuma.StatusMaintenance, Time: defaultBase.Add(64877 * time.Millisecond)}}
	s.uptime[3], s.uptime[4], s.uptime[7] = 0.9993, 0.9712, 1
	s.srv = httptest.NewServer(s.handler())
	s.URL = s.srv.URL
	t.Cleanup(func() {
		s.Release()
		s.srv.Close()
	})
	return s
}

// SetVersion picks the answer shape: V1_23, V2_0 or V2_1.
func (s *Server) SetVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = v
}

// AddPage adds (or replaces) a status page.
func (s *Server) AddPage(slug, title string, groups ...Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[strings.ToLower(slug)] = &page{title: title, groups: groups}
}

// SetGroups replaces the groups of a page.
func (s *Server) SetGroups(slug string, groups ...Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageLocked(slug).groups = groups
}

// SetIncidents sets a page's incidents. Versions before 2.1 show only the
// first (as their single "incident"); none gives null there.
func (s *Server) SetIncidents(slug string, incidents ...Incident) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageLocked(slug).incidents = incidents
}

// SetMaintenance sets a page's maintenance list.
func (s *Server) SetMaintenance(slug string, m ...Maintenance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageLocked(slug).maintenance = m
}

func (s *Server) pageLocked(slug string) *page {
	s.t.Helper()
	p, ok := s.pages[strings.ToLower(slug)]
	if !ok {
		s.t.Fatalf("kumatest: no page %q", slug)
	}
	return p
}

// SetMonitorStatus records a new beat for monitor id, a minute after its
// previous one (or now), making status its current state.
func (s *Server) SetMonitorStatus(id int64, status kuma.BeatStatus, ping *float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := time.Now().UTC()
	if prev := s.beats[id]; len(prev) > 0 {
		at = prev[len(prev)-1].Time.Add(time.Minute)
	}
	s.beats[id] = append(s.beats[id], Beat{Status: status, Time: at, Ping: ping})
}

// SetBeats replaces a monitor's beats (oldest first); none removes them.
func (s *Server) SetBeats(id int64, beats ...Beat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(beats) == 0 {
		delete(s.beats, id)
		return
	}
	s.beats[id] = slices.Clone(beats)
}

// SetUptime sets a monitor's 24-hour uptime fraction (0..1); a negative
// value removes it.
func (s *Server) SetUptime(id int64, fraction float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fraction < 0 {
		delete(s.uptime, id)
		return
	}
	s.uptime[id] = fraction
}

// Calls returns every request received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
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
