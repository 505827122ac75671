package auth

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"medianest/db/dbtest"
)

// BenchmarkUserSearchPlans compares ways to answer the admin's user search
// (rows of a page and the total) at 10k and 100k users, for a narrow term
// and one that matches every account: a LIKE scan with the total in a
// window, a LIKE scan counted by a second statement, and the trigram index
// (users_search) the same two ways.
func BenchmarkUserSearchPlans(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		d := dbtest.New(b)
		ctx := context.Background()
		for from := 0; from < n; from += 10_000 {
			err := d.Write(ctx, func(tx *sql.Tx) error {
				st, err := tx.PrepareContext(ctx, `INSERT INTO users (username, email, display_name, provider, created_at, updated_at) VALUES (?, ?, ?, 'plex', 0, 0)`)
				if err != nil {
					return err
				}
				defer st.Close()
				for i := from; i < from+10_000; i++ {
					if _, err := st.ExecContext(ctx, fmt.Sprintf("user%05d", i), fmt.Sprintf("u%05d@example.org", i), fmt.Sprintf("Friend Number %d", i)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		like := `(u.username LIKE ? ESCAPE '\' OR u.email LIKE ? ESCAPE '\' OR u.display_name LIKE ? ESCAPE '\')`
		fts := `u.id IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)`
		variants := []struct {
			name   string
			cond   string
			args   func(term string) []any
			window bool
		}{
			{"like-window", like, func(t string) []any { l := "%" + t + "%"; return []any{l, l, l} }, true},
			{"like-two", like, func(t string) []any { l := "%" + t + "%"; return []any{l, l, l} }, false},
			{"fts-window", fts, func(t string) []any { return []any{`"` + t + `"`} }, true},
			{"fts-two", fts, func(t string) []any { return []any{`"` + t + `"`} }, false},
			{"fts-rowid-page", "", func(t string) []any { return []any{`"` + t + `"`} }, false},
		}
		for _, term := range []struct {
			q    string
			page int
		}{{"user0042", 1}, {"friend", 400}} {
			for _, v := range variants {
				b.Run(fmt.Sprintf("users=%d/%s/%s", n, term.q, v.name), func(b *testing.B) {
					args := v.args(term.q)
					page := append(args, 20, (term.page-1)*20)
					countQ := `SELECT COUNT(*) FROM users u WHERE ` + v.cond
					pageQ := `SELECT ` + userCols + ` FROM users u WHERE ` + v.cond + ` ORDER BY u.id LIMIT ? OFFSET ?`
					if v.cond == "" { // the page's ids from the index in rowid order, which stops at the page
						countQ = `SELECT COUNT(*) FROM users_search WHERE users_search MATCH ?`
						pageQ = `SELECT ` + userCols + ` FROM users u WHERE u.id IN (SELECT rowid FROM users_search WHERE users_search MATCH ? ORDER BY rowid LIMIT ? OFFSET ?) ORDER BY u.id`
					}
					if v.window {
						pageQ = `SELECT ` + userCols + `, m.total FROM (SELECT u.id, count(*) OVER () AS total FROM users u WHERE ` + v.cond +
							` ORDER BY u.id LIMIT ? OFFSET ?) m JOIN users u ON u.id = m.id ORDER BY u.id`
					}
					var took []time.Duration
					for b.Loop() {
						start := time.Now()
						var total int64
						rows, err := d.R.QueryContext(ctx, pageQ, page...)
						if err != nil {
							b.Fatal(err)
						}
						got := 0
						for rows.Next() {
							got++
						}
						rows.Close()
						if !v.window {
							if err := d.R.QueryRowContext(ctx, countQ, args...).Scan(&total); err != nil {
								b.Fatal(err)
							}
						}
						if got == 0 {
							b.Fatal("no rows")
						}
						took = append(took, time.Since(start))
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
					b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
				})
			}
		}
	}
}
