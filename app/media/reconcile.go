package media

import (
	"context"
	"errors"
	"time"

	"medianest/app/apperr"
	"medianest/app/overseerr"
)

// reconcileBatch is how many open requests are read from the database at a
// time.
const reconcileBatch = 100

// RunReconcile refreshes the open requests from Overseerr every
// overseerr.reconcile_interval until ctx ends, so statuses converge even
// when the webhook is not set up or a notification was lost. An interval of
// 0 turns it off.
func (s *Requests) RunReconcile(ctx context.Context) {
	if s.cfg.ReconcileInterval <= 0 {
		return
	}
	t := time.NewTicker(s.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := s.ReconcileOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("media: reconcile requests with overseerr", "err", err, "updated", n)
		} else if n > 0 {
			s.log.Info("media: reconciled requests with overseerr", "updated", n)
		}
	}
}

// ReconcileOnce asks Overseerr for every open (pending, approved or
// processing) request and applies what it says through the same path as
// the webhook. It returns how many requests changed. A request Overseerr no
// longer has is marked failed: it will not complete. When Overseerr is not
// configured it does nothing; when it cannot be reached the round stops.
func (s *Requests) ReconcileOnce(ctx context.Context) (int, error) {
	conn, err := s.overseerrConn(ctx)
	if apperr.Is(err, apperr.Unavailable) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	changed := 0
	var after int64
	for {
		open, err := s.openRequests(ctx, after, reconcileBatch)
		if err != nil {
			return changed, err
		}
		for _, o := range open {
			after = o.id
			got, err := s.os.Request(ctx, conn, o.oid)
			var status string
			switch {
			case err == nil:
				status = requestStatus(got)
			case errors.Is(err, overseerr.ErrNotFound):
				status = StatusFailed
			case errors.Is(err, context.Canceled) || ctx.Err() != nil:
				return changed, ctx.Err()
			default:
				// Overseerr is down or unwell; the next round tries again.
				return changed, err
			}
			_, ch, err := s.setStatus(ctx, o.id, status, fromOverseerr)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return changed, err
			}
			if ch {
				changed++
			}
		}
		if len(open) < reconcileBatch {
			return changed, nil
		}
	}
}
