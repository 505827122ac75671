package overseerrtest

import (
	"net/http"
	"strconv"
)

func (s *Server) handleMovie(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.movieLocked(id)
	if m == nil {
		// Overseerr answers an unknown id (a TMDB failure) with a 500.
		message(w, http.StatusInternalServerError, "Unable to retrieve movie.")
		return
	}
	imdb := "tt" + strconv.FormatInt(1000000+m.TmdbID, 10)
	out := map[string]any{
		"id": m.TmdbID, "imdbId": imdb, "title": m.Title, "originalTitle": m.Title,
		"releaseDate": m.ReleaseDate, "runtime": m.Runtime, "overview": m.Overview,
		"tagline": "", "status": "Released", "posterPath": nullable(m.PosterPath),
		"backdropPath": nullable(m.BackdropPath), "genres": genresJSON(m.Genres),
		"adult": false, "budget": 0, "revenue": 0, "originalLanguage": "en", "popularity": 12.3,
		"voteAverage": 6.4, "voteCount": 1500, "homepage": "", "spokenLanguages": []any{},
		"productionCompanies": []any{}, "productionCountries": []any{}, "releases": map[string]any{"results": []any{}},
		"credits":        map[string]any{"cast": []any{}, "crew": []any{}},
		"externalIds":    map[string]any{"imdbId": imdb, "facebookId": nil, "instagramId": nil, "twitterId": nil},
		"collection":     nil,
		"keywords":       []any{},
		"relatedVideos":  []any{},
		"watchProviders": []any{},
	}
	if fm := s.trackedLocked("movie", id); fm != nil {
		out["mediaInfo"] = s.mediaJSON(fm, true)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleTV(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.showLocked(id)
	if sh == nil {
		message(w, http.StatusInternalServerError, "Unable to retrieve series.")
		return
	}
	seasons := []map[string]any{}
	episodes := 0
	for _, se := range sh.Seasons {
		name := "Season " + strconv.Itoa(se.Number)
		if se.Number == 0 {
			name = "Specials"
		}
		seasons = append(seasons, map[string]any{
			"id": sh.TmdbID*100 + int64(se.Number), "seasonNumber": se.Number, "episodeCount": se.Episodes,
			"name": name, "airDate": sh.FirstAirDate, "posterPath": nullable(sh.PosterPath), "overview": "",
		})
		episodes += se.Episodes
	}
	out := map[string]any{
		"id": sh.TmdbID, "name": sh.Name, "originalName": sh.Name, "firstAirDate": sh.FirstAirDate,
		"lastAirDate": sh.FirstAirDate, "overview": sh.Overview, "tagline": "", "status": "Returning Series",
		"posterPath": nullable(sh.PosterPath), "backdropPath": nullable(sh.BackdropPath),
		"genres": genresJSON(sh.Genres), "episodeRunTime": []int{sh.EpisodeRunTime},
		"numberOfSeasons": len(sh.Seasons), "numberOfEpisodes": episodes, "seasons": seasons,
		"inProduction": true, "languages": []string{"en"}, "networks": []any{}, "originCountry": []string{"US"},
		"originalLanguage": "en", "popularity": 80.1, "voteAverage": 8.4, "voteCount": 20000,
		"createdBy": []any{}, "productionCompanies": []any{}, "spokenLanguages": []any{},
		"credits":     map[string]any{"cast": []any{}, "crew": []any{}},
		"externalIds": map[string]any{"imdbId": nil, "tvdbId": 100000 + sh.TmdbID, "tvrageId": nil},
		"keywords":    []any{}, "relatedVideos": []any{}, "watchProviders": []any{},
	}
	if fm := s.trackedLocked("tv", id); fm != nil {
		out["mediaInfo"] = s.mediaJSON(fm, true)
	}
	writeJSON(w, http.StatusOK, out)
}
