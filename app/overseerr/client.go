// Package overseerr is a typed client for the Overseerr (and Jellyseerr) API
// v1: search, title details, media requests, users and the webhook payload.
//
// The service's URL and API key can be changed by an admin while the server
// runs, so every call takes a Conn instead of fixing them at construction.
// Transport concerns (timeouts, retries, circuit breaker, metrics) belong to
// the shared *upstream.Client; this package turns Overseerr's answers and
// quirks into typed values and errors of its own (see Error).
package overseerr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"medianest/app/upstream"
)

// Conn is where Overseerr lives and how to authenticate to it.
type Conn struct {
	// URL is the base URL, e.g. "http://overseerr:5055"; the client appends
	// /api/v1 (a URL that already ends in /api/v1 is accepted too).
	URL string
	// APIKey is sent as X-Api-Key on every call.
	APIKey string
}

// Client calls Overseerr through a shared upstream client.
type Client struct {
	up *upstream.Client
}

// New returns a client with its own upstream client (metrics label
// "overseerr"). Overseerr answers an unknown TMDB id with a 500; the breaker
// is told that this is an answer, not Overseerr failing, so a user searching
// for a title that does not exist cannot open it.
func New(o upstream.Options) *Client {
	o.Answer = isUnknownTitle
	return &Client{up: upstream.New("overseerr", "Overseerr", o)}
}

const apiPrefix = "/api/v1"

// endpoint builds the absolute URL of an API path.
func (conn Conn) endpoint(path string, q url.Values) (string, error) {
	base := strings.TrimRight(strings.TrimSpace(conn.URL), "/")
	if base == "" {
		return "", fail(ErrNotConfigured, nil, "Overseerr is not configured.")
	}
	base = strings.TrimSuffix(base, apiPrefix)
	u := upstream.JoinURL(base, apiPrefix+path)
	if len(q) > 0 {
		u += "?" + encodeQuery(q)
	}
	return u, nil
}

// encodeQuery encodes q with %20 for spaces: Overseerr's request validator
// is happier with %20 than with '+' (a literal '+' is already %2B).
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// call describes one API call.
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	// asUser, when non-zero, is sent as X-API-User so the call acts as that
	// Overseerr user instead of the API key's owner.
	asUser int64
	// notFound is the message of the ErrNotFound error a 404 becomes; empty
	// leaves a 404 an upstream error.
	notFound string
}

// do sends cl and returns the status and body of a 2xx answer. Any failure
// is an *Error or an upstream error, wrapped with "overseerr: op".
func (c *Client) do(ctx context.Context, conn Conn, op string, cl call) (int, []byte, error) {
	u, err := conn.endpoint(cl.path, cl.query)
	if err != nil {
		return 0, nil, fmt.Errorf("overseerr: %s: %w", op, err)
	}
	var body *bytes.Reader
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return 0, nil, fmt.Errorf("overseerr: %s: encode body: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	var req *http.Request
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, cl.method, u, body)
	} else {
		req, err = http.NewRequestWithContext(ctx, cl.method, u, nil)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("overseerr: %s: %w", op,
			fail(ErrInvalidURL, err, "The Overseerr URL is not valid."))
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if conn.APIKey != "" {
		req.Header.Set("X-Api-Key", conn.APIKey)
	}
	if cl.asUser > 0 {
		req.Header.Set("X-API-User", strconv.FormatInt(cl.asUser, 10))
	}
	resp, err := c.up.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("overseerr: %s: %w", op, mapError(err, cl))
	}
	b, err := upstream.ReadBody(resp)
	if err != nil {
		return 0, nil, fmt.Errorf("overseerr: %s: %w", op,
			upstream.Unreadable("Overseerr", "Overseerr sent an unreadable answer.", err))
	}
	return resp.StatusCode, b, nil
}

// getJSON sends cl and decodes its JSON answer into out.
func (c *Client) getJSON(ctx context.Context, conn Conn, op string, cl call, out any) error {
	_, b, err := c.do(ctx, conn, op, cl)
	if err != nil {
		return err
	}
	return decode(op, b, out)
}

// decode unmarshals an answer; garbage is upstream.ErrUnreadable.
func decode(op string, b []byte, out any) error {
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("overseerr: %s: %w", op, upstream.Unreadable("Overseerr", "", fmt.Errorf("decode answer: %w", err)))
	}
	return nil
}

// Status is the answer of GET /status.
type Status struct {
	Version         string
	CommitTag       string
	UpdateAvailable bool
	CommitsBehind   int
	RestartRequired bool
}

type wireStatus struct {
	Version         upstream.FlexString `json:"version"`
	CommitTag       upstream.FlexString `json:"commitTag"`
	UpdateAvailable upstream.FlexBool   `json:"updateAvailable"`
	CommitsBehind   upstream.FlexInt    `json:"commitsBehind"`
	RestartRequired upstream.FlexBool   `json:"restartRequired"`
}

// Status returns Overseerr's version. The route is public, so it proves the
// service answers but not that the API key is right; see Check.
func (c *Client) Status(ctx context.Context, conn Conn) (Status, error) {
	var w wireStatus
	if err := c.getJSON(ctx, conn, "status", call{method: http.MethodGet, path: "/status"}, &w); err != nil {
		return Status{}, err
	}
	if w.Version == "" {
		return Status{}, fmt.Errorf("overseerr: status: %w", upstream.Unreadable("Overseerr",
			"The service at this URL does not look like Overseerr.", errors.New("no version in the status answer")))
	}
	return Status{
		Version:         string(w.Version),
		CommitTag:       string(w.CommitTag),
		UpdateAvailable: bool(w.UpdateAvailable),
		CommitsBehind:   int(w.CommitsBehind),
		RestartRequired: bool(w.RestartRequired),
	}, nil
}

// Check is the admin "test" and doctor probe: it reads the version and then
// makes an authenticated call, so a wrong API key fails with
// "Overseerr refused the API key.".
func (c *Client) Check(ctx context.Context, conn Conn) (Status, error) {
	st, err := c.Status(ctx, conn)
	if err != nil {
		return Status{}, err
	}
	if _, err := c.Me(ctx, conn); err != nil {
		return st, err
	}
	return st, nil
}
