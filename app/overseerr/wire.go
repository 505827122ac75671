package overseerr

import (
	"strings"
	"time"

	"medianest/app/upstream"
)

// The wire types mirror Overseerr's JSON and decode tolerantly (numbers as
// strings, nulls, missing arrays); they are converted to the exported types
// at the package boundary.

type wireSeasonStatus struct {
	SeasonNumber upstream.FlexInt `json:"seasonNumber"`
	Status       upstream.FlexInt `json:"status"`
	Status4k     upstream.FlexInt `json:"status4k"`
}

type wireMedia struct {
	ID           upstream.FlexInt    `json:"id"`
	MediaType    upstream.FlexString `json:"mediaType"`
	TmdbID       upstream.FlexInt    `json:"tmdbId"`
	TvdbID       upstream.FlexInt    `json:"tvdbId"`
	ImdbID       upstream.FlexString `json:"imdbId"`
	Status       upstream.FlexInt    `json:"status"`
	Status4k     upstream.FlexInt    `json:"status4k"`
	RatingKey    upstream.FlexString `json:"ratingKey"`
	PlexURL      upstream.FlexString `json:"plexUrl"`
	MediaAddedAt upstream.FlexString `json:"mediaAddedAt"`
	CreatedAt    upstream.FlexString `json:"createdAt"`
	UpdatedAt    upstream.FlexString `json:"updatedAt"`
	Seasons      []wireSeasonStatus  `json:"seasons"`
	Requests     []wireRequest       `json:"requests"`
}

type wireSeasonRequest struct {
	ID           upstream.FlexInt `json:"id"`
	SeasonNumber upstream.FlexInt `json:"seasonNumber"`
	Status       upstream.FlexInt `json:"status"`
}

type wireRequest struct {
	ID          upstream.FlexInt    `json:"id"`
	Status      upstream.FlexInt    `json:"status"`
	Type        upstream.FlexString `json:"type"`
	Is4k        upstream.FlexBool   `json:"is4k"`
	Media       *wireMedia          `json:"media"`
	Seasons     []wireSeasonRequest `json:"seasons"`
	RequestedBy *wireUser           `json:"requestedBy"`
	ModifiedBy  *wireUser           `json:"modifiedBy"`
	CreatedAt   upstream.FlexString `json:"createdAt"`
	UpdatedAt   upstream.FlexString `json:"updatedAt"`
}

type wireUser struct {
	ID           upstream.FlexInt    `json:"id"`
	Email        upstream.FlexString `json:"email"`
	PlexID       upstream.FlexInt    `json:"plexId"`
	PlexUsername upstream.FlexString `json:"plexUsername"`
	Username     upstream.FlexString `json:"username"`
	DisplayName  upstream.FlexString `json:"displayName"`
	UserType     upstream.FlexInt    `json:"userType"`
	Permissions  upstream.FlexInt    `json:"permissions"`
	Avatar       upstream.FlexString `json:"avatar"`
	RequestCount upstream.FlexInt    `json:"requestCount"`
	CreatedAt    upstream.FlexString `json:"createdAt"`
}

type wirePageInfo struct {
	Pages    upstream.FlexInt `json:"pages"`
	PageSize upstream.FlexInt `json:"pageSize"`
	Results  upstream.FlexInt `json:"results"`
	Page     upstream.FlexInt `json:"page"`
}

func (w wirePageInfo) pageInfo() PageInfo {
	return PageInfo{Pages: int(w.Pages), PageSize: int(w.PageSize), Results: int(w.Results), Page: int(w.Page)}
}

func (w *wireMedia) media() *Media {
	if w == nil {
		return nil
	}
	m := &Media{
		ID:        int64(w.ID),
		MediaType: string(w.MediaType),
		TmdbID:    int64(w.TmdbID),
		TvdbID:    int64(w.TvdbID),
		ImdbID:    string(w.ImdbID),
		Status:    MediaStatus(w.Status),
		Status4k:  MediaStatus(w.Status4k),
		RatingKey: string(w.RatingKey),
		PlexURL:   string(w.PlexURL),
		AddedAt:   parseTime(string(w.MediaAddedAt)),
		CreatedAt: parseTime(string(w.CreatedAt)),
		UpdatedAt: parseTime(string(w.UpdatedAt)),
	}
	for _, s := range w.Seasons {
		m.Seasons = append(m.Seasons, SeasonStatus{
			SeasonNumber: int(s.SeasonNumber),
			Status:       MediaStatus(s.Status),
			Status4k:     MediaStatus(s.Status4k),
		})
	}
	for _, r := range w.Requests {
		m.Requests = append(m.Requests, r.request())
	}
	return m
}

func (w wireRequest) request() Request {
	r := Request{
		ID:        int64(w.ID),
		Status:    ApprovalStatus(w.Status),
		MediaType: string(w.Type),
		Is4K:      bool(w.Is4k),
		CreatedAt: parseTime(string(w.CreatedAt)),
		UpdatedAt: parseTime(string(w.UpdatedAt)),
	}
	if m := w.Media.media(); m != nil {
		r.Media = *m
	}
	if r.MediaType == "" {
		r.MediaType = r.Media.MediaType
	}
	for _, s := range w.Seasons {
		r.Seasons = append(r.Seasons, SeasonRequest{
			ID:           int64(s.ID),
			SeasonNumber: int(s.SeasonNumber),
			Status:       ApprovalStatus(s.Status),
		})
	}
	if w.RequestedBy != nil {
		r.RequestedBy = w.RequestedBy.user()
	}
	if w.ModifiedBy != nil {
		u := w.ModifiedBy.user()
		r.ModifiedBy = &u
	}
	return r
}

func (w wireUser) user() User {
	u := User{
		ID:           int64(w.ID),
		Email:        string(w.Email),
		PlexID:       int64(w.PlexID),
		PlexUsername: string(w.PlexUsername),
		Username:     string(w.Username),
		DisplayName:  string(w.DisplayName),
		UserType:     int(w.UserType),
		Permissions:  Permission(w.Permissions),
		Avatar:       string(w.Avatar),
		RequestCount: int(w.RequestCount),
		CreatedAt:    parseTime(string(w.CreatedAt)),
	}
	if u.DisplayName == "" {
		// Overseerr's own rule: username || plexUsername || email.
		u.DisplayName = firstNonEmpty(u.Username, u.PlexUsername, u.Email)
	}
	return u
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseTime reads Overseerr's timestamps ("2026-03-01T10:05:00.000Z", or
// SQLite's "2026-03-01 10:05:00" on older installs); anything else is the
// zero time.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// yearOf returns the year of a "YYYY-MM-DD" date, or 0.
func yearOf(date string) int {
	if len(date) < 4 {
		return 0
	}
	y := 0
	for _, c := range date[:4] {
		if c < '0' || c > '9' {
			return 0
		}
		y = y*10 + int(c-'0')
	}
	return y
}
