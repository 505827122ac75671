package youtube

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/notify"
	"medianest/app/principal"
	"medianest/db"
)

// Get returns download id, with its items, to its owner or an admin;
// anyone else gets NOT_FOUND, as if it did not exist.
func (s *Service) Get(ctx context.Context, u principal.User, id int64) (Download, error) {
	d, err := s.get(ctx, id)
	if err != nil {
		return Download{}, err
	}
	if d.UserID != u.ID && !u.IsAdmin() {
		return Download{}, errNoDownload(id)
	}
	return d, nil
}

// List returns one page of downloads matching f, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Download, int64, error) {
	list, total, err := s.list(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	ptrs := make([]*Download, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	s.withNames(ctx, ptrs)
	return list, total, nil
}

// Cancel cancels download id for its owner or an admin: a running yt-dlp
// is stopped (the runner ends its process group) and its partial files are
// removed before Cancel returns. A final download is CONFLICT.
func (s *Service) Cancel(ctx context.Context, u principal.User, id int64, ip string) (Download, error) {
	d, err := s.Get(ctx, u, id)
	if err != nil {
		return Download{}, err
	}
	now := db.Millis(s.now())
	ok, err := s.update(ctx, id, `UPDATE downloads SET status = 'cancelled', speed_bps = 0, eta_seconds = NULL,
		next_attempt_at = NULL, completed_at = ?, updated_at = ? WHERE id = ? AND status IN `+activeStatuses,
		[]any{now, now, id},
		stmt{q: `UPDATE download_items SET status = 'cancelled' WHERE download_id = ? AND status IN ('queued', 'downloading', 'processing')`, args: []any{id}})
	if err != nil {
		return Download{}, err
	}
	if !ok {
		return Download{}, apperr.New(apperr.Conflict, "This download is %s already; only an unfinished download can be cancelled.", strings.ReplaceAll(d.Status, "_", " "))
	}
	failedCancelled.Inc()
	s.stopJob(id, errCancelled)
	s.auditOther(ctx, u, d, "download.cancel", ip)
	out, err := s.get(ctx, id)
	if err != nil {
		return Download{}, err
	}
	s.publishUpdated(out)
	return out, nil
}

// Retry queues a failed or cancelled download again, from the first item
// that is not done, with its attempts reset. It is not a new download for
// the quota.
func (s *Service) Retry(ctx context.Context, u principal.User, id int64, ip string) (Download, error) {
	if err := s.enabled(); err != nil {
		return Download{}, err
	}
	d, err := s.Get(ctx, u, id)
	if err != nil {
		return Download{}, err
	}
	out, ok, err := s.updateGet(ctx, id, `UPDATE downloads SET status = 'queued', attempts = 0, error = '', next_attempt_at = NULL,
		completed_at = NULL, speed_bps = 0, eta_seconds = NULL, updated_at = ? WHERE id = ? AND status IN ('failed', 'cancelled')`,
		[]any{db.Millis(s.now()), id},
		stmt{q: `UPDATE download_items SET status = 'queued', progress = 0, error = '' WHERE download_id = ? AND status != 'completed'`, args: []any{id}})
	if db.IsUnique(err) {
		return Download{}, errDuplicate()
	}
	if err != nil {
		return Download{}, err
	}
	if !ok {
		return Download{}, apperr.New(apperr.Conflict, "This download is %s; only a failed or cancelled download can be retried.", strings.ReplaceAll(d.Status, "_", " "))
	}
	s.auditOther(ctx, u, d, "download.retry", ip)
	out = s.withName(ctx, out)
	s.publishUpdated(out)
	s.kick()
	return out, nil
}

// Delete removes download id (cancelling it first when it runs) for its
// owner or an admin, and with deleteFiles its files and their posters —
// only inside youtube.download_dir, through an os.Root, so neither ".."
// nor a symlink takes it anywhere else. Audited as download.delete.
func (s *Service) Delete(ctx context.Context, u principal.User, id int64, deleteFiles bool, ip string) error {
	d, err := s.Get(ctx, u, id)
	if err != nil {
		return err
	}
	// Stop a running job before its rows go, so it writes no file after.
	if _, err := s.update(ctx, id, `UPDATE downloads SET status = 'cancelled', updated_at = ? WHERE id = ? AND status IN `+activeStatuses,
		[]any{db.Millis(s.now()), id}); err != nil {
		return err
	}
	s.stopJob(id, errDeleted)
	var shared map[string]bool
	if err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM downloads WHERE id = ?`, id); err != nil {
			return err
		}
		var err error
		if deleteFiles {
			shared, err = filesInUse(ctx, tx, d.Items)
		}
		return err
	}); err != nil {
		return fmt.Errorf("youtube: delete download %d: %w", id, err)
	}
	details := titleOf(d)
	if deleteFiles {
		// The same video downloaded twice is one file (yt-dlp finds it
		// there); it goes with the last download that has it.
		items := slices.DeleteFunc(slices.Clone(d.Items), func(it Item) bool { return shared[it.FilePath] })
		n, err := s.removeFiles(items)
		if err != nil {
			s.log.Warn("youtube: delete files", "download", id, "err", err)
		}
		details += fmt.Sprintf(" (%d files deleted)", n)
	}
	if s.audit != nil {
		s.audit.Record(ctx, audit.Entry{ActorID: u.ID, ActorName: u.Username, Action: "download.delete",
			Target: "download:" + idArg(id), Details: details, IP: ip})
	}
	return nil
}

// filesInUse returns which of the items' files other downloads still have.
func filesInUse(ctx context.Context, tx *sql.Tx, items []Item) (map[string]bool, error) {
	in := map[string]bool{}
	for _, it := range items {
		if it.FilePath == "" {
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM download_items WHERE file_path = ?`, it.FilePath).Scan(&n); err != nil {
			return nil, fmt.Errorf("youtube: files in use: %w", err)
		}
		in[it.FilePath] = n > 0
	}
	return in, nil
}

// removeFiles deletes the items' files and the posters beside them, and
// then their folders when empty. It refuses anything outside download_dir.
func (s *Service) removeFiles(items []Item) (int, error) {
	root, err := os.OpenRoot(s.cfg.DownloadDir)
	if err != nil {
		return 0, err
	}
	defer root.Close()
	var errs []error
	n := 0
	dirs := map[string]bool{}
	for _, it := range items {
		if it.FilePath == "" {
			continue
		}
		stem := strings.TrimSuffix(it.FilePath, path.Ext(it.FilePath))
		for _, f := range []string{it.FilePath, stem + ".jpg", stem + ".webp", stem + ".png"} {
			err := root.Remove(f)
			switch {
			case err == nil:
				n++
			case errors.Is(err, fs.ErrNotExist):
			default:
				errs = append(errs, err)
			}
		}
		if dir := path.Dir(it.FilePath); dir != "." {
			dirs[dir] = true
		}
	}
	for dir := range dirs {
		root.Remove(dir) // only when empty
	}
	return n, errors.Join(errs...)
}

// Decide approves (pending_approval → queued) or declines download id as
// admin u. Anything not waiting for approval is CONFLICT. Audited as
// download.approve or download.decline; the owner is told.
func (s *Service) Decide(ctx context.Context, u principal.User, id int64, approve bool, ip string) (Download, error) {
	if err := s.enabled(); err != nil {
		return Download{}, err
	}
	d, err := s.get(ctx, id)
	if err != nil {
		return Download{}, err
	}
	q := `UPDATE downloads SET status = 'queued', updated_at = ? WHERE id = ? AND status = 'pending_approval'`
	args := []any{db.Millis(s.now()), id}
	action, typ, title := "download.approve", notify.DownloadApproved, "Download approved: "+titleOf(d)
	msg := "An admin approved your download; it is in the queue."
	var then []stmt
	if !approve {
		q = `UPDATE downloads SET status = 'declined', completed_at = ?, updated_at = ? WHERE id = ? AND status = 'pending_approval'`
		args = []any{db.Millis(s.now()), db.Millis(s.now()), id}
		then = []stmt{{q: `UPDATE download_items SET status = 'cancelled' WHERE download_id = ? AND status = 'queued'`, args: []any{id}}}
		action, typ, title = "download.decline", notify.DownloadDeclined, "Download declined: "+titleOf(d)
		msg = "An admin declined your download."
	}
	out, ok, err := s.updateGet(ctx, id, q, args, then...)
	if err != nil {
		return Download{}, err
	}
	if !ok {
		return Download{}, apperr.New(apperr.Conflict, "This download is %s; only one waiting for approval can be approved or declined.", strings.ReplaceAll(d.Status, "_", " "))
	}
	if s.audit != nil {
		s.audit.Record(ctx, audit.Entry{ActorID: u.ID, ActorName: u.Username, Action: action,
			Target: "download:" + idArg(id), Details: titleOf(d), IP: ip})
	}
	out = s.withName(ctx, out)
	s.publishUpdated(out)
	s.notify(ctx, out, typ, title, msg)
	if approve {
		s.kick()
	}
	return out, nil
}

// auditOther records an admin acting on someone else's download.
func (s *Service) auditOther(ctx context.Context, u principal.User, d Download, action, ip string) {
	if s.audit == nil || d.UserID == u.ID {
		return
	}
	s.audit.Record(ctx, audit.Entry{ActorID: u.ID, ActorName: u.Username, Action: action,
		Target: "download:" + idArg(d.ID), Details: titleOf(d), IP: ip})
}
