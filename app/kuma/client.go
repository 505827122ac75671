// Package kuma is a read-only client for Uptime Kuma's public status-page
// JSON: the page (groups, monitors, incidents, maintenance) and its
// heartbeats (recent beats and 24-hour uptime per monitor). These routes
// need no credentials and have kept their shape since 1.x, apart from the
// quirks handled here: "incident" (≤ 2.0) versus "incidents" (≥ 2.1), a
// nullable ping, and timestamps without a zone.
package kuma

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"medianest/app/upstream"
)

// Client reads Uptime Kuma status pages through a shared upstream client.
// The base URL and slug are passed on each call because an admin can change
// them while the server runs.
type Client struct {
	up *upstream.Client
}

// New returns a client that sends its requests through c.
func New(c *upstream.Client) *Client {
	return &Client{up: c}
}

// Uptime Kuma's own failures, matched with errors.Is on an *Error. Transport
// failures are the upstream client's and stay reachable through the chain.
var (
	// ErrNotConfigured: no Uptime Kuma URL or status page slug is set.
	ErrNotConfigured = errors.New("uptime kuma is not configured")
	// ErrInvalidURL: the Uptime Kuma URL cannot be turned into a request.
	ErrInvalidURL = errors.New("invalid uptime kuma url")
	// ErrNotFound: there is no status page with that slug.
	ErrNotFound = errors.New("not found")
	// ErrRejected: Uptime Kuma refused the call and said why.
	ErrRejected = errors.New("rejected")
)

// Error is an Uptime Kuma failure: Kind is one of the Err* sentinels, Msg
// the sentence users see, Err the cause.
type Error struct {
	Kind error
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Err.Error()
}

// Unwrap exposes the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Message is the sentence users see.
func (e *Error) Message() string { return e.Msg }

func fail(kind, cause error, msg string) *Error { return &Error{Kind: kind, Msg: msg, Err: cause} }

// errorBody is Uptime Kuma's error shape.
type errorBody struct {
	Status string `json:"status"`
	Msg    string `json:"msg"`
}

// get fetches path under baseURL and decodes the JSON answer into out. A 404
// becomes ErrNotFound with the message notFound.
func (c *Client) get(ctx context.Context, op, baseURL, path, notFound string, out any) error {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if base == "" {
		return fmt.Errorf("kuma: %s: %w", op, fail(ErrNotConfigured, nil, "Uptime Kuma is not configured."))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, upstream.JoinURL(base, path), nil)
	if err != nil {
		return fmt.Errorf("kuma: %s: %w", op, fail(ErrInvalidURL, err, "The Uptime Kuma URL is not valid."))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.up.Do(req)
	if err != nil {
		return fmt.Errorf("kuma: %s: %w", op, mapError(err, notFound))
	}
	b, err := upstream.ReadBody(resp)
	if err != nil {
		return fmt.Errorf("kuma: %s: %w", op, upstream.Unreadable("Uptime Kuma", "Uptime Kuma sent an unreadable answer.", err))
	}
	if err := json.Unmarshal(bytes.TrimSpace(b), out); err != nil {
		return fmt.Errorf("kuma: %s: %w", op, upstream.Unreadable("Uptime Kuma", "",
			fmt.Errorf("decode answer: %w", err)))
	}
	return nil
}

// mapError turns a 404 into ErrNotFound and names Uptime Kuma's own message
// for other refusals; transport failures pass through as mapped by the
// upstream client.
func mapError(err error, notFound string) error {
	var se *upstream.StatusError
	if !errors.As(err, &se) {
		return err
	}
	var body errorBody
	_ = json.Unmarshal(se.Body, &body)
	switch {
	case se.Status == http.StatusNotFound && notFound != "":
		return fail(ErrNotFound, err, notFound)
	case se.Status < 500 && body.Msg != "":
		return fail(ErrRejected, err, "Uptime Kuma refused: "+body.Msg)
	}
	return err
}

// slugPath validates and escapes a status-page slug (Uptime Kuma lowercases
// slugs).
func slugPath(op, slug string) (string, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	if slug == "" {
		return "", fmt.Errorf("kuma: %s: %w", op, fail(ErrNotConfigured, nil, "No Uptime Kuma status page is configured."))
	}
	return url.PathEscape(slug), nil
}

func notFoundMsg(slug string) string {
	return fmt.Sprintf("Uptime Kuma has no status page %q.", strings.ToLower(strings.TrimSpace(slug)))
}

// parseTime reads Uptime Kuma's timestamps: "2026-03-01 09:58:00.123" (UTC,
// no zone), with or without milliseconds, or RFC 3339. Anything else is
// the zero time.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
