package media

import (
	"encoding/json"
	"time"
)

// Request statuses, as the API spells them.
const (
	StatusPending    = "pending"
	StatusApproved   = "approved"
	StatusDeclined   = "declined"
	StatusProcessing = "processing"
	StatusAvailable  = "available"
	StatusFailed     = "failed"
)

// Statuses lists every request status in the order the UI shows them.
var Statuses = []string{StatusPending, StatusApproved, StatusProcessing, StatusAvailable, StatusDeclined, StatusFailed}

// Final reports whether a request in status st is done: available,
// declined or failed. Final requests carry completedAt and are left out of
// the reconcile.
func Final(st string) bool {
	return st == StatusAvailable || st == StatusDeclined || st == StatusFailed
}

func validStatus(st string) bool {
	for _, s := range Statuses {
		if s == st {
			return true
		}
	}
	return false
}

// MediaRequest is a user's request for a movie or show. Its JSON is the
// API's MediaRequest object.
type MediaRequest struct {
	ID                 int64      `json:"id"`
	UserID             int64      `json:"userId"`
	Username           string     `json:"username"`
	MediaType          string     `json:"mediaType"`
	TmdbID             int64      `json:"tmdbId"`
	Title              string     `json:"title"`
	Year               *int       `json:"year"`
	PosterURL          string     `json:"posterUrl"`
	Seasons            []int      `json:"seasons"`
	Status             string     `json:"status"`
	OverseerrRequestID *int64     `json:"overseerrRequestId"`
	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
	CompletedAt        *time.Time `json:"completedAt"`
}

// MediaResult is a search hit. Its JSON is the API's MediaResult object.
type MediaResult struct {
	MediaType    string `json:"mediaType"`
	TmdbID       int64  `json:"tmdbId"`
	Title        string `json:"title"`
	Year         *int   `json:"year"`
	Overview     string `json:"overview"`
	PosterURL    string `json:"posterUrl"`
	Availability string `json:"availability"`
	Requested    bool   `json:"requested"`
}

// MediaDetail is a title's page: a MediaResult with more facts.
type MediaDetail struct {
	MediaResult
	BackdropURL string   `json:"backdropUrl"`
	Genres      []string `json:"genres"`
	Runtime     *int     `json:"runtime"`
	// Seasons is set for shows only.
	Seasons []SeasonInfo `json:"seasons,omitempty"`
}

// SeasonInfo is one season of a show with its availability.
type SeasonInfo struct {
	SeasonNumber int    `json:"seasonNumber"`
	EpisodeCount int    `json:"episodeCount"`
	Status       string `json:"status"`
}

// CreateInput is the body of POST /media/requests. Seasons is either a list
// of season numbers or the string "all", so it is decoded by hand.
type CreateInput struct {
	MediaType string          `json:"mediaType"`
	TmdbID    int64           `json:"tmdbId"`
	Seasons   json.RawMessage `json:"seasons"`
}

func intPtr(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}
