package youtube

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"medianest/db"
	"medianest/db/dbtest"
)

// seed fills a database with users and n downloads of the given status,
// spread over the users, each with one item.
func seed(b *testing.B, d *db.DB, users, n int, status string) {
	b.Helper()
	ctx := context.Background()
	err := d.Write(ctx, func(tx *sql.Tx) error {
		for u := 1; u <= users; u++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (?, ?, 'local', 0, 0)`, u, "u"+idArg(int64(u))); err != nil {
				return err
			}
		}
		for i := 1; i <= n; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO downloads (id, user_id, url, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				i, i%users+1, "https://youtu.be/"+idArg(int64(i)), status, i, i); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO download_items (download_id, idx) VALUES (?, 1)`, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkClaim claims one job (and puts it back) with 10k queued among
// 50 users.
func BenchmarkClaim(b *testing.B) {
	d := dbtest.New(b)
	seed(b, d, 50, 10_000, StatusQueued)
	ctx := context.Background()
	now := time.Now()
	b.ResetTimer()
	for b.Loop() {
		var got Download
		err := d.Write(ctx, func(tx *sql.Tx) error {
			var ok bool
			var err error
			if got, ok, err = claim(ctx, tx, now); err != nil || !ok {
				b.Fatalf("claim: %v %v", ok, err)
			}
			_, err = tx.ExecContext(ctx, `UPDATE downloads SET status = 'queued' WHERE id = ?`, got.ID)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListUserDownloads lists a page of one user's downloads with
// 100k rows in the table (10 users), and reports the p99 of the query.
func BenchmarkListUserDownloads(b *testing.B) {
	d := dbtest.New(b)
	seed(b, d, 10, 100_000, StatusCompleted)
	s := NewStore(d)
	ctx := context.Background()
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		list, total, err := s.list(ctx, Filter{UserID: 3, Page: 7, PageSize: 20})
		times = append(times, time.Since(t0))
		if err != nil || len(list) != 20 || total != 10_000 {
			b.Fatalf("list: %d %d %v", len(list), total, err)
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
}
