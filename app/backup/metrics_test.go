package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/backup"
	"medianest/db/dbtest"
)

// TestMetrics: the newest backup's time and size come from the directory
// (0 with none), and a scheduled backup that fails is counted.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	gauge := func(n string) float64 { return metrics.GetOrCreateGauge(n, nil).Get() }
	dir := filepath.Join(t.TempDir(), "backups")
	s := backup.New(dbtest.New(t), dir, 3, clock(), nil)
	if err := s.RefreshMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	if gauge("medianest_backup_last_success_timestamp_seconds") != 0 || gauge("medianest_backup_last_size_bytes") != 0 {
		t.Fatalf("with no backup: %v, %v", gauge("medianest_backup_last_success_timestamp_seconds"), gauge("medianest_backup_last_size_bytes"))
	}
	s.Create(ctx)
	f, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RefreshMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	if got := gauge("medianest_backup_last_success_timestamp_seconds"); got != float64(f.CreatedAt.Unix()) {
		t.Errorf("last success = %v, want %v", got, f.CreatedAt.Unix())
	}
	if got := gauge("medianest_backup_last_size_bytes"); got != float64(f.SizeBytes) || got == 0 {
		t.Errorf("last size = %v, want %v", got, f.SizeBytes)
	}

	// A file where the directory should be makes the schedule fail.
	blocked := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocked, nil, 0o600)
	failing := backup.New(dbtest.New(t), blocked, 3, clock(), nil)
	failures := metrics.GetOrCreateCounter(`medianest_backup_failures_total`)
	before := failures.Get()
	ticks := make(chan time.Time, 1)
	ticks <- time.Now()
	close(ticks)
	failing.Run(ctx, ticks)
	if got := failures.Get() - before; got != 1 {
		t.Errorf("failures went up by %d, want 1", got)
	}
}
