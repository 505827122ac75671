package status

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"medianest/app/config"
	"medianest/db"
	"medianest/db/dbtest"
)

type check struct {
	service string
	ago     time.Duration
	status  string
}

func insertChecks(tb testing.TB, d *db.DB, now time.Time, checks []check) {
	tb.Helper()
	err := d.Write(context.Background(), func(tx *sql.Tx) error {
		stmt, err := tx.Prepare(`INSERT INTO service_checks (service, checked_at, status, response_ms, message) VALUES (?, ?, ?, 10, '')`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, c := range checks {
			if _, err := stmt.Exec(c.service, db.Millis(now.Add(-c.ago)), c.status); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func newTestPoller(tb testing.TB, now time.Time, historyDays int) (*Poller, *db.DB) {
	d := dbtest.New(tb)
	p := New(Deps{DB: d, Now: func() time.Time { return now },
		Config: config.Status{Interval: config.Duration(30 * time.Second), HistoryDays: historyDays}})
	return p, d
}

func TestUptime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := time.Hour
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name   string
		checks []check
		want   *float64
	}{
		{"no checks", nil, nil},
		{"all up", []check{{"plex", h, "up"}, {"plex", 2 * h, "up"}}, f(100)},
		{"all down", []check{{"plex", h, "down"}}, f(0)},
		{"three of four", []check{{"plex", h, "up"}, {"plex", 2 * h, "up"}, {"plex", 3 * h, "degraded"}, {"plex", 4 * h, "down"}}, f(75)},
		{"degraded counts as up", []check{{"plex", h, "degraded"}}, f(100)},
		{"disabled and unknown are left out", []check{{"plex", h, "up"}, {"plex", 2 * h, "disabled"}, {"plex", 3 * h, "unknown"}, {"plex", 4 * h, "down"}}, f(50)},
		{"only disabled", []check{{"plex", h, "disabled"}}, nil},
		{"older than a day is left out", []check{{"plex", h, "up"}, {"plex", 25 * h, "down"}, {"plex", 48 * h, "down"}}, f(100)},
		{"the window's edge is inside", []check{{"plex", h, "up"}, {"plex", 24 * h, "down"}}, f(50)},
		{"other services are left out", []check{{"plex", h, "up"}, {"overseerr", h, "down"}}, f(100)},
		{"two decimals, rounded down", []check{{"plex", h, "up"}, {"plex", 2 * h, "up"}, {"plex", 3 * h, "down"}}, f(66.66)},
		{"one failure in a day at 30 s", append(many("plex", 2879, "up"), check{"plex", h, "down"}), f(99.96)},
	}
	p, d := newTestPoller(t, now, 30)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := d.W.Exec(`DELETE FROM service_checks`); err != nil {
				t.Fatal(err)
			}
			insertChecks(t, d, now, tt.checks)
			w, err := p.loadWindow(context.Background(), "plex", now)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.uptime(now); !same(got, tt.want) {
				t.Fatalf("from the history: uptime = %v, want %v", show(got), show(tt.want))
			}
			// The same checks fed one by one, oldest first, as the
			// poller does.
			inc := newWindow()
			for i := len(tt.checks) - 1; i >= 0; i-- {
				if c := tt.checks[i]; c.service == "plex" {
					inc.add(now.Add(-c.ago), c.status)
				}
			}
			if got := inc.uptime(now); !same(got, tt.want) {
				t.Fatalf("incrementally: uptime = %v, want %v", show(got), show(tt.want))
			}
		})
	}
}

func many(service string, n int, status string) []check {
	out := make([]check, n)
	for i := range out {
		out[i] = check{service, time.Duration(i+1) * 30 * time.Second, status}
	}
	return out
}

func same(a, b *float64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func show(v *float64) any {
	if v == nil {
		return "null"
	}
	return *v
}

func TestPrune(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	p, d := newTestPoller(t, now, 7)
	insertChecks(t, d, now, []check{
		{"plex", time.Hour, "up"},
		{"plex", 6 * day, "up"},
		{"plex", 7*day - time.Minute, "down"},
		{"plex", 7*day + time.Minute, "down"},
		{"overseerr", 30 * day, "up"},
	})
	n, err := p.Prune(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("pruned %d rows, want 2", n)
	}
	var left int
	var oldest int64
	d.R.QueryRow(`SELECT COUNT(*), MIN(checked_at) FROM service_checks`).Scan(&left, &oldest)
	if left != 3 || db.Time(oldest).Before(now.Add(-7*day)) {
		t.Fatalf("%d rows left, oldest %s", left, db.Time(oldest))
	}
}

// TestRecordSkipsRepeatedDisabled: a service that stays disabled writes one
// row, when it becomes disabled.
func TestRecordSkipsRepeatedDisabled(t *testing.T) {
	now := time.Now()
	p, d := newTestPoller(t, now, 30)
	ctx := context.Background()
	for _, prev := range []string{StatusUnknown, StatusDisabled, StatusDisabled} {
		if err := p.record(ctx, Plex, now, result{status: StatusDisabled}, prev); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	d.R.QueryRow(`SELECT COUNT(*) FROM service_checks`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d rows", n)
	}
}

// TestWindowSlides feeds a day and a half of checks and compares the
// in-memory window with the history at every step.
func TestWindowSlides(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p, d := newTestPoller(t, start, 30)
	ctx := context.Background()
	w := newWindow()
	step := 10 * time.Minute
	for i := range 216 { // 36 hours
		at := start.Add(time.Duration(i) * step)
		st := StatusUp
		switch {
		case i%7 == 0:
			st = StatusDown
		case i%11 == 0:
			st = StatusDisabled
		case i%13 == 0:
			st = StatusDegraded
		}
		insertChecks(t, d, at, []check{{"plex", 0, st}})
		w.add(at, st)
		got := w.uptime(at)
		want, err := p.loadWindow(ctx, "plex", at)
		if err != nil {
			t.Fatal(err)
		}
		if !same(got, want.uptime(at)) {
			t.Fatalf("step %d: window %v, history %v", i, show(got), show(want.uptime(at)))
		}
	}
	if n := len(w.at) - w.start; n > 24*6+1 {
		t.Fatalf("the window holds %d checks, more than a day", n)
	}
}

// checks30Days is 30 days of checks at the default 30 s interval (86 400
// rows) for each of two services, about 1 % of them down.
func checks30Days() []check {
	var checks []check
	for _, svc := range []string{"plex", "overseerr"} {
		for i := range 86400 {
			st := "up"
			if i%97 == 0 {
				st = "down"
			}
			checks = append(checks, check{svc, time.Duration(i) * 30 * time.Second, st})
		}
	}
	return checks
}

// BenchmarkUptimeLoad30Days reads a service's last 24 hours out of 30 days
// of history: what the poller does once per service at start.
func BenchmarkUptimeLoad30Days(b *testing.B) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p, d := newTestPoller(b, now, 30)
	insertChecks(b, d, now, checks30Days())
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w, err := p.loadWindow(ctx, "plex", now)
		if err != nil || w.uptime(now) == nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUptimeCheck is the per-check cost once loaded: add the new
// check, let the oldest fall out, compute the percentage.
func BenchmarkUptimeCheck(b *testing.B) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p, d := newTestPoller(b, now, 30)
	insertChecks(b, d, now, checks30Days())
	w, err := p.loadWindow(context.Background(), "plex", now)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	at := now
	for i := 0; b.Loop(); i++ {
		at = at.Add(30 * time.Second)
		st := StatusUp
		if i%97 == 0 {
			st = StatusDown
		}
		w.add(at, st)
		if w.uptime(at) == nil {
			b.Fatal("empty")
		}
	}
}
