package backup

import (
	"context"

	"github.com/VictoriaMetrics/metrics"
)

var (
	lastSuccess = metrics.NewGauge(`medianest_backup_last_success_timestamp_seconds`, nil)
	lastSize    = metrics.NewGauge(`medianest_backup_last_size_bytes`, nil)
	failures    = metrics.NewCounter(`medianest_backup_failures_total`)
)

// RefreshMetrics sets the newest backup's time and size from the backup
// directory, so they count backups made by the CLI or before a restart
// as well as the schedule's (0 when there is none). Listing a directory of
// backup.keep files is cheap enough for every scrape.
func (s *Service) RefreshMetrics(ctx context.Context) error {
	files, err := s.List(ctx)
	if err != nil {
		return err
	}
	at, size := 0.0, 0.0
	if len(files) > 0 {
		at = float64(files[0].CreatedAt.UnixMilli()) / 1000
		size = float64(files[0].SizeBytes)
	}
	lastSuccess.Set(at)
	lastSize.Set(size)
	return nil
}
