package plex

import (
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

// Paging limits for library listings. PMS ≥ 1.28 warns about (and is
// announced to refuse) listings without X-Plex-Container-Size, so every
// listing sends one; 1000 is the largest page Plex clients commonly ask for.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// maxListed bounds how many entries the "list everything" calls (collections,
// collection items) gather page by page, so one huge collection cannot make
// a request unbounded.
const maxListed = 10000

// Conn says which Plex Media Server to ask and with which token. Both vary per
// call: each user browses with the access token the owner shared with them,
// and an admin may change the server URL while MediaNest runs.
type Conn struct {
	URL   string
	Token string
}

// PMS is a client for Plex Media Server. It holds no server address or token
// of its own (see Conn) and is safe for concurrent use.
//
// Errors: a transport failure is the *upstream.Error or *upstream.StatusError
// the upstream client produced, wrapped with a "plex: …" prefix (see
// StatusCode). Calls about one library section, item, collection or image
// return an ErrNotFound *Error when PMS answers 401, 403 or 404, because that
// is how PMS refuses a section the token was not shared; calls that are not
// about one object (ServerInfo, Sections, RecentlyAdded, Search) leave a 401
// a *upstream.StatusError, which means the token itself is not accepted by
// the server.
type PMS struct {
	c  *upstream.Client
	id Identity
}

// NewPMS returns a PMS client that sends its requests through c and
// introduces itself as id.
func NewPMS(c *upstream.Client, id Identity) *PMS {
	return &PMS{c: c, id: id}
}

// page asks for a slice of a listing. Both headers are always sent: a
// missing size is what newer servers refuse.
type page struct{ start, size int }

// call is one PMS request; method "" is GET.
type call struct {
	method  string
	path    string
	query   url.Values
	page    *page
	noToken bool
}

// baseURL checks the configured server URL. Its message never repeats the
// URL, which may carry credentials.
func baseURL(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", fail(ErrNotConfigured, nil, "No Plex server is configured.")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fail(ErrInvalidURL, nil, "The Plex server URL is not a valid http(s) URL.")
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return strings.TrimRight(u.String(), "/"), nil
}

func (p *PMS) request(ctx context.Context, method string, conn Conn, c call) (*http.Request, error) {
	base, err := baseURL(conn.URL)
	if err != nil {
		return nil, err
	}
	u := base + c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	p.id.SetHeaders(req)
	if !c.noToken && conn.Token != "" {
		req.Header.Set("X-Plex-Token", conn.Token)
	}
	if c.page != nil {
		req.Header.Set("X-Plex-Container-Start", strconv.Itoa(c.page.start))
		req.Header.Set("X-Plex-Container-Size", strconv.Itoa(c.page.size))
	}
	return req, nil
}

// getJSON sends the call (a GET unless c.method says otherwise) and decodes
// the answer's MediaContainer into v. It returns the response headers for the
// paging totals.
func (p *PMS) getJSON(ctx context.Context, conn Conn, c call, v any) (http.Header, error) {
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	req, err := p.request(ctx, method, conn, c)
	if err != nil {
		return nil, err
	}
	resp, err := p.c.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := upstream.ReadBody(resp)
	if err != nil {
		return nil, upstream.Unreadable("Plex", "Plex sent an unreadable answer.", err)
	}
	env := struct {
		MediaContainer any `json:"MediaContainer"`
	}{MediaContainer: v}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &env); err != nil {
			return nil, upstream.Unreadable("Plex", "", fmt.Errorf("decode %s: %w", c.path, err))
		}
	}
	return resp.Header, nil
}

// ServerIdentity is what PMS tells anyone about itself at /identity.
type ServerIdentity struct {
	MachineIdentifier string
	Version           string
	Claimed           bool
}

// Identity asks the server who it is (GET /identity). It needs no token, so
// it tells "the server is up" apart from "the token is wrong", and its machine
// identifier is what plex.tv resources are matched against.
func (p *PMS) Identity(ctx context.Context, conn Conn) (_ ServerIdentity, err error) {
	defer wrap(&err, "identity")
	var w struct {
		MachineIdentifier upstream.FlexString `json:"machineIdentifier"`
		Version           upstream.FlexString `json:"version"`
		Claimed           upstream.FlexBool   `json:"claimed"`
	}
	if _, err := p.getJSON(ctx, conn, call{path: "/identity", noToken: true}, &w); err != nil {
		return ServerIdentity{}, err
	}
	if w.MachineIdentifier == "" {
		return ServerIdentity{}, upstream.Unreadable("Plex", "The Plex server did not say who it is; is the URL a Plex Media Server?", errors.New("no machine identifier"))
	}
	return ServerIdentity{MachineIdentifier: string(w.MachineIdentifier), Version: string(w.Version), Claimed: bool(w.Claimed)}, nil
}

// ServerInfo is the server's self-description at GET /.
type ServerInfo struct {
	FriendlyName      string
	MachineIdentifier string
	Version           string
	Platform          string
	PlatformVersion   string
	MyPlexUsername    string
}

// ServerInfo returns the server's name, version and platform (GET /, token
// required). A 401 here means conn.Token is not accepted by the server.
func (p *PMS) ServerInfo(ctx context.Context, conn Conn) (_ ServerInfo, err error) {
	defer wrap(&err, "server info")
	var w struct {
		FriendlyName      upstream.FlexString `json:"friendlyName"`
		MachineIdentifier upstream.FlexString `json:"machineIdentifier"`
		Version           upstream.FlexString `json:"version"`
		Platform          upstream.FlexString `json:"platform"`
		PlatformVersion   upstream.FlexString `json:"platformVersion"`
		MyPlexUsername    upstream.FlexString `json:"myPlexUsername"`
	}
	if _, err := p.getJSON(ctx, conn, call{path: "/"}, &w); err != nil {
		return ServerInfo{}, err
	}
	return ServerInfo{
		FriendlyName: string(w.FriendlyName), MachineIdentifier: string(w.MachineIdentifier),
		Version: string(w.Version), Platform: string(w.Platform),
		PlatformVersion: string(w.PlatformVersion), MyPlexUsername: string(w.MyPlexUsername),
	}, nil
}
