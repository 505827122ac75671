package overseerr

import (
	"context"
	"errors"
	"fmt"
	"medianest/app/upstream"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Request is an Overseerr media request.
type Request struct {
	ID        int64
	Status    ApprovalStatus
	MediaType string // "movie" or "tv"
	Is4K      bool
	// Media is the requested title; zero when Overseerr sent null.
	Media Media
	// Seasons asked for by a TV request.
	Seasons     []SeasonRequest
	RequestedBy User
	// ModifiedBy is who approved or declined it, nil before that.
	ModifiedBy *User
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SeasonRequest is one season of a TV request.
type SeasonRequest struct {
	ID           int64
	SeasonNumber int
	Status       ApprovalStatus
}

// TmdbID is the TMDB id of the requested title.
func (r Request) TmdbID() int64 { return r.Media.TmdbID }

// SeasonNumbers lists the season numbers a TV request asks for.
func (r Request) SeasonNumbers() []int {
	out := make([]int, 0, len(r.Seasons))
	for _, s := range r.Seasons {
		out = append(out, s.SeasonNumber)
	}
	return out
}

// PageInfo is Overseerr's paging block: Pages = ceil(Results/PageSize),
// Page = ceil(skip/PageSize)+1.
type PageInfo struct {
	Pages    int
	PageSize int
	Results  int // total number of items
	Page     int
}

// RequestPage is one page of requests.
type RequestPage struct {
	PageInfo PageInfo
	Results  []Request
}

type createBody struct {
	MediaType string `json:"mediaType"`
	MediaID   int64  `json:"mediaId"`
	Seasons   any    `json:"seasons,omitempty"`
	Is4k      bool   `json:"is4k"`
}

// createAnswer is a created request, or the {"message"} of the 202 that
// Overseerr sends instead when nothing was left to request.
type createAnswer struct {
	wireRequest
	Message string `json:"message"`
}

// CreateRequest asks Overseerr for a title. asUserID, when non-zero, makes
// the request as that Overseerr user (X-API-User) so their approval rules
// and quotas apply; 0 requests as the API key's owner (auto-approved). For a
// show, seasons lists the wanted season numbers, or allSeasons asks for
// every season not yet requested; both are ignored for a movie.
//
// A duplicate movie request (409), or a show whose asked seasons are all
// already requested or available (Overseerr's 202 "No seasons available to
// request"), is ALREADY_REQUESTED.
func (c *Client) CreateRequest(ctx context.Context, conn Conn, asUserID int64, mediaType string, tmdbID int64, seasons []int, allSeasons bool) (Request, error) {
	const op = "create request"
	body := createBody{MediaType: mediaType, MediaID: tmdbID}
	switch mediaType {
	case "movie":
	case "tv":
		switch {
		case allSeasons:
			body.Seasons = "all"
		case len(seasons) > 0:
			body.Seasons = seasons
		default:
			return Request{}, fmt.Errorf("overseerr: %s: %w", op, invalid("seasons", "name the seasons to request, or all"))
		}
	default:
		return Request{}, fmt.Errorf("overseerr: %s: %w", op, invalid("mediaType", `must be "movie" or "tv"`))
	}
	if tmdbID <= 0 {
		return Request{}, fmt.Errorf("overseerr: %s: %w", op, invalid("tmdbId", "must be a positive number"))
	}
	status, b, err := c.do(ctx, conn, op, call{method: http.MethodPost, path: "/request", body: body, asUser: asUserID})
	if err != nil {
		return Request{}, err
	}
	var a createAnswer
	if err := decode(op, b, &a); err != nil {
		return Request{}, err
	}
	if status == http.StatusAccepted || a.ID == 0 {
		if isAlreadyRequested(a.Message) || status == http.StatusAccepted {
			return Request{}, fmt.Errorf("overseerr: %s: %w", op, alreadyRequested(orDefault(a.Message, msgNoSeasons), nil))
		}
		return Request{}, fmt.Errorf("overseerr: %s: %w", op, upstream.Unreadable("Overseerr",
			"Overseerr did not create the request: "+orDefault(a.Message, "no request in its answer."), errors.New("no request id in the answer")))
	}
	r := a.request()
	if r.Media.TmdbID == 0 {
		r.Media.TmdbID = tmdbID
	}
	if r.Media.MediaType == "" {
		r.Media.MediaType = mediaType
	}
	return r, nil
}

func requestPath(id int64, suffix string) string {
	return "/request/" + strconv.FormatInt(id, 10) + suffix
}

func notFoundMsg(id int64) string {
	return fmt.Sprintf("Overseerr has no request %d.", id)
}

// Request returns one request; an unknown id is NOT_FOUND.
func (c *Client) Request(ctx context.Context, conn Conn, id int64) (Request, error) {
	var w wireRequest
	cl := call{method: http.MethodGet, path: requestPath(id, ""), notFound: notFoundMsg(id)}
	if err := c.getJSON(ctx, conn, "get request", cl, &w); err != nil {
		return Request{}, err
	}
	return w.request(), nil
}

// isRequestFilter reports whether f is a filter Overseerr (or Jellyseerr,
// which adds deleted and completed) accepts.
func isRequestFilter(f string) bool {
	switch f {
	case "all", "approved", "available", "pending", "processing", "unavailable", "failed", "deleted", "completed":
		return true
	}
	return false
}

type wireRequestPage struct {
	PageInfo wirePageInfo  `json:"pageInfo"`
	Results  []wireRequest `json:"results"`
}

// Requests lists requests newest first. take defaults to 10 (Overseerr's
// default) when not positive; filter is all, approved, available, pending,
// processing, unavailable or failed (Jellyseerr also deleted, completed),
// "" for all.
// With the admin's key every user's requests are listed.
func (c *Client) Requests(ctx context.Context, conn Conn, take, skip int, filter string) (RequestPage, error) {
	const op = "list requests"
	if take <= 0 {
		take = 10
	}
	if skip < 0 {
		skip = 0
	}
	q := url.Values{"take": {strconv.Itoa(take)}, "skip": {strconv.Itoa(skip)}}
	if filter = strings.ToLower(strings.TrimSpace(filter)); filter != "" {
		if !isRequestFilter(filter) {
			return RequestPage{}, fmt.Errorf("overseerr: %s: %w", op, invalid("filter", "is not a known request filter"))
		}
		q.Set("filter", filter)
	}
	var w wireRequestPage
	if err := c.getJSON(ctx, conn, op, call{method: http.MethodGet, path: "/request", query: q}, &w); err != nil {
		return RequestPage{}, err
	}
	out := RequestPage{PageInfo: w.PageInfo.pageInfo(), Results: make([]Request, 0, len(w.Results))}
	for _, r := range w.Results {
		out.Results = append(out.Results, r.request())
	}
	return out, nil
}

// DeleteRequest removes a request (Overseerr answers 204). An unknown id is
// NOT_FOUND; a request the acting user may not remove is FORBIDDEN.
func (c *Client) DeleteRequest(ctx context.Context, conn Conn, id int64) error {
	_, _, err := c.do(ctx, conn, "delete request", call{method: http.MethodDelete, path: requestPath(id, ""), notFound: notFoundMsg(id)})
	return err
}

// Approve approves a pending request and returns it updated.
func (c *Client) Approve(ctx context.Context, conn Conn, id int64) (Request, error) {
	return c.setStatus(ctx, conn, "approve request", id, "/approve")
}

// Decline declines a request and returns it updated.
func (c *Client) Decline(ctx context.Context, conn Conn, id int64) (Request, error) {
	return c.setStatus(ctx, conn, "decline request", id, "/decline")
}

func (c *Client) setStatus(ctx context.Context, conn Conn, op string, id int64, suffix string) (Request, error) {
	var w wireRequest
	cl := call{method: http.MethodPost, path: requestPath(id, suffix), notFound: notFoundMsg(id)}
	if err := c.getJSON(ctx, conn, op, cl, &w); err != nil {
		return Request{}, err
	}
	return w.request(), nil
}
