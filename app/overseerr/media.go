package overseerr

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"medianest/app/upstream"
)

// Media is what Overseerr tracks about a title ("mediaInfo" on search and
// details, "media" on a request).
type Media struct {
	ID        int64
	MediaType string // "movie" or "tv"
	TmdbID    int64
	TvdbID    int64
	ImdbID    string
	Status    MediaStatus
	Status4k  MediaStatus
	// Seasons is the per-season status of a show (empty for movies).
	Seasons []SeasonStatus
	// Requests is loaded on the details routes only.
	Requests  []Request
	RatingKey string // the Plex rating key once available
	PlexURL   string
	AddedAt   time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SeasonStatus is one season of a tracked show.
type SeasonStatus struct {
	SeasonNumber int
	Status       MediaStatus
	Status4k     MediaStatus
}

// Requested reports whether a request exists for m: Overseerr lists one, or
// the status (pending, processing) says one was made.
func (m *Media) Requested() bool {
	if m == nil {
		return false
	}
	return len(m.Requests) > 0 || m.Status == MediaPending || m.Status == MediaProcessing
}

// SearchPage is one page of search results (20 a page, as TMDB pages).
type SearchPage struct {
	Page         int
	TotalPages   int
	TotalResults int
	// Results holds the movies and shows of the page; people and
	// collections are left out, so it may be shorter than 20.
	Results []SearchResult
}

// SearchResult is a movie or show found by Search.
type SearchResult struct {
	MediaType    string // "movie" or "tv"
	TmdbID       int64
	Title        string // title of a movie, name of a show
	Year         int    // release or first-air year, 0 when unknown
	Overview     string
	PosterPath   string
	BackdropPath string
	// Media is nil when Overseerr does not track the title yet.
	Media *Media
}

// Requested reports whether the title has been requested in Overseerr.
func (r SearchResult) Requested() bool { return r.Media.Requested() }

type wireResult struct {
	ID           upstream.FlexInt    `json:"id"`
	MediaType    upstream.FlexString `json:"mediaType"`
	Title        upstream.FlexString `json:"title"`
	Name         upstream.FlexString `json:"name"`
	ReleaseDate  upstream.FlexString `json:"releaseDate"`
	FirstAirDate upstream.FlexString `json:"firstAirDate"`
	Overview     upstream.FlexString `json:"overview"`
	PosterPath   upstream.FlexString `json:"posterPath"`
	BackdropPath upstream.FlexString `json:"backdropPath"`
	MediaInfo    *wireMedia          `json:"mediaInfo"`
}

type wireSearch struct {
	Page         upstream.FlexInt `json:"page"`
	TotalPages   upstream.FlexInt `json:"totalPages"`
	TotalResults upstream.FlexInt `json:"totalResults"`
	Results      []wireResult     `json:"results"`
}

// Search finds movies and shows matching query (Overseerr's prefixes such
// as "tmdb:10378" or "year:2008" work too). page counts from 1.
func (c *Client) Search(ctx context.Context, conn Conn, query string, page int) (SearchPage, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return SearchPage{}, fmt.Errorf("overseerr: search: %w", invalid("query", "is required"))
	}
	if page < 1 {
		page = 1
	}
	q := url.Values{"query": {query}, "page": {strconv.Itoa(page)}}
	var w wireSearch
	if err := c.getJSON(ctx, conn, "search", call{method: http.MethodGet, path: "/search", query: q}, &w); err != nil {
		return SearchPage{}, err
	}
	out := SearchPage{
		Page:         int(w.Page),
		TotalPages:   int(w.TotalPages),
		TotalResults: int(w.TotalResults),
		Results:      make([]SearchResult, 0, len(w.Results)),
	}
	for _, r := range w.Results {
		mt := string(r.MediaType)
		if mt != "movie" && mt != "tv" {
			continue
		}
		res := SearchResult{
			MediaType:    mt,
			TmdbID:       int64(r.ID),
			Title:        firstNonEmpty(string(r.Title), string(r.Name)),
			Year:         yearOf(firstNonEmpty(string(r.ReleaseDate), string(r.FirstAirDate))),
			Overview:     string(r.Overview),
			PosterPath:   string(r.PosterPath),
			BackdropPath: string(r.BackdropPath),
			Media:        r.MediaInfo.media(),
		}
		out.Results = append(out.Results, res)
	}
	return out, nil
}

// Details is a movie's or a show's detail page.
type Details struct {
	MediaType    string // "movie" or "tv"
	TmdbID       int64
	Title        string
	Year         int
	ReleaseDate  string // release date of a movie, first-air date of a show
	Overview     string
	Tagline      string
	PosterPath   string
	BackdropPath string
	Genres       []string
	// Runtime in minutes: the movie's, or a show's usual episode length.
	Runtime int
	ImdbID  string
	TvdbID  int64
	// Seasons of a show, with their status; nil for a movie.
	Seasons []Season
	// Media is nil when Overseerr does not track the title yet; when set it
	// carries the title's requests.
	Media *Media
}

// Requested reports whether the title has been requested in Overseerr.
func (d Details) Requested() bool { return d.Media.Requested() }

// Season is one season of a show.
type Season struct {
	SeasonNumber int
	EpisodeCount int
	Name         string
	AirDate      string
	// Status comes from Overseerr's media seasons; a season no one has
	// requested is MediaUnknown, one in a live request MediaPending.
	Status MediaStatus
}

type wireDetails struct {
	ID             upstream.FlexInt    `json:"id"`
	Title          upstream.FlexString `json:"title"`
	Name           upstream.FlexString `json:"name"`
	ReleaseDate    upstream.FlexString `json:"releaseDate"`
	FirstAirDate   upstream.FlexString `json:"firstAirDate"`
	Overview       upstream.FlexString `json:"overview"`
	Tagline        upstream.FlexString `json:"tagline"`
	PosterPath     upstream.FlexString `json:"posterPath"`
	BackdropPath   upstream.FlexString `json:"backdropPath"`
	Runtime        upstream.FlexInt    `json:"runtime"`
	EpisodeRunTime []upstream.FlexInt  `json:"episodeRunTime"`
	ImdbID         upstream.FlexString `json:"imdbId"`
	Genres         []struct {
		Name upstream.FlexString `json:"name"`
	} `json:"genres"`
	ExternalIDs *struct {
		ImdbID upstream.FlexString `json:"imdbId"`
		TvdbID upstream.FlexInt    `json:"tvdbId"`
	} `json:"externalIds"`
	Seasons []struct {
		SeasonNumber upstream.FlexInt    `json:"seasonNumber"`
		EpisodeCount upstream.FlexInt    `json:"episodeCount"`
		Name         upstream.FlexString `json:"name"`
		AirDate      upstream.FlexString `json:"airDate"`
	} `json:"seasons"`
	MediaInfo *wireMedia `json:"mediaInfo"`
}

// Movie returns the details of a movie by TMDB id. Overseerr answers an
// unknown id with a 500 ("Unable to retrieve movie."); that is NOT_FOUND.
func (c *Client) Movie(ctx context.Context, conn Conn, tmdbID int64) (Details, error) {
	return c.details(ctx, conn, "movie", tmdbID)
}

// TV returns the details of a show by TMDB id, with its seasons.
func (c *Client) TV(ctx context.Context, conn Conn, tmdbID int64) (Details, error) {
	return c.details(ctx, conn, "tv", tmdbID)
}

func (c *Client) details(ctx context.Context, conn Conn, mediaType string, tmdbID int64) (Details, error) {
	op := mediaType + " details"
	if tmdbID <= 0 {
		return Details{}, fmt.Errorf("overseerr: %s: %w", op, invalid("tmdbId", "must be a positive number"))
	}
	var w wireDetails
	cl := call{method: http.MethodGet, path: "/" + mediaType + "/" + strconv.FormatInt(tmdbID, 10)}
	if err := c.getJSON(ctx, conn, op, cl, &w); err != nil {
		return Details{}, err
	}
	d := Details{
		MediaType:    mediaType,
		TmdbID:       int64(w.ID),
		Title:        firstNonEmpty(string(w.Title), string(w.Name)),
		ReleaseDate:  firstNonEmpty(string(w.ReleaseDate), string(w.FirstAirDate)),
		Overview:     string(w.Overview),
		Tagline:      string(w.Tagline),
		PosterPath:   string(w.PosterPath),
		BackdropPath: string(w.BackdropPath),
		Runtime:      int(w.Runtime),
		ImdbID:       string(w.ImdbID),
		Genres:       []string{},
		Media:        w.MediaInfo.media(),
	}
	if d.TmdbID == 0 {
		d.TmdbID = tmdbID
	}
	d.Year = yearOf(d.ReleaseDate)
	if d.Runtime == 0 && len(w.EpisodeRunTime) > 0 {
		d.Runtime = int(w.EpisodeRunTime[0])
	}
	if w.ExternalIDs != nil {
		d.ImdbID = firstNonEmpty(d.ImdbID, string(w.ExternalIDs.ImdbID))
		d.TvdbID = int64(w.ExternalIDs.TvdbID)
	}
	for _, g := range w.Genres {
		if g.Name != "" {
			d.Genres = append(d.Genres, string(g.Name))
		}
	}
	if mediaType == "tv" {
		d.Seasons = make([]Season, 0, len(w.Seasons))
		for _, s := range w.Seasons {
			n := int(s.SeasonNumber)
			d.Seasons = append(d.Seasons, Season{
				SeasonNumber: n,
				EpisodeCount: int(s.EpisodeCount),
				Name:         string(s.Name),
				AirDate:      string(s.AirDate),
				Status:       seasonStatus(d.Media, n),
			})
		}
	}
	return d, nil
}

// seasonStatus is season n's status from the media's seasons, or pending
// when a live (not declined or failed) non-4K request asks for it.
func seasonStatus(m *Media, n int) MediaStatus {
	if m == nil {
		return MediaUnknown
	}
	for _, s := range m.Seasons {
		if s.SeasonNumber == n && s.Status > MediaUnknown {
			return s.Status
		}
	}
	for _, r := range m.Requests {
		if r.Is4K || r.Status == RequestDeclined || r.Status == RequestFailed {
			continue
		}
		for _, s := range r.Seasons {
			if s.SeasonNumber == n {
				return MediaPending
			}
		}
	}
	return MediaUnknown
}

// TMDB image bases: posters at w500, backdrops at w1280.
const (
	PosterBase   = "https://image.tmdb.org/t/p/w500"
	BackdropBase = "https://image.tmdb.org/t/p/w1280"
)

// PosterURL is the TMDB URL of a poster path ("/p1.jpg"), or "" for none.
func PosterURL(path string) string { return imageURL(PosterBase, path) }

// BackdropURL is the TMDB URL of a backdrop path, or "" for none.
func BackdropURL(path string) string { return imageURL(BackdropBase, path) }

func imageURL(base, path string) string {
	path = strings.TrimSpace(path)
	if path == "" {
		return ""
	}
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return base + path
}
