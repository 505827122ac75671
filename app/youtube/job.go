package youtube

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"medianest/app/notify"
	"medianest/app/ytdlp"
	"medianest/db"
)

// runJob downloads the items of d that are not done yet, in order, then
// finishes it. Between items it hands a playlist back to the queue when
// another user's download is waiting, so that one user's playlist does not
// hold everyone else back.
func (s *Service) runJob(ctx context.Context, d Download) {
	jctx, j := s.startJob(ctx, d.ID)
	defer s.endJob(d.ID, j)
	// Each run has a folder of its own: a download handed back to the queue
	// may be claimed by another worker before this one has cleaned up.
	tmp := filepath.Join(s.incompleteDir(), fmt.Sprintf("%d-%d", d.ID, s.runs.Add(1)))
	// The partial files go before the status says the run is over, so a
	// finished, failed or requeued download has none left.
	clean := func() { _ = os.RemoveAll(tmp) }
	defer clean()
	// Writes after the job's context ended (a shutdown) must still land.
	wctx := context.WithoutCancel(ctx)
	s.publishUpdated(s.withName(ctx, d))

	ran := 0
	for i, it := range d.Items {
		if it.Status != StatusQueued {
			continue
		}
		if ran > 0 {
			if wait, err := s.otherUserWaiting(wctx, d.UserID, s.now()); err == nil && wait {
				clean()
				s.handBack(wctx, d.ID, true)
				s.kick()
				return
			}
		}
		ran++
		res, err := s.runItem(jctx, d, i, tmp)
		clean()
		if cause := context.Cause(jctx); cause != nil {
			switch {
			case errors.Is(cause, errCancelled), errors.Is(cause, errDeleted):
				// The status was set by whoever stopped it.
			default: // shutdown
				s.handBack(wctx, d.ID, true)
			}
			return
		}
		if errors.Is(err, errGone) {
			return
		}
		if err != nil {
			if !s.itemFailed(wctx, &d, i, err) {
				return
			}
			continue
		}
		if !s.itemDone(wctx, &d, i, res) {
			return
		}
	}
	s.finish(wctx, d)
}

// errGone: the download stopped being this worker's (cancelled, deleted)
// before its next item started.
var errGone = errors.New("youtube: download no longer running")

// runItem downloads item i of d (a whole video when d is one).
func (s *Service) runItem(ctx context.Context, d Download, i int, tmp string) (ytdlp.Result, error) {
	it := d.Items[i]
	ok, err := s.update(ctx, d.ID, `UPDATE downloads SET item_index = ?, error = '', updated_at = ? WHERE id = ?`+running,
		[]any{it.Index, db.Millis(s.now()), d.ID}, itemStmt(d.ID, it.Index, `status = 'downloading', progress = 0, error = ''`))
	if err != nil || !ok {
		if err == nil {
			err = errGone
		}
		return ytdlp.Result{}, err
	}
	downloadAttempts.Inc()
	s.announce(ctx, d.ID)
	if err := os.RemoveAll(tmp); err != nil {
		return ytdlp.Result{}, fmt.Errorf("youtube: clear %s: %w", tmp, err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return ytdlp.Result{}, fmt.Errorf("youtube: create %s: %w", tmp, err)
	}
	p := s.newProgress(ctx, d, i)
	job := ytdlp.Job{
		URL: d.URL, Dir: s.cfg.DownloadDir, TempDir: tmp,
		Quality: d.Quality, Format: d.Format, MaxFilesize: s.cfg.MaxFilesize,
		Progress: p.observe,
	}
	if d.Kind == "playlist" {
		job.Item = it.Index
	}
	rctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	res, err := s.dl.Download(rctx, job)
	if err != nil && ctx.Err() == nil && rctx.Err() != nil {
		err = &ytdlp.Error{Kind: ytdlp.Permanent, Msg: fmt.Sprintf("The download took longer than the %s allowed.", s.cfg.Timeout), Detail: err.Error()}
	}
	if err == nil && len(res.Files) == 0 {
		err = &ytdlp.Error{Kind: ytdlp.Permanent, Msg: "yt-dlp finished without producing a file."}
	}
	return res, err
}

// itemFailed records a failed run of item i. A passing failure queues the
// download again after a backoff (or fails it after youtube.max_attempts);
// a lasting one fails a video, and for a playlist fails just that item.
// It reports whether the worker goes on with the next item.
func (s *Service) itemFailed(ctx context.Context, d *Download, i int, err error) bool {
	ye, ok := errors.AsType[*ytdlp.Error](err)
	if !ok {
		ye = &ytdlp.Error{Kind: ytdlp.Transient, Msg: "The download failed for a reason that may pass; it will be tried again.", Detail: err.Error()}
	}
	s.log.Warn("youtube: download failed", "download", d.ID, "item", d.Items[i].Index, "kind", ye.Kind, "attempt", d.Attempts, "err", err)
	now := s.now()
	idx := d.Items[i].Index
	lasting := ye.Kind == ytdlp.Permanent || ye.Kind == ytdlp.TooLarge
	if lasting {
		failedPermanent.Inc()
	} else {
		failedTransient.Inc()
	}
	switch {
	case lasting:
		if d.Kind == "playlist" && len(d.Items) > 1 {
			s.update(ctx, d.ID, `UPDATE downloads SET updated_at = ? WHERE id = ?`+running, []any{db.Millis(now), d.ID},
				itemStmt(d.ID, idx, `status = 'failed', error = ?`, ye.Msg))
			d.Items[i].Status, d.Items[i].Error = StatusFailed, ye.Msg
			s.announce(ctx, d.ID)
			return true
		}
		s.fail(ctx, *d, ye.Msg)
	case d.Attempts >= s.cfg.MaxAttempts:
		s.fail(ctx, *d, ye.Msg)
	default:
		next := now.Add(s.backoff(d.Attempts))
		s.update(ctx, d.ID, `UPDATE downloads SET status = 'queued', error = ?, next_attempt_at = ?, speed_bps = 0,
			eta_seconds = NULL, updated_at = ? WHERE id = ?`+running, []any{ye.Msg, db.Millis(next), db.Millis(now), d.ID},
			itemStmt(d.ID, idx, `status = 'queued', progress = 0`))
		s.announce(ctx, d.ID)
	}
	return false
}

// fail ends d as failed with msg and tells its owner.
func (s *Service) fail(ctx context.Context, d Download, msg string) {
	now := db.Millis(s.now())
	ok, err := s.update(ctx, d.ID, `UPDATE downloads SET status = 'failed', error = ?, speed_bps = 0, eta_seconds = NULL,
		next_attempt_at = NULL, completed_at = ?, updated_at = ? WHERE id = ?`+running, []any{msg, now, now, d.ID},
		stmt{q: `UPDATE download_items SET status = 'failed', error = ? WHERE download_id = ? AND status IN ('queued', 'downloading', 'processing')`, args: []any{msg, d.ID}})
	if err != nil || !ok {
		return
	}
	s.announce(ctx, d.ID)
	s.notify(ctx, d, notify.DownloadFailed, "Download failed: "+titleOf(d), msg)
}

// itemDone records item i's finished file and asks Plex to scan it. It
// reports whether the download is still running.
func (s *Service) itemDone(ctx context.Context, d *Download, i int, res ytdlp.Result) bool {
	abs := mainFile(res.Files)
	rel, err := filepath.Rel(s.cfg.DownloadDir, abs)
	if err != nil || !filepath.IsLocal(rel) {
		s.log.Error("youtube: yt-dlp wrote outside the download folder", "download", d.ID, "file", abs)
		return s.itemFailed(ctx, d, i, &ytdlp.Error{Kind: ytdlp.Permanent, Msg: "The file was written outside the download folder."})
	}
	var size int64
	if fi, err := os.Stat(abs); err == nil {
		size = fi.Size()
	}
	scanPending := s.scan(ctx, d.ID, abs)
	n := len(d.Items)
	idx := d.Items[i].Index
	ok, err := s.update(ctx, d.ID, `UPDATE downloads SET progress = ?, updated_at = ? WHERE id = ?`+running,
		[]any{float64(doneCount(d.Items)+1) * 100 / float64(n), db.Millis(s.now()), d.ID},
		itemStmt(d.ID, idx, `status = 'completed', progress = 100, file_path = ?, size_bytes = ?, scan_pending = ?, error = ''`,
			filepath.ToSlash(rel), size, scanPending))
	if err != nil {
		s.log.Error("youtube: record finished item", "download", d.ID, "err", err)
	}
	if !ok {
		return false
	}
	downloadBytes.AddInt64(size)
	d.Items[i].Status, d.Items[i].FilePath = StatusCompleted, filepath.ToSlash(rel)
	s.announce(ctx, d.ID)
	return true
}

// scan asks Plex to scan abs and reports whether that is still to do.
func (s *Service) scan(ctx context.Context, id int64, abs string) bool {
	if s.lib == nil {
		return false
	}
	err := s.lib.Scan(ctx, abs)
	switch {
	case err == nil, errors.Is(err, ErrPlexNotConfigured):
		return false
	}
	plexScanFailures.Inc()
	s.log.Warn("youtube: plex scan failed; it will be retried", "download", id, "file", abs, "err", err)
	return true
}

// finish ends a download whose items have all run: completed when at least
// one file landed (failed otherwise), with a Plex collection for a
// playlist.
func (s *Service) finish(ctx context.Context, d Download) {
	d, err := getDownload(ctx, s.db.R, d.ID)
	if err != nil {
		s.log.Error("youtube: finish download", "download", d.ID, "err", err)
		return
	}
	if doneCount(d.Items) == 0 {
		msg := "Nothing could be downloaded."
		for _, it := range d.Items {
			if it.Error != "" {
				msg = it.Error
				break
			}
		}
		s.fail(ctx, d, msg)
		return
	}
	now := db.Millis(s.now())
	ok, err := s.update(ctx, d.ID, `UPDATE downloads SET status = 'processing', progress = 100, speed_bps = 0,
		eta_seconds = NULL, updated_at = ? WHERE id = ?`+running, []any{now, d.ID})
	if err != nil || !ok {
		return
	}
	pending := false
	var coll *Collection
	if d.Kind == "playlist" && s.cfg.CreateCollections && s.lib != nil {
		coll, pending = s.collect(ctx, d)
	}
	var key, title any
	if coll != nil {
		key, title = coll.RatingKey, coll.Title
	}
	var next any
	if pending {
		next = db.Millis(s.now().Add(s.plexBackoff(0)))
	}
	now = db.Millis(s.now())
	ok, err = s.update(ctx, d.ID, `UPDATE downloads SET status = 'completed', error = '', completed_at = ?, updated_at = ?,
		plex_collection_key = coalesce(?, plex_collection_key), plex_collection_title = coalesce(?, plex_collection_title),
		collection_pending = ?, plex_next_at = ? WHERE id = ?`+running, []any{now, now, key, title, pending, next, d.ID})
	if err != nil || !ok {
		return
	}
	s.announce(ctx, d.ID)
	msg := fmt.Sprintf("%s is in the library.", titleOf(d))
	if failed := len(d.Items) - doneCount(d.Items); failed > 0 {
		msg = fmt.Sprintf("%s is in the library; %d of its %d videos could not be downloaded.", titleOf(d), failed, len(d.Items))
	}
	s.notify(ctx, d, notify.DownloadCompleted, "Downloaded: "+titleOf(d), msg)
}

// collect gathers a finished playlist's files into a Plex collection named
// after it. pending is true when Plex could not do it yet.
func (s *Service) collect(ctx context.Context, d Download) (*Collection, bool) {
	var files []string
	for _, it := range d.Items {
		if it.Status == StatusCompleted && it.FilePath != "" {
			files = append(files, filepath.Join(s.cfg.DownloadDir, filepath.FromSlash(it.FilePath)))
		}
	}
	if len(files) == 0 {
		return nil, false
	}
	c, err := s.lib.Collect(ctx, titleOf(d), files)
	switch {
	case err == nil:
		return &c, false
	case errors.Is(err, ErrPlexNotConfigured):
		return nil, false
	case errors.Is(err, ErrNotInPlexYet):
		s.log.Info("youtube: plex has not picked up the playlist yet; the collection will be made later", "download", d.ID)
	default:
		s.log.Warn("youtube: plex collection failed; it will be retried", "download", d.ID, "err", err)
	}
	return nil, true
}

// handBack returns a running download to the queue: at shutdown, or to let
// another user's download go first. undo takes back the attempt its claim
// counted, since nothing failed.
func (s *Service) handBack(ctx context.Context, id int64, undo bool) {
	dec := 0
	if undo {
		dec = 1
	}
	ok, err := s.update(ctx, id, `UPDATE downloads SET status = 'queued', attempts = max(attempts - ?, 0), speed_bps = 0,
		eta_seconds = NULL, updated_at = ? WHERE id = ?`+running, []any{dec, db.Millis(s.now()), id},
		stmt{q: `UPDATE download_items SET status = 'queued', progress = 0 WHERE download_id = ? AND status IN ('downloading', 'processing')`, args: []any{id}})
	if err != nil {
		s.log.Error("youtube: requeue download", "download", id, "err", err)
	}
	if ok {
		s.announce(ctx, id)
	}
}

// withName fills in d's owner's name.
func (s *Service) withName(ctx context.Context, d Download) Download {
	s.withNames(ctx, []*Download{&d})
	return d
}

// mainFile is the video among a run's files (not the poster beside it).
func mainFile(files []string) string {
	for _, f := range files {
		if !isImage(f) {
			return f
		}
	}
	return files[0]
}

func isImage(f string) bool {
	switch strings.ToLower(filepath.Ext(f)) {
	case ".jpg", ".jpeg", ".png", ".webp":
		return true
	}
	return false
}

func doneCount(items []Item) int {
	n := 0
	for _, it := range items {
		if it.Status == StatusCompleted {
			n++
		}
	}
	return n
}

func titleOf(d Download) string {
	if d.Title != "" {
		return d.Title
	}
	return d.URL
}

// plexBackoff is the wait before Plex follow-up attempt n+1.
func (s *Service) plexBackoff(n int) time.Duration {
	d := s.cfg.PlexRetry
	for i := 0; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
