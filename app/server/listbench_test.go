package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"medianest/app/principal"
	"medianest/app/server"
	"medianest/db"
)

// Sizes of the seeded database: the scale DESIGN's list targets are set at.
const (
	seedUsers         = 10_000
	seedRequests      = 100_000
	seedNotifications = 100_000
	seedAudit         = 100_000
	seedDownloads     = 100_000
	seedChecks        = 1_000_000 // service_checks: four services every 30 s for 87 days
	// The signed-in admin owns this share of the requests, notifications and
	// downloads, so that its own lists have a page 1000.
	seedOwnShare = 4
)

// seed fills d to the sizes above divided by scale.
// owner gets every seedOwnShare-th row; the others are spread over the
// other users.
func seed(tb testing.TB, d *db.DB, owner int64, scale int) {
	tb.Helper()
	ctx := context.Background()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	statuses := []string{"pending", "approved", "declined", "processing", "available", "failed"}
	dlStatuses := []string{"queued", "completed", "failed", "cancelled", "completed", "completed"}
	actions := []string{"auth.login", "auth.logout", "user.update", "service.update", "request.approve", "auth.login_failed"}
	who := func(i int) int64 {
		if i%seedOwnShare == 0 {
			return owner
		}
		return int64(2 + i%(seedUsers/scale-1))
	}
	// One transaction per 10k rows: the writer's deadline bounds each.
	exec := func(q string, n int, args func(i int) []any) error {
		for from := 0; from < n; from += 10_000 {
			err := d.Write(ctx, func(tx *sql.Tx) error {
				st, err := tx.PrepareContext(ctx, q)
				if err != nil {
					return err
				}
				defer st.Close()
				for i := from; i < min(n, from+10_000); i++ {
					if _, err := st.ExecContext(ctx, args(i)...); err != nil {
						return fmt.Errorf("%s: %w", q, err)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	err := func() error {
		if err := exec(`INSERT INTO users (username, email, display_name, provider, created_at, updated_at) VALUES (?, ?, ?, 'plex', ?, ?)`,
			seedUsers/scale-1, func(i int) []any {
				return []any{fmt.Sprintf("user%05d", i), fmt.Sprintf("u%05d@example.org", i), fmt.Sprintf("Friend Number %d", i), base, base}
			}); err != nil {
			return err
		}
		if err := exec(`INSERT INTO media_requests (user_id, media_type, tmdb_id, title, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			seedRequests/scale, func(i int) []any {
				mt := "movie"
				if i%3 == 0 {
					mt = "tv"
				}
				at := base + int64(i)*60_000
				return []any{who(i), mt, 1000 + i, fmt.Sprintf("Title %d", i), statuses[i%len(statuses)], at, at}
			}); err != nil {
			return err
		}
		if err := exec(`INSERT INTO notifications (user_id, type, title, message, read, created_at) VALUES (?, 'request.available', ?, 'It is in Plex now.', ?, ?)`,
			seedNotifications/scale, func(i int) []any {
				return []any{who(i), fmt.Sprintf("Title %d is available", i), i % 3 / 2, base + int64(i/2)*60_000}
			}); err != nil {
			return err
		}
		if err := exec(`INSERT INTO audit_log (actor_id, actor_name, action, target, ip, created_at) VALUES (?, 'someone', ?, 'user:7', '192.0.2.1', ?)`,
			seedAudit/scale, func(i int) []any {
				// Two entries share each instant, so the id tie-break matters.
				return []any{who(i), actions[i%len(actions)], base + int64(i/2)*1000}
			}); err != nil {
			return err
		}
		if err := exec(`INSERT INTO downloads (user_id, url, title, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			seedDownloads/scale, func(i int) []any {
				at := base + int64(i)*60_000
				return []any{who(i), fmt.Sprintf("https://www.youtube.com/watch?v=v%07d", i), fmt.Sprintf("Video %d", i), dlStatuses[i%len(dlStatuses)], at, at}
			}); err != nil {
			return err
		}
		services := []string{"plex", "overseerr", "uptime_kuma", "ytdlp"}
		checkStatuses := []string{"up", "up", "up", "degraded", "up", "down"}
		return exec(`INSERT INTO service_checks (service, checked_at, status, response_ms) VALUES (?, ?, ?, ?)`,
			seedChecks/scale, func(i int) []any {
				return []any{services[i%4], base + int64(i/4)*30_000, checkStatuses[i/4%len(checkStatuses)], 20 + i%50}
			})
	}()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkListEndpoints serves every list endpoint through the whole
// handler (middleware, cached Bearer session, store) over a seeded
// database, at page 1 and a deep page, and reports p50 and p99.
func BenchmarkListEndpoints(b *testing.B) {
	cfg, d, box, a := benchDeps(b)
	ctx := context.Background()
	admin, err := a.CreateLocalUser(ctx, "root", "a long enough password", "", principal.RoleAdmin)
	if err != nil {
		b.Fatal(err)
	}
	_, token, err := a.CreateToken(ctx, admin, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	seed(b, d, admin.ID, 1)
	s, err := server.New(ctx, cfg, d, server.Options{Version: "test", Box: box})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	paths := []string{
		"/api/v1/admin/audit?page=1",
		"/api/v1/admin/audit?page=1000",
		"/api/v1/admin/audit?action=auth.&page=1",
		"/api/v1/admin/audit?action=auth.&page=1000",
		"/api/v1/admin/audit?action=user.update&page=1000",
		"/api/v1/notifications?page=1",
		"/api/v1/notifications?page=500",
		"/api/v1/notifications?unread=true&page=1",
		"/api/v1/notifications?unread=true&page=200",
		"/api/v1/admin/users?page=1",
		"/api/v1/admin/users?page=400",
		"/api/v1/admin/users?search=user0042",
		"/api/v1/admin/users?search=friend&page=400",
		"/api/v1/dashboard/stats",
		"/api/v1/admin/stats",
		"/api/v1/dashboard/status",
		"/api/v1/media/requests?page=1",
		"/api/v1/media/requests?page=1000",
		"/api/v1/media/requests?status=pending&page=100",
		"/api/v1/admin/requests?page=1",
		"/api/v1/admin/requests?page=1000",
		"/api/v1/admin/requests?status=approved&page=500",
		"/api/v1/admin/downloads?page=1",
		"/api/v1/admin/downloads?page=1000",
		"/api/v1/admin/downloads?status=completed&page=1000",
	}
	for _, p := range paths {
		name := strings.ReplaceAll(strings.TrimPrefix(p, "/api/v1/"), "/", "_")
		b.Run(name, func(b *testing.B) {
			do := func() {
				r := httptest.NewRequest("GET", p, nil)
				r.RemoteAddr = "192.0.2.10:5555"
				r.Header.Set("Authorization", "Bearer "+token)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%s: %d %s", p, w.Code, w.Body)
				}
			}
			do() // warm the session and any cache, as a busy server has them
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				do()
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
}
