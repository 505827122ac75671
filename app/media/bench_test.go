package media

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/principal"

	"medianest/app/httpx"
	"medianest/app/overseerr"
	"medianest/db"
	"medianest/db/dbtest"
)

func searchPage() overseerr.SearchPage {
	sp := overseerr.SearchPage{Page: 1, TotalPages: 3, TotalResults: 57}
	for i := range 20 {
		r := overseerr.SearchResult{MediaType: "movie", TmdbID: int64(1000 + i), Title: fmt.Sprintf("Movie %d", i),
			Year: 2000 + i, Overview: "An overview of a movie that is a few words long.", PosterPath: fmt.Sprintf("/p%d.jpg", i)}
		if i%2 == 1 {
			r.MediaType = "tv"
		}
		if i%3 == 0 {
			r.Media = &overseerr.Media{Status: overseerr.MediaStatus(1 + i%5)}
		}
		sp.Results = append(sp.Results, r)
	}
	return sp
}

// BenchmarkMapSearchPage maps one 20-result Overseerr page to the API's
// results.
func BenchmarkMapSearchPage(b *testing.B) {
	sp := searchPage()
	ours := map[titleKey]bool{{"movie", 1002}: true, {"tv", 1005}: true}
	s := &Requests{links: newLinks("/medianest")}
	b.ReportAllocs()
	for b.Loop() {
		if len(s.mapResults(sp.Results, ours)) != 20 {
			b.Fatal("lost results")
		}
	}
}

// BenchmarkSearchCached is a search whose Overseerr page is cached: the
// requested-here lookup in a table of 100k requests, and the mapping.
func BenchmarkSearchCached(b *testing.B) {
	d := dbtest.New(b)
	fill(b, d, 100_000, 1000)
	s := &Requests{db: d}
	s.searches = newSearchCache(time.Now)
	sp := searchPage()
	s.searches.Add(searchKey{"movie", 1}, sp)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.Search(ctx, "Movie", 1)
		if err != nil || len(res.Results) != 20 {
			b.Fatal(err)
		}
	}
}

// fill inserts n requests spread over users (ids 1..users), in big
// transactions.
func fill(tb testing.TB, d *db.DB, n, users int) {
	tb.Helper()
	ctx := context.Background()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	err := d.Write(ctx, func(tx *sql.Tx) error {
		for u := 1; u <= users; u++ {
			if _, err := tx.Exec(`INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (?, ?, 'local', 0, 0)`,
				u, "user"+strconv.Itoa(u)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	statuses := []string{"pending", "approved", "processing", "available", "declined", "failed"}
	const batch = 20_000
	for start := 0; start < n; start += batch {
		err := d.Write(ctx, func(tx *sql.Tx) error {
			st, err := tx.Prepare(`INSERT INTO media_requests (user_id, media_type, tmdb_id, title, year, poster_url, seasons, status,
				overseerr_request_id, created_at, updated_at) VALUES (?, ?, ?, ?, 2010, '/p.jpg', '[]', ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := start; i < min(start+batch, n); i++ {
				typ := "movie"
				if i%4 == 0 {
					typ = "tv"
				}
				at := db.Millis(base.Add(time.Duration(i) * time.Minute))
				if _, err := st.Exec(1+i%users, typ, 1000+i%5000, "Title "+strconv.Itoa(i), statuses[i%len(statuses)], i+1, at, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkListUserRequests is GET /api/v1/media/requests (pages of 20)
// through the mux and the middleware, with 100k requests in the table:
// spread over 1000 users, and all of them one user's; and the admin's
// listing of everyone's. It reports the p99 of the runs; the target is
// p99 < 5 ms.
func BenchmarkListUserRequests(b *testing.B) {
	for _, c := range []struct {
		name  string
		users int
		query string
	}{
		{"spread", 1000, ""},
		{"one-user", 1, ""},
		{"one-user-status", 1, "?status=available"},
		{"one-user-page-100", 1, "?page=100"},
		{"admin-all", 1000, "admin"},
		{"admin-all-page-1000", 1000, "admin?page=1000"},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := dbtest.New(b)
			fill(b, d, 100_000, c.users)
			s := &Requests{db: d, users: &dbUsernames{db: d}}
			mux := http.NewServeMux()
			u := principal.User{ID: 1, Username: "user1", Role: principal.RoleAdmin}
			s.Routes(mux, fakeGuard{users: map[int64]principal.User{1: u}})
			h := httpx.Wrap(mux, httpx.Options{})
			path := "/api/v1/media/requests" + c.query
			if q, ok := strings.CutPrefix(c.query, "admin"); ok {
				path = "/api/v1/admin/requests" + q
			}
			durs := make([]time.Duration, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("X-Test-User", "1")
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				durs = append(durs, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			slices.Sort(durs)
			b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds())/1000, "p99-ms")
			b.Logf("p50 %v p90 %v p99 %v max %v n %d", durs[len(durs)/2], durs[len(durs)*9/10], durs[len(durs)*99/100], durs[len(durs)-1], len(durs))
		})
	}
}
