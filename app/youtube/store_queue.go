package youtube

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"medianest/app/apperr"
	"medianest/db"
)

// querier is what both the read pool and a write transaction offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// downloadCols are the columns scanDownload reads, from "downloads d".
const downloadCols = `d.id, d.user_id, d.url, d.kind, d.title, d.channel, d.thumbnail_url, d.quality,
	d.format, d.status, d.progress, d.bytes_downloaded, d.bytes_total, d.speed_bps, d.eta_seconds,
	d.error, d.attempts, d.created_at, d.started_at, d.completed_at, d.next_attempt_at, d.item_index,
	(SELECT count(*) FROM download_items i WHERE i.download_id = d.id),
	d.plex_collection_key, d.plex_collection_title,
	d.collection_pending OR EXISTS (SELECT 1 FROM download_items i WHERE i.download_id = d.id AND i.scan_pending = 1)`

type scanner interface{ Scan(dest ...any) error }

func scanDownload(sc scanner) (Download, error) {
	var d Download
	var eta, started, completed, next sql.NullInt64
	var created int64
	var key, title sql.NullString
	err := sc.Scan(&d.ID, &d.UserID, &d.URL, &d.Kind, &d.Title, &d.Channel, &d.ThumbnailURL, &d.Quality,
		&d.Format, &d.Status, &d.Progress, &d.BytesDownloaded, &d.BytesTotal, &d.SpeedBps, &eta,
		&d.Error, &d.Attempts, &created, &started, &completed, &next, &d.ItemIndex, &d.ItemCount,
		&key, &title, &d.PlexPending)
	if err != nil {
		return Download{}, err
	}
	if eta.Valid {
		d.EtaSeconds = &eta.Int64
	}
	d.CreatedAt = db.Time(created)
	d.StartedAt = db.NullTime(started)
	d.CompletedAt = db.NullTime(completed)
	d.NextAttemptAt = db.NullTime(next)
	if key.Valid {
		d.PlexCollection = &Collection{RatingKey: key.String, Title: title.String}
	}
	return d, nil
}

func errNoDownload(id int64) error {
	return apperr.New(apperr.NotFound, "No download %d.", id)
}

// getDownload loads download id with its items; NOT_FOUND when there is none.
func getDownload(ctx context.Context, q querier, id int64) (Download, error) {
	d, err := scanDownload(q.QueryRowContext(ctx, `SELECT `+downloadCols+` FROM downloads d WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Download{}, errNoDownload(id)
	}
	if err != nil {
		return Download{}, fmt.Errorf("youtube: load download %d: %w", id, err)
	}
	if d.Items, err = listItems(ctx, q, id); err != nil {
		return Download{}, err
	}
	return d, nil
}

func listItems(ctx context.Context, q querier, id int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT idx, video_id, title, status, progress, file_path, size_bytes, error
		FROM download_items WHERE download_id = ? ORDER BY idx`, id)
	if err != nil {
		return nil, fmt.Errorf("youtube: load items of %d: %w", id, err)
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.Index, &it.VideoID, &it.Title, &it.Status, &it.Progress, &it.FilePath, &it.SizeBytes, &it.Error); err != nil {
			return nil, fmt.Errorf("youtube: load items of %d: %w", id, err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Filter selects downloads for a listing; zero fields select everything.
type Filter struct {
	UserID   int64
	Status   string
	Page     int
	PageSize int
}

// sql is the listing's count and page statements; the page takes args,
// then LIMIT and OFFSET. The page's ids are picked from the index alone
// (the offset walks index entries, not rows); only the page's rows are then
// read.
func (f Filter) sql() (countQ, pageQ string, args []any) {
	where := ` WHERE 1 = 1`
	if f.UserID != 0 {
		where += ` AND d.user_id = ?`
		args = append(args, f.UserID)
	}
	if f.Status != "" {
		where += ` AND d.status = ?`
		args = append(args, f.Status)
	}
	return `SELECT count(*) FROM downloads d` + where,
		`SELECT ` + downloadCols + ` FROM downloads d WHERE d.id IN (SELECT d.id FROM downloads d` + where +
			` ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?) ORDER BY d.created_at DESC, d.id DESC`, args
}

// list returns one page of downloads matching f, newest first, and how
// many match in all.
func (s *Store) list(ctx context.Context, f Filter) ([]Download, int64, error) {
	countQ, pageQ, args := f.sql()
	total, err := s.totals.Get(countQ+fmt.Sprint(args...), func() (n int64, err error) {
		err = s.db.R.QueryRowContext(ctx, countQ, args...).Scan(&n)
		return n, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("youtube: count downloads: %w", err)
	}
	out := []Download{}
	if total == 0 || int64((f.Page-1)*f.PageSize) >= total {
		return out, total, nil
	}
	rows, err := s.db.R.QueryContext(ctx, pageQ, append(args, f.PageSize, (f.Page-1)*f.PageSize)...)
	if err != nil {
		return nil, 0, fmt.Errorf("youtube: list downloads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDownload(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("youtube: list downloads: %w", err)
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// insertDownload stores a new download with its items and returns its id.
// A second active download of the same URL for the same user breaks the
// unique index downloads_active_url: DUPLICATE_DOWNLOAD.
func insertDownload(ctx context.Context, tx *sql.Tx, d Download, items []Item, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO downloads (user_id, url, kind, title, channel, thumbnail_url,
		quality, format, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.UserID, d.URL, d.Kind, d.Title, d.Channel, d.ThumbnailURL, d.Quality, d.Format, d.Status,
		db.Millis(now), db.Millis(now))
	if db.IsUnique(err) {
		return 0, errDuplicate()
	}
	if err != nil {
		return 0, fmt.Errorf("youtube: store download: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	for _, it := range items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO download_items (download_id, idx, video_id, title) VALUES (?, ?, ?, ?)`,
			id, it.Index, it.VideoID, it.Title); err != nil {
			return 0, fmt.Errorf("youtube: store item: %w", err)
		}
	}
	return id, nil
}

func errDuplicate() error {
	return apperr.New(apperr.DuplicateDownload, "You are already downloading this URL.")
}

// activeDuplicate reports whether userID has an active download of url.
func activeDuplicate(ctx context.Context, q querier, userID int64, url string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM downloads WHERE user_id = ? AND url = ? AND status IN `+activeStatuses, userID, url).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("youtube: duplicate check: %w", err)
	}
	return n > 0, nil
}

// createdSince counts userID's downloads created at or after since (the
// hourly quota: declined ones do not count) and returns the oldest one's
// creation time.
func createdSince(ctx context.Context, q querier, userID int64, since time.Time) (int, *time.Time, error) {
	var n int
	var oldest sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT count(*), min(created_at) FROM downloads
		WHERE user_id = ? AND created_at >= ? AND status != 'declined'`, userID, db.Millis(since)).Scan(&n, &oldest)
	if err != nil {
		return 0, nil, fmt.Errorf("youtube: quota: %w", err)
	}
	return n, db.NullTime(oldest), nil
}

// storedBytes is StoredBytes through q.
func storedBytes(ctx context.Context, q querier, userID int64) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(sum(i.size_bytes), 0) FROM download_items i JOIN downloads d ON d.id = i.download_id
		WHERE i.status = 'completed' AND i.file_path != '' AND d.user_id = ?`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("youtube: stored bytes: %w", err)
	}
	return n, nil
}

// claim takes the next runnable queued download for a worker: that of the
// user served least recently (round-robin between users), oldest first
// within one user. It marks it downloading, counts the attempt and gives
// its user the newest turn. ok is false when nothing is runnable.
func claim(ctx context.Context, tx *sql.Tx, now time.Time) (d Download, ok bool, err error) {
	var id, userID int64
	err = tx.QueryRowContext(ctx, `SELECT d.id, d.user_id FROM downloads d
		LEFT JOIN download_turns t ON t.user_id = d.user_id
		WHERE d.status = 'queued' AND coalesce(d.next_attempt_at, 0) <= ?
		ORDER BY coalesce(t.turn, 0), d.created_at, d.id LIMIT 1`, db.Millis(now)).Scan(&id, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return Download{}, false, nil
	}
	if err != nil {
		return Download{}, false, fmt.Errorf("youtube: claim: %w", err)
	}
	ms := db.Millis(now)
	if _, err = tx.ExecContext(ctx, `UPDATE downloads SET status = 'downloading', attempts = attempts + 1,
		started_at = coalesce(started_at, ?), next_attempt_at = NULL, updated_at = ? WHERE id = ?`, ms, ms, id); err != nil {
		return Download{}, false, fmt.Errorf("youtube: claim: %w", err)
	}
	if _, err = tx.ExecContext(ctx, `INSERT INTO download_turns (user_id, turn)
		VALUES (?, (SELECT coalesce(max(turn), 0) + 1 FROM download_turns))
		ON CONFLICT (user_id) DO UPDATE SET turn = excluded.turn`, userID); err != nil {
		return Download{}, false, fmt.Errorf("youtube: claim: %w", err)
	}
	d, err = getDownload(ctx, tx, id)
	return d, err == nil, err
}

// otherUserWaiting reports whether a download of someone other than userID
// is runnable now: a playlist then goes back to the queue between items.
func (s *Store) otherUserWaiting(ctx context.Context, userID int64, now time.Time) (bool, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM downloads WHERE status = 'queued'
		AND user_id != ? AND coalesce(next_attempt_at, 0) <= ?)`, userID, db.Millis(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("youtube: queue check: %w", err)
	}
	return n == 1, nil
}

// requeueInterrupted puts downloads (and items) left running by a crash or
// a shutdown back in the queue; they resume from the item they reached.
func (s *Store) requeueInterrupted(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE downloads SET status = 'queued', speed_bps = 0, eta_seconds = NULL, updated_at = ?
			WHERE status IN ('downloading', 'processing')`, db.Millis(now))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `UPDATE download_items SET status = 'queued', progress = 0
			WHERE status IN ('downloading', 'processing')`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("youtube: requeue interrupted downloads: %w", err)
	}
	return n, nil
}

// running is the condition of every update a worker makes: once a
// download was cancelled or deleted under it, the worker's writes miss.
const running = ` AND status IN ('downloading', 'processing')`

// update runs q on download id in a write transaction, guarded by cond,
// together with the item statements after it, and reports whether the
// download matched. The extra statements run only when it did.
func (s *Store) update(ctx context.Context, id int64, q string, args []any, then ...stmt) (bool, error) {
	ok, _, err := s.change(ctx, id, false, q, args, then...)
	return ok, err
}

// updateGet is update that also returns the download as the transaction
// left it: once it commits, a worker may claim the download and change it.
func (s *Store) updateGet(ctx context.Context, id int64, q string, args []any, then ...stmt) (Download, bool, error) {
	ok, d, err := s.change(ctx, id, true, q, args, then...)
	return d, ok, err
}

func (s *Store) change(ctx context.Context, id int64, read bool, q string, args []any, then ...stmt) (ok bool, d Download, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if ok = n > 0; !ok {
			return nil
		}
		for _, st := range then {
			if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
				return err
			}
		}
		if read {
			d, err = getDownload(ctx, tx, id)
		}
		return err
	})
	if err != nil {
		return false, Download{}, fmt.Errorf("youtube: update download %d: %w", id, err)
	}
	return ok, d, nil
}

// stmt is one statement with its arguments.
type stmt struct {
	q    string
	args []any
}

func itemStmt(id int64, idx int, set string, args ...any) stmt {
	return stmt{q: `UPDATE download_items SET ` + set + ` WHERE download_id = ? AND idx = ?`, args: append(args, id, idx)}
}

func idArg(id int64) string { return strconv.FormatInt(id, 10) }
