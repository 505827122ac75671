package server

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"medianest/app/audit"
	"medianest/app/notify"
	"medianest/db/dbtest"
)

// A retention pass deletes the audit entries and notifications older than
// their retention, counted back from the injected clock, keeps a table
// whose retention is 0, and logs how many rows went.
func TestRetentionPrunesOldRows(t *testing.T) {
	d := dbtest.New(t)
	if _, err := d.W.Exec(`INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (1, 'u', 'local', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var at time.Time
	clock := func() time.Time { return at }
	rec := audit.New(d, clock)
	ntf := notify.New(d, nil, clock)
	ctx := context.Background()
	for _, age := range []time.Duration{400 * 24 * time.Hour, 366 * 24 * time.Hour, 100 * 24 * time.Hour, time.Hour} {
		at = now.Add(-age)
		rec.Record(ctx, audit.Entry{Action: "test.entry"})
		if _, err := ntf.Notify(ctx, 1, notify.Notification{Type: notify.DownloadCompleted, Title: "Done"}); err != nil {
			t.Fatal(err)
		}
	}
	logs := &Records{}
	r := retention{log: slog.New(logs), now: func() time.Time { return now }, jobs: []retentionJob{
		{table: "audit_log", keep: 365 * 24 * time.Hour, p: rec},
		{table: "notifications", keep: 90 * 24 * time.Hour, p: ntf},
	}}
	r.once(ctx)
	if _, total, err := rec.List(ctx, 1, 10, ""); err != nil || total != 2 {
		t.Fatalf("audit entries left: %d (%v), want the 2 younger than a year", total, err)
	}
	if p, err := ntf.List(ctx, 1, false, 1, 10); err != nil || p.Total != 1 {
		t.Fatalf("notifications left: %d (%v), want the 1 younger than 90 days", p.Total, err)
	}
	for _, want := range []string{"table=audit_log count=2", "table=notifications count=3"} {
		if len(logs.Matching("INFO server: pruned old rows", want)) == 0 {
			t.Errorf("no INFO line with %q in %q", want, logs.Matching())
		}
	}

	// Retention 0 keeps everything.
	r.jobs[0].keep = 0
	now = now.Add(10 * 365 * 24 * time.Hour)
	r.once(ctx)
	if _, total, _ := rec.List(ctx, 1, 10, ""); total != 2 {
		t.Fatalf("audit entries left with retention 0: %d, want 2", total)
	}
}

// fakePruner records the cut-offs it was asked for.
type fakePruner struct {
	mu   sync.Mutex
	cuts []time.Time
	err  error
}

func (f *fakePruner) Prune(_ context.Context, before time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cuts = append(f.cuts, before)
	return 1, f.err
}

func (f *fakePruner) calls() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.cuts)
}

// The retention worker prunes once when it starts and then every day, and
// a failing table is logged without stopping the others.
func TestRetentionRunsAtStartAndDaily(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logs := &Records{}
		keep := 90 * 24 * time.Hour
		good, bad, off := &fakePruner{}, &fakePruner{err: errors.New("disk I/O error")}, &fakePruner{}
		r := retention{log: slog.New(logs), now: time.Now, jobs: []retentionJob{
			{table: "broken", keep: keep, p: bad},
			{table: "notifications", keep: keep, p: good},
			{table: "kept", keep: 0, p: off},
		}}
		w := r.worker()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- w.Run(ctx) }()
		synctest.Wait()
		if got := good.calls(); !slices.Equal(got, []time.Time{start.Add(-keep)}) {
			t.Fatalf("at start: cut-offs %v, want one at %v", got, start.Add(-keep))
		}
		time.Sleep(retentionEvery - time.Second)
		synctest.Wait()
		if n := len(good.calls()); n != 1 {
			t.Fatalf("%d passes before a day went by, want 1", n)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := good.calls(); len(got) != 2 || !got[1].Equal(start.Add(retentionEvery-keep)) {
			t.Fatalf("after a day: cut-offs %v", got)
		}
		if len(bad.calls()) != 2 || len(off.calls()) != 0 {
			t.Fatalf("broken table tried %d times, kept table %d times", len(bad.calls()), len(off.calls()))
		}
		if len(logs.Matching("WARN server: could not prune old rows", "table=broken", "disk I/O error")) == 0 {
			t.Errorf("the failing table was not logged: %q", logs.Matching())
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}
