package youtube

import (
	"context"
	"database/sql"
	"path/filepath"
	"time"

	"medianest/db"
)

// maxPlexAttempts is how often a collection is tried before it is given up
// (logged); by then Plex has had hours to pick the files up.
const maxPlexAttempts = 10

// followUp retries, every youtube PlexRetry, the Plex scans and
// collections that failed. A Plex failure never fails a download: the
// files are complete, and the Download says plexPending meanwhile.
func (s *Service) followUp(ctx context.Context) {
	if s.lib == nil {
		return
	}
	t := time.NewTicker(s.cfg.PlexRetry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.retryPlex(ctx)
		}
	}
}

// retryPlex makes one pass over the pending scans and collections.
func (s *Service) retryPlex(ctx context.Context) {
	scans, err := s.pendingScans(ctx)
	if err != nil {
		s.log.Warn("youtube: list pending plex scans", "err", err)
	}
	changed := map[int64]bool{}
	for _, p := range scans {
		abs := filepath.Join(s.cfg.DownloadDir, filepath.FromSlash(p.file))
		if s.scan(ctx, p.id, abs) {
			continue
		}
		if err := s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE download_items SET scan_pending = 0 WHERE download_id = ? AND idx = ?`, p.id, p.idx)
			return err
		}); err != nil {
			s.log.Warn("youtube: clear pending plex scan", "download", p.id, "err", err)
			continue
		}
		changed[p.id] = true
	}
	ids, err := s.pendingCollections(ctx, s.now())
	if err != nil {
		s.log.Warn("youtube: list pending plex collections", "err", err)
	}
	for _, id := range ids {
		d, err := getDownload(ctx, s.db.R, id)
		if err != nil {
			continue
		}
		c, pending := s.collect(ctx, d)
		if err := s.write(ctx, func(tx *sql.Tx) error {
			if !pending {
				var key, title any
				if c != nil {
					key, title = c.RatingKey, c.Title
				}
				_, err := tx.ExecContext(ctx, `UPDATE downloads SET collection_pending = 0, plex_next_at = NULL,
					plex_collection_key = coalesce(?, plex_collection_key), plex_collection_title = coalesce(?, plex_collection_title)
					WHERE id = ?`, key, title, id)
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `UPDATE downloads SET plex_attempts = plex_attempts + 1 WHERE id = ? RETURNING plex_attempts`, id).Scan(&n); err != nil {
				return err
			}
			if n >= maxPlexAttempts {
				s.log.Warn("youtube: giving up on the plex collection", "download", id, "attempts", n)
				_, err := tx.ExecContext(ctx, `UPDATE downloads SET collection_pending = 0, plex_next_at = NULL WHERE id = ?`, id)
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE downloads SET plex_next_at = ? WHERE id = ?`, db.Millis(s.now().Add(s.plexBackoff(n))), id)
			return err
		}); err != nil {
			s.log.Warn("youtube: record plex collection", "download", id, "err", err)
			continue
		}
		changed[id] = !pending || changed[id]
	}
	for id, ok := range changed {
		if ok {
			s.announce(ctx, id)
		}
	}
}

type pendingScan struct {
	id   int64
	idx  int
	file string
}

func (s *Store) pendingScans(ctx context.Context) ([]pendingScan, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT download_id, idx, file_path FROM download_items
		WHERE scan_pending = 1 AND file_path != '' ORDER BY download_id, idx LIMIT 100`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pendingScan
	for rows.Next() {
		var p pendingScan
		if err := rows.Scan(&p.id, &p.idx, &p.file); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Store) pendingCollections(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id FROM downloads WHERE collection_pending = 1
		AND status = 'completed' AND coalesce(plex_next_at, 0) <= ? ORDER BY id LIMIT 100`, db.Millis(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
