package overseerrtest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"medianest/app/overseerr"
)

// Movie is a movie in the fake's TMDB catalogue.
type Movie struct {
	TmdbID       int64
	Title        string
	ReleaseDate  string // "2008-05-20"
	Overview     string
	PosterPath   string // "" for a title without a poster
	BackdropPath string
	Runtime      int
	Genres       []string
	// Status, when set, makes Overseerr track the title with that status.
	Status overseerr.MediaStatus
}

// Show is a TV show in the fake's TMDB catalogue.
type Show struct {
	TmdbID         int64
	Name           string
	FirstAirDate   string
	Overview       string
	PosterPath     string
	BackdropPath   string
	EpisodeRunTime int
	Genres         []string
	Seasons        []SeasonSpec
	// Status, when set, makes Overseerr track the show with that status.
	Status overseerr.MediaStatus
}

// SeasonSpec is one season of a Show.
type SeasonSpec struct {
	Number   int
	Episodes int
	// Status, when set, is the season's media status.
	Status overseerr.MediaStatus
}

// Person is a search result that is neither movie nor show.
type Person struct {
	ID   int64
	Name string
}

// DefaultCatalogue is what New loads: an available movie (10378), an
// untracked movie (45745), a movie without poster (133701), an untracked
// show with Specials and three seasons (1399), a partially available show
// (2000), and a person (500) whose name also matches "buck".
func DefaultCatalogue() ([]Movie, []Show, []Person) {
	return []Movie{
			{TmdbID: 10378, Title: "Big Buck Bunny", ReleaseDate: "2008-05-20", Overview: "A giant rabbit takes revenge on three bullies.",
				PosterPath: "/p1.jpg", BackdropPath: "/b1.jpg", Runtime: 10, Genres: []string{"Animation", "Comedy"}, Status: overseerr.MediaAvailable},
			{TmdbID: 45745, Title: "Sintel", ReleaseDate: "2010-09-30", Overview: "A girl searches for her baby dragon.",
				PosterPath: "/p3.jpg", BackdropPath: "/b3.jpg", Runtime: 15, Genres: []string{"Animation", "Fantasy"}},
			{TmdbID: 133701, Title: "Tears of Steel", ReleaseDate: "2012-09-26", Overview: "Warriors and scientists in Amsterdam.",
				Runtime: 12, Genres: []string{"Science Fiction"}},
		},
		[]Show{
			{TmdbID: 1399, Name: "Example Show", FirstAirDate: "2011-04-17", Overview: "Families fight for a throne.",
				PosterPath: "/p2.jpg", BackdropPath: "/b2.jpg", EpisodeRunTime: 60, Genres: []string{"Drama"},
				Seasons: []SeasonSpec{{Number: 0, Episodes: 3}, {Number: 1, Episodes: 10}, {Number: 2, Episodes: 10}, {Number: 3, Episodes: 10}}},
			{TmdbID: 2000, Name: "Open Movie Series", FirstAirDate: "2015-01-01", Overview: "Short open films.",
				PosterPath: "/p4.jpg", EpisodeRunTime: 12, Genres: []string{"Animation"}, Status: overseerr.MediaPartiallyAvailable,
				Seasons: []SeasonSpec{{Number: 1, Episodes: 6, Status: overseerr.MediaAvailable}, {Number: 2, Episodes: 6}}},
		},
		[]Person{{ID: 500, Name: "Buck Person"}}
}

func (s *Server) seed() {
	movies, shows, people := DefaultCatalogue()
	for _, m := range movies {
		s.addMovieLocked(m)
	}
	for _, sh := range shows {
		s.addShowLocked(sh)
	}
	s.people = people
	for _, u := range DefaultUsers() {
		u := u
		s.users = append(s.users, &u)
	}
}

// AddMovie adds (or replaces) a movie in the catalogue.
func (s *Server) AddMovie(m Movie) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addMovieLocked(m)
}

// AddShow adds (or replaces) a show in the catalogue.
func (s *Server) AddShow(sh Show) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addShowLocked(sh)
}

// AddPerson adds a person to the search results.
func (s *Server) AddPerson(p Person) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.people = append(s.people, p)
}

func (s *Server) addMovieLocked(m Movie) {
	s.movies = slices.DeleteFunc(s.movies, func(x *Movie) bool { return x.TmdbID == m.TmdbID })
	s.movies = append(s.movies, &m)
	if m.Status != 0 {
		s.mediaLocked("movie", m.TmdbID).status = m.Status
	}
}

func (s *Server) addShowLocked(sh Show) {
	s.shows = slices.DeleteFunc(s.shows, func(x *Show) bool { return x.TmdbID == sh.TmdbID })
	s.shows = append(s.shows, &sh)
	if sh.Status == 0 {
		return
	}
	fm := s.mediaLocked("tv", sh.TmdbID)
	fm.status = sh.Status
	for _, se := range sh.Seasons {
		if se.Status != 0 {
			fm.seasons[se.Number] = se.Status
		}
	}
}

// SetMediaStatus sets the media status of the title(s) with tmdbID, as
// Overseerr's Plex sync does, and starts tracking them if needed. Marking a
// show available marks all its seasons available. Making a title available
// sends MEDIA_AVAILABLE for its approved requests when a webhook is set.
func (s *Server) SetMediaStatus(tmdbID int64, status overseerr.MediaStatus) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	for _, typ := range []string{"movie", "tv"} {
		if !s.inCatalogueLocked(typ, tmdbID) {
			continue
		}
		found = true
		fm := s.mediaLocked(typ, tmdbID)
		fm.status = status
		fm.updated = s.now()
		if typ == "tv" && status == overseerr.MediaAvailable {
			for _, se := range s.showLocked(tmdbID).Seasons {
				fm.seasons[se.Number] = overseerr.MediaAvailable
			}
		}
		if status == overseerr.MediaAvailable {
			for _, r := range s.requests {
				if r.media == fm && r.status == overseerr.RequestApproved {
					s.notifyLocked(overseerr.NotifyMediaAvailable, r)
				}
			}
		}
	}
	if !found {
		s.t.Fatalf("overseerrtest: SetMediaStatus: no movie or show %d in the catalogue", tmdbID)
	}
}

// SetSeasonStatus sets one season's status of a show.
func (s *Server) SetSeasonStatus(tmdbID int64, season int, status overseerr.MediaStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fm := s.mediaLocked("tv", tmdbID)
	fm.seasons[season] = status
	fm.updated = s.now()
}

type mediaKey struct {
	typ  string
	tmdb int64
}

// fakeMedia is Overseerr's Media row.
type fakeMedia struct {
	id       int64
	typ      string
	tmdb     int64
	tvdb     int64
	status   overseerr.MediaStatus
	status4k overseerr.MediaStatus
	seasons  map[int]overseerr.MediaStatus
	created  time.Time
	updated  time.Time
}

// mediaLocked returns the Media row of a title, creating it (UNKNOWN).
func (s *Server) mediaLocked(typ string, tmdb int64) *fakeMedia {
	k := mediaKey{typ, tmdb}
	if m, ok := s.media[k]; ok {
		return m
	}
	now := s.now()
	m := &fakeMedia{id: s.nextMedia, typ: typ, tmdb: tmdb, status: overseerr.MediaUnknown, status4k: overseerr.MediaUnknown,
		seasons: map[int]overseerr.MediaStatus{}, created: now, updated: now}
	if typ == "tv" {
		m.tvdb = 100000 + tmdb
	}
	s.nextMedia++
	s.media[k] = m
	return m
}

func (s *Server) inCatalogueLocked(typ string, tmdb int64) bool {
	if typ == "movie" {
		return s.movieLocked(tmdb) != nil
	}
	return s.showLocked(tmdb) != nil
}

func (s *Server) movieLocked(id int64) *Movie {
	for _, m := range s.movies {
		if m.TmdbID == id {
			return m
		}
	}
	return nil
}

func (s *Server) showLocked(id int64) *Show {
	for _, sh := range s.shows {
		if sh.TmdbID == id {
			return sh
		}
	}
	return nil
}

// titleLocked returns a title's name and date.
func (s *Server) titleLocked(typ string, tmdb int64) (string, string, string) {
	if typ == "movie" {
		if m := s.movieLocked(tmdb); m != nil {
			return m.Title, m.ReleaseDate, m.PosterPath
		}
	} else if sh := s.showLocked(tmdb); sh != nil {
		return sh.Name, sh.FirstAirDate, sh.PosterPath
	}
	return "", "", ""
}

// mediaJSON renders a Media row with Overseerr's full field set; requests
// are included when withRequests (the details routes load them).
func (s *Server) mediaJSON(m *fakeMedia, withRequests bool) map[string]any {
	seasons := []map[string]any{}
	nums := make([]int, 0, len(m.seasons))
	for n := range m.seasons {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for i, n := range nums {
		seasons = append(seasons, map[string]any{
			"id": m.id*100 + int64(i), "seasonNumber": n, "status": int(m.seasons[n]), "status4k": 1,
			"createdAt": stamp(m.created), "updatedAt": stamp(m.updated),
		})
	}
	var tvdb any
	if m.tvdb != 0 {
		tvdb = m.tvdb
	}
	var ratingKey, addedAt any
	if m.status == overseerr.MediaAvailable || m.status == overseerr.MediaPartiallyAvailable {
		ratingKey = strconv.FormatInt(100+m.id, 10)
		addedAt = stamp(m.updated)
	}
	out := map[string]any{
		"id": m.id, "mediaType": m.typ, "tmdbId": m.tmdb, "tvdbId": tvdb, "imdbId": nil,
		"status": int(m.status), "status4k": int(m.status4k),
		"createdAt": stamp(m.created), "updatedAt": stamp(m.updated), "lastSeasonChange": stamp(m.created),
		"mediaAddedAt": addedAt, "serviceId": nil, "serviceId4k": nil, "externalServiceId": nil,
		"externalServiceId4k": nil, "externalServiceSlug": nil, "externalServiceSlug4k": nil,
		"ratingKey": ratingKey, "ratingKey4k": nil, "downloadStatus": []any{}, "downloadStatus4k": []any{},
		"seasons": seasons,
	}
	if withRequests {
		reqs := []map[string]any{}
		for _, r := range s.sortedRequestsLocked() {
			if r.media == m {
				reqs = append(reqs, s.requestJSONLocked(r, false))
			}
		}
		out["requests"] = reqs
		out["issues"] = []any{}
	}
	return out
}

// trackedLocked returns the Media row of a title if Overseerr tracks it.
func (s *Server) trackedLocked(typ string, tmdb int64) *fakeMedia {
	return s.media[mediaKey{typ, tmdb}]
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("query") {
		validation(w, "query", "query")
		return
	}
	query := strings.ToLower(strings.TrimSpace(q.Get("query")))
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	match := func(title string, id int64) bool {
		if rest, ok := strings.CutPrefix(query, "tmdb:"); ok {
			return rest == strconv.FormatInt(id, 10)
		}
		return query != "" && strings.Contains(strings.ToLower(title), query)
	}
	var all []map[string]any
	for _, m := range s.movies {
		if match(m.Title, m.TmdbID) {
			res := map[string]any{
				"id": m.TmdbID, "mediaType": "movie", "title": m.Title, "originalTitle": m.Title,
				"releaseDate": m.ReleaseDate, "adult": false, "video": false, "popularity": 12.3,
				"voteCount": 1500, "voteAverage": 6.4, "genreIds": []int{16}, "overview": m.Overview,
				"originalLanguage": "en", "posterPath": nullable(m.PosterPath), "backdropPath": nullable(m.BackdropPath),
			}
			if fm := s.trackedLocked("movie", m.TmdbID); fm != nil {
				res["mediaInfo"] = s.mediaJSON(fm, false)
			}
			all = append(all, res)
		}
	}
	for _, sh := range s.shows {
		if match(sh.Name, sh.TmdbID) {
			res := map[string]any{
				"id": sh.TmdbID, "mediaType": "tv", "name": sh.Name, "originalName": sh.Name,
				"firstAirDate": sh.FirstAirDate, "originCountry": []string{"US"}, "popularity": 80.1,
				"voteCount": 20000, "voteAverage": 8.4, "genreIds": []int{18}, "overview": sh.Overview,
				"originalLanguage": "en", "posterPath": nullable(sh.PosterPath), "backdropPath": nullable(sh.BackdropPath),
			}
			if fm := s.trackedLocked("tv", sh.TmdbID); fm != nil {
				res["mediaInfo"] = s.mediaJSON(fm, false)
			}
			all = append(all, res)
		}
	}
	for _, p := range s.people {
		if match(p.Name, p.ID) {
			all = append(all, map[string]any{
				"id": p.ID, "mediaType": "person", "name": p.Name, "adult": false,
				"popularity": 3.2, "profilePath": "/person.jpg", "knownFor": []any{},
			})
		}
	}
	const per = 20
	total := len(all)
	pages := (total + per - 1) / per
	lo := min((page-1)*per, total)
	hi := min(lo+per, total)
	results := all[lo:hi]
	if results == nil {
		results = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"page": page, "totalPages": pages, "totalResults": total, "results": results,
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func genresJSON(names []string) []map[string]any {
	out := []map[string]any{}
	for i, n := range names {
		out = append(out, map[string]any{"id": 10 + i, "name": n})
	}
	return out
}
