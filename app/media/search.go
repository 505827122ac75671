package media

import (
	"context"
	"strings"

	"medianest/app/apperr"
	"medianest/app/overseerr"
)

type searchKey struct {
	query string
	page  int
}

// SearchResults is one page of search results.
type SearchResults struct {
	Results      []MediaResult
	Page         int
	TotalPages   int
	TotalResults int
}

// Search finds movies and shows through Overseerr. Overseerr's pages are
// cached for a few seconds (they hold no per-user data); whether a title is
// requested here is read fresh every time.
func (s *Requests) Search(ctx context.Context, query string, page int) (SearchResults, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return SearchResults{}, apperr.Field("query", "is required")
	}
	if len(query) > 200 {
		return SearchResults{}, apperr.Field("query", "must be at most 200 characters")
	}
	if page < 1 {
		page = 1
	}
	key := searchKey{strings.ToLower(query), page}
	sp, ok := s.searches.Get(key)
	if !ok {
		conn, err := s.overseerrConn(ctx)
		if err != nil {
			return SearchResults{}, err
		}
		sp, err = s.os.Search(ctx, conn, query, page)
		if err != nil {
			return SearchResults{}, overseerrDown(err)
		}
		s.searches.Add(key, sp)
	}
	keys := make([]titleKey, 0, len(sp.Results))
	for _, r := range sp.Results {
		keys = append(keys, titleKey{r.MediaType, r.TmdbID})
	}
	ours, err := s.requestedTitles(ctx, keys)
	if err != nil {
		return SearchResults{}, err
	}
	return SearchResults{
		Results:      s.mapResults(sp.Results, ours),
		Page:         max(sp.Page, page),
		TotalPages:   sp.TotalPages,
		TotalResults: sp.TotalResults,
	}, nil
}

// mapResults turns Overseerr's results into the API's. A title is
// requested when a request for it exists here or in Overseerr.
func (s *Requests) mapResults(in []overseerr.SearchResult, ours map[titleKey]bool) []MediaResult {
	out := make([]MediaResult, 0, len(in))
	for _, r := range in {
		out = append(out, MediaResult{
			MediaType:    r.MediaType,
			TmdbID:       r.TmdbID,
			Title:        r.Title,
			Year:         intPtr(r.Year),
			Overview:     r.Overview,
			PosterURL:    s.posterURL(r.PosterPath),
			Availability: mediaAvailability(r.Media),
			Requested:    ours[titleKey{r.MediaType, r.TmdbID}] || r.Requested(),
		})
	}
	return out
}

// Details returns a movie's or a show's page.
func (s *Requests) Details(ctx context.Context, mediaType string, tmdbID int64) (MediaDetail, error) {
	conn, err := s.overseerrConn(ctx)
	if err != nil {
		return MediaDetail{}, err
	}
	var d overseerr.Details
	if mediaType == "movie" {
		d, err = s.os.Movie(ctx, conn, tmdbID)
	} else {
		d, err = s.os.TV(ctx, conn, tmdbID)
	}
	if err != nil {
		return MediaDetail{}, overseerrDown(err)
	}
	ours, err := s.requestedTitles(ctx, []titleKey{{mediaType, tmdbID}})
	if err != nil {
		return MediaDetail{}, err
	}
	out := MediaDetail{
		MediaResult: MediaResult{
			MediaType: mediaType, TmdbID: tmdbID, Title: d.Title, Year: intPtr(d.Year),
			Overview: d.Overview, PosterURL: s.posterURL(d.PosterPath),
			Availability: mediaAvailability(d.Media),
			Requested:    ours[titleKey{mediaType, tmdbID}] || d.Requested(),
		},
		BackdropURL: s.backdropURL(d.BackdropPath),
		Genres:      d.Genres,
		Runtime:     intPtr(d.Runtime),
	}
	if out.Genres == nil {
		out.Genres = []string{}
	}
	if mediaType == "tv" {
		out.Seasons = make([]SeasonInfo, 0, len(d.Seasons))
		for _, se := range d.Seasons {
			out.Seasons = append(out.Seasons, SeasonInfo{SeasonNumber: se.SeasonNumber, EpisodeCount: se.EpisodeCount, Status: availability(se.Status)})
		}
	}
	return out, nil
}
