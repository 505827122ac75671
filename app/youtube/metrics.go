package youtube

import (
	"context"
	"fmt"

	"github.com/VictoriaMetrics/metrics"

	"medianest/db"
)

// The download metrics. Their HELP text is in the server's table with the
// others. Every label value exists from the start, at 0, so a dashboard or
// an alert on a failure kind works before the first failure.
var (
	downloadAttempts  = metrics.NewCounter(`medianest_download_attempts_total`)
	downloadBytes     = metrics.NewCounter(`medianest_download_bytes_total`)
	plexScanFailures  = metrics.NewCounter(`medianest_plex_scan_failures_total`)
	failedTransient   = metrics.NewCounter(`medianest_download_failures_total{kind="transient"}`)
	failedPermanent   = metrics.NewCounter(`medianest_download_failures_total{kind="permanent"}`)
	failedCancelled   = metrics.NewCounter(`medianest_download_failures_total{kind="cancelled"}`)
	waitingOrRunning  = []string{StatusPendingApproval, StatusQueued, StatusDownloading, StatusProcessing}
	queueDepthByState = func() map[string]*metrics.Gauge {
		m := map[string]*metrics.Gauge{}
		for _, st := range waitingOrRunning {
			m[st] = metrics.NewGauge(fmt.Sprintf(`medianest_downloads{status=%q}`, st), nil)
		}
		return m
	}()
)

const queueDepthQuery = `SELECT status, count(*) FROM downloads WHERE status IN ` + activeStatuses + ` GROUP BY status`

// RefreshQueueMetrics sets medianest_downloads{status} from the database,
// for the statuses of downloads that are waiting or running. It reads the
// downloads_status index over those few statuses only, so a scrape costs
// the same with 100 or 100,000 finished downloads behind it.
func (s *Store) RefreshQueueMetrics(ctx context.Context) error {
	m, err := db.Counts[string](ctx, s.db.R, queueDepthQuery)
	if err != nil {
		return fmt.Errorf("youtube: count the queue: %w", err)
	}
	for st, g := range queueDepthByState {
		g.Set(float64(m[st]))
	}
	return nil
}
