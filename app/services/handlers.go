package services

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/config"
	"medianest/app/httpx"
	"medianest/app/principal"
)

// TestResult is the answer of the admin "test" button. It is 200 even when
// OK is false: the test ran, and Message says what went wrong.
type TestResult struct {
	OK        bool   `json:"ok"`
	LatencyMs int64  `json:"latencyMs"`
	Version   string `json:"version"`
	Message   string `json:"message"`
}

// Tester tries a service's settings: that the URL answers as the right kind
// of service and that the key or token is accepted. NewConnTester is the
// implementation; it never returns an error, only a result that says what
// went wrong.
type Tester interface {
	Test(ctx context.Context, svc Service) TestResult
}

// Guard is the authentication middleware (*auth.Service).
type Guard interface {
	RequireAdmin(http.Handler) http.Handler
}

// Auditor records admin actions (*audit.Recorder).
type Auditor interface {
	Record(ctx context.Context, e audit.Entry)
}

// HandlerDeps are what the admin handlers need. Tester and Audit may be nil
// (no test button, no audit).
type HandlerDeps struct {
	Store  *Store
	Tester Tester
	Audit  Auditor
}

// Handlers serve the admin's service settings.
type Handlers struct {
	store  *Store
	tester Tester
	audit  Auditor
}

// NewHandlers returns the admin handlers.
func NewHandlers(d HandlerDeps) *Handlers {
	return &Handlers{store: d.Store, tester: d.Tester, audit: d.Audit}
}

// View is a service as the admin API shows it. It has no field for the key:
// keys and tokens never leave the server, only whether one is set.
type View struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	Enabled   bool   `json:"enabled"`
	HasAPIKey bool   `json:"hasApiKey"`
	// KeyUnreadable: a key is stored but was sealed with another secret
	// key; it has to be entered again.
	KeyUnreadable bool              `json:"keyUnreadable"`
	Options       map[string]string `json:"options"`
	UpdatedAt     *time.Time        `json:"updatedAt"`
	Source        string            `json:"source"`
}

// ViewOf returns the API view of svc.
func ViewOf(svc Service) View {
	v := View{Name: svc.Name, URL: svc.URL, Enabled: svc.Enabled, HasAPIKey: svc.APIKey != "" || svc.KeyUnreadable,
		KeyUnreadable: svc.KeyUnreadable, Options: maps.Clone(orEmpty(svc.Options)), Source: svc.Source}
	if !svc.UpdatedAt.IsZero() {
		t := svc.UpdatedAt
		v.UpdatedAt = &t
	}
	return v
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) error {
	all, err := h.store.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]View, 0, len(all))
	for _, s := range all {
		out = append(out, ViewOf(s))
	}
	httpx.OK(w, out)
	return nil
}

// body is the PUT (and optional test) body. Pointers tell an omitted field
// from an empty one: an omitted apiKey keeps the stored key, "" clears it.
type body struct {
	URL     *string           `json:"url"`
	APIKey  *string           `json:"apiKey"`
	Enabled *bool             `json:"enabled"`
	Options map[string]string `json:"options"`
}

func (b *body) empty() bool {
	return b.URL == nil && b.APIKey == nil && b.Enabled == nil && b.Options == nil
}

// optionKeys are the options each service accepts.
var optionKeys = map[string][]string{
	Plex:       {},
	Overseerr:  {},
	UptimeKuma: {"statusPage"},
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// settings validates b for the service name and returns the settings it
// describes. enabled defaults to true when omitted.
func (b *body) settings(name string) (Service, error) {
	svc := Service{Name: name, Enabled: true, Options: map[string]string{}}
	var bad []apperr.FieldError
	if b.URL != nil {
		svc.URL = *b.URL
	}
	if b.Enabled != nil {
		svc.Enabled = *b.Enabled
	}
	switch {
	case svc.URL == "" && svc.Enabled:
		bad = append(bad, apperr.FieldError{Field: "url", Message: "is required while the service is enabled"})
	case svc.URL != "":
		if err := config.CheckServiceURL(svc.URL); err != nil {
			bad = append(bad, apperr.FieldError{Field: "url", Message: err.Error()})
		}
	}
	if b.APIKey != nil {
		svc.APIKey = *b.APIKey
		if len(svc.APIKey) > 1024 {
			bad = append(bad, apperr.FieldError{Field: "apiKey", Message: "must be at most 1024 characters"})
		}
	}
	keys := slices.Sorted(maps.Keys(b.Options))
	for _, k := range keys {
		if !slices.Contains(optionKeys[name], k) {
			bad = append(bad, apperr.FieldError{Field: "options." + k, Message: "is not an option of " + name})
			continue
		}
		svc.Options[k] = b.Options[k]
	}
	if name == UptimeKuma {
		slug := svc.Options["statusPage"]
		switch {
		case slug == "" && svc.Enabled:
			bad = append(bad, apperr.FieldError{Field: "options.statusPage", Message: "must name the Uptime Kuma status page (its slug)"})
		case slug != "" && !slugRE.MatchString(slug):
			bad = append(bad, apperr.FieldError{Field: "options.statusPage", Message: "must be a status page slug: lower-case letters, digits and hyphens"})
		}
	}
	if len(bad) > 0 {
		return Service{}, apperr.Validation(bad...)
	}
	return svc, nil
}

func knownName(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if !Known(name) {
		return "", apperr.New(apperr.NotFound, "No service is called %q.", name)
	}
	return name, nil
}

func (h *Handlers) put(w http.ResponseWriter, r *http.Request) error {
	name, err := knownName(r)
	if err != nil {
		return err
	}
	var b body
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	svc, err := b.settings(name)
	if err != nil {
		return err
	}
	saved, err := h.store.Put(r.Context(), svc, b.APIKey == nil)
	if err != nil {
		return err
	}
	h.record(r, name, map[string]any{
		"url": saved.URL, "enabled": saved.Enabled, "options": saved.Options,
		"apiKeyChanged": b.APIKey != nil,
	})
	httpx.OK(w, ViewOf(saved))
	return nil
}

// testTimeout bounds the test button; the tester's own calls have shorter
// timeouts, this only stops a stuck test from holding the request.
const testTimeout = 30 * time.Second

func (h *Handlers) test(w http.ResponseWriter, r *http.Request) error {
	name, err := knownName(r)
	if err != nil {
		return err
	}
	var b body
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	stored, err := h.store.Get(r.Context(), name)
	if err != nil {
		return err
	}
	svc := stored
	if !b.empty() {
		if svc, err = b.settings(name); err != nil {
			return err
		}
		// The stored key is only ever sent to the stored URL: otherwise the
		// button would hand the owner's token (which the API never shows) to
		// whatever address the body names.
		if b.APIKey == nil && sameURL(svc.URL, stored.URL) {
			svc.APIKey = stored.APIKey
		}
		// Testing a service the admin is about to switch off still tries
		// the URL: the button asks "would this work?".
		svc.Enabled = true
	}
	if svc.URL == "" {
		httpx.OK(w, TestResult{Message: fmt.Sprintf("No URL is set for %s.", name)})
		return nil
	}
	if h.tester == nil {
		return apperr.New(apperr.Unavailable, "Testing services is not available.")
	}
	ctx, cancel := context.WithTimeout(r.Context(), testTimeout)
	defer cancel()
	httpx.OK(w, h.tester.Test(ctx, svc))
	return nil
}

// record audits a settings change by the caller of r. The key is never
// part of it, only whether it changed.
func (h *Handlers) record(r *http.Request, name string, details map[string]any) {
	if h.audit == nil {
		return
	}
	e := audit.Entry{Action: "service.update", Target: "service:" + name, IP: httpx.ClientIP(r).String()}
	if u, ok := principal.UserFrom(r.Context()); ok {
		e.ActorID, e.ActorName = u.ID, u.Username
	}
	b, _ := json.Marshal(details)
	e.Details = string(b)
	h.audit.Record(r.Context(), e)
}

func sameURL(a, b string) bool {
	return strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (case-insensitive, with the scheme's default port filled in). A URL that
// does not parse has no origin and matches nothing.
func sameOrigin(a, b string) bool {
	oa, ok := origin(a)
	if !ok {
		return false
	}
	ob, ok := origin(b)
	return ok && oa == ob
}

func origin(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port), true
}
