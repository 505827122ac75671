package server

import (
	"context"
	"log/slog"
	"time"
)

// retentionEvery is how often old rows are pruned.
const retentionEvery = 24 * time.Hour

// pruner deletes the rows of one table older than a time and says how many
// went (audit.Recorder, notify.Service).
type pruner interface {
	Prune(ctx context.Context, before time.Time) (int64, error)
}

// retentionJob is one table and how long its rows are kept (0 = forever).
type retentionJob struct {
	table string
	keep  time.Duration
	p     pruner
}

// retention prunes tables that would otherwise grow for ever, at start and
// then daily. The ticker runs on real time; now says what "old" means.
type retention struct {
	log  *slog.Logger
	now  func() time.Time
	jobs []retentionJob
}

// worker is the retention job on the server's worker lifecycle. It prunes
// in Run, not Init: serving need not wait for a large first delete.
func (r retention) worker() Worker {
	return Worker{Name: "retention", Run: r.run}
}

func (r retention) run(ctx context.Context) error {
	r.once(ctx)
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			r.once(ctx)
		}
	}
}

// once prunes every table with a retention.
func (r retention) once(ctx context.Context) {
	for _, j := range r.jobs {
		if j.keep <= 0 {
			continue
		}
		n, err := j.p.Prune(ctx, r.now().Add(-j.keep))
		switch {
		case err != nil && ctx.Err() == nil:
			r.log.Warn("server: could not prune old rows", "table", j.table, "err", err)
		case err == nil && n > 0:
			r.log.Info("server: pruned old rows", "table", j.table, "count", n, "older_than", j.keep.String())
		case err == nil:
			r.log.Debug("server: pruned old rows", "table", j.table, "count", n)
		}
	}
}
