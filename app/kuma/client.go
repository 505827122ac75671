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

	"medianest/app/apperr"
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

// errorBody is Uptime Kuma's error shape.
type errorBody struct {
	Status string `json:"status"`
	Msg    string `json:"msg"`
}

// get fetches path under baseURL and decodes the JSON answer into out. A 404
// becomes NOT_FOUND with the message notFound.
func (c *Client) get(ctx context.Context, op, baseURL, path, notFound string, out any) error {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if base == "" {
		return fmt.Errorf("kuma: %s: %w", op, apperr.New(apperr.Unavailable, "Uptime Kuma is not configured."))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, upstream.JoinURL(base, path), nil)
	if err != nil {
		return fmt.Errorf("kuma: %s: %w", op, apperr.Wrap(apperr.InvalidURL, err, "The Uptime Kuma URL is not valid."))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.up.Do(req)
	if err != nil {
		return fmt.Errorf("kuma: %s: %w", op, mapError(err, notFound))
	}
	b, err := upstream.ReadBody(resp)
	if err != nil {
		return fmt.Errorf("kuma: %s: %w", op, apperr.Wrap(apperr.UpstreamError, err, "Uptime Kuma sent an unreadable answer."))
	}
	if err := json.Unmarshal(bytes.TrimSpace(b), out); err != nil {
		return fmt.Errorf("kuma: %s: %w", op, apperr.Wrap(apperr.UpstreamError,
			fmt.Errorf("decode answer: %w", err), "Uptime Kuma sent an answer MediaNest could not read."))
	}
	return nil
}

// mapError turns a 404 into NOT_FOUND and names Uptime Kuma's own message
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
		return apperr.Wrap(apperr.NotFound, err, "%s", notFound)
	case se.Status < 500 && body.Msg != "":
		return apperr.Wrap(apperr.UpstreamError, err, "Uptime Kuma refused: %s", body.Msg)
	}
	return err
}

// slugPath validates and escapes a status-page slug (Uptime Kuma lowercases
// slugs).
func slugPath(op, slug string) (string, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	if slug == "" {
		return "", fmt.Errorf("kuma: %s: %w", op, apperr.New(apperr.Unavailable, "No Uptime Kuma status page is configured."))
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
