package media

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/events"
	"medianest/app/httpx"
	"medianest/app/notify"
	"medianest/db"
)

// Every status's series exists from the start, at 0.
func init() {
	for _, st := range Statuses {
		metrics.GetOrCreateCounter(`medianest_media_requests_total{status="` + st + `"}`)
	}
}

// countStatus counts a request entering status st (on creation and on
// every change), as medianest_media_requests_total{status}.
func countStatus(st string) {
	metrics.GetOrCreateCounter(`medianest_media_requests_total{status="` + st + `"}`).Inc()
}

// Where a status change comes from, for transitionAllowed.
const (
	// fromNotification is Overseerr's webhook: notifications arrive late,
	// out of order or replayed, so they only move a request forward.
	fromNotification = false
	// fromOverseerr is Overseerr's own answer about the request (the
	// reconcile, an admin's approve or decline): it may reopen a final one.
	fromOverseerr = true
)

// progress orders the open statuses; a request never goes back along it.
var progress = map[string]int{StatusPending: 0, StatusApproved: 1, StatusProcessing: 2}

// transitionAllowed is the one definition of which status changes a stored
// request may make. Among the open statuses (pending → approved →
// processing) it only moves forward; any open status may end (available,
// declined, failed). A final status stays final unless authoritative —
// Overseerr itself said so, not a notification. No status "changes" to
// itself.
func transitionAllowed(from, to string, authoritative bool) bool {
	if from == to || !validStatus(to) {
		return false
	}
	if Final(from) {
		return authoritative
	}
	if Final(to) {
		return true
	}
	return progress[to] > progress[from]
}

// setStatus is the one path by which a stored request changes status —
// the webhook, the reconcile and the admin's approve/decline all end here.
// authoritative says whether the status is Overseerr's own answer
// (fromOverseerr) or a notification (fromNotification); transitionAllowed
// decides whether the change happens. A change is recorded (completedAt set
// on a final status, cleared otherwise), then the owner and the admins are
// told (request.updated) and, for approved, available, declined and failed,
// the owner is notified. changed is false when nothing was written, and
// then nobody hears anything.
func (s *Requests) setStatus(ctx context.Context, id int64, status string, authoritative bool) (r MediaRequest, changed bool, err error) {
	var prev string
	if !validStatus(status) {
		return MediaRequest{}, false, fmt.Errorf("media: set status: unknown status %q", status)
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		cur, err := s.getRequestTx(ctx, tx, id)
		if err != nil {
			return err
		}
		r, prev = cur, cur.Status
		if !transitionAllowed(cur.Status, status, authoritative) {
			return nil
		}
		now := s.now().UTC()
		var completed any
		if Final(status) {
			completed = db.Millis(now)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE media_requests SET status = ?, updated_at = ?, completed_at = ? WHERE id = ?`,
			status, db.Millis(now), completed, id); err != nil {
			return err
		}
		changed = true
		r, err = s.getRequestTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return MediaRequest{}, false, fmt.Errorf("media: set status of request %d: %w", id, err)
	}
	if r, err = s.withUsername(ctx, r); err != nil {
		return MediaRequest{}, false, err
	}
	if changed {
		s.counts.invalidate()
		countStatus(status)
		s.announce(ctx, prev, r)
	}
	return r, changed, nil
}

// announce publishes request.updated for r (which was in status prev) and
// notifies its owner of the statuses a person wants to hear about. A failed
// notification is logged, not returned: the status change itself has been
// stored.
func (s *Requests) announce(ctx context.Context, prev string, r MediaRequest) {
	s.publish(events.Event{Type: events.RequestUpdated, Data: r, UserID: r.UserID, Admins: true})
	n, ok := notificationFor(prev, r)
	if !ok || s.notifier == nil {
		return
	}
	if _, err := s.notifier.Notify(ctx, r.UserID, n); err != nil {
		s.logger(ctx).Warn("media: notify owner", "request", r.ID, "err", err)
	}
}

// notificationFor is what the owner is told when r reaches its status from
// prev. A pending request that goes straight to processing (Overseerr
// approved it and the download started at once) was approved, so the owner
// hears that.
func notificationFor(prev string, r MediaRequest) (notify.Notification, bool) {
	name := r.Title
	if name == "" {
		name = "Your request"
	}
	if r.Year != nil {
		name += " (" + strconv.Itoa(*r.Year) + ")"
	}
	n := notify.Notification{Link: "/requests/" + strconv.FormatInt(r.ID, 10)}
	status := r.Status
	if status == StatusProcessing && prev == StatusPending {
		status = StatusApproved
	}
	switch status {
	case StatusApproved:
		n.Type, n.Title, n.Message = notify.RequestApproved, "Request approved", name+" was approved and will be downloaded."
	case StatusAvailable:
		n.Type, n.Title, n.Message = notify.RequestAvailable, "Now available", name+" is now available on Plex."
	case StatusDeclined:
		n.Type, n.Title, n.Message = notify.RequestDeclined, "Request declined", name+" was declined."
	case StatusFailed:
		n.Type, n.Title, n.Message = notify.RequestFailed, "Request failed", name+" could not be processed; an admin can retry it in Overseerr."
	default:
		return notify.Notification{}, false
	}
	return n, true
}

// logger is the request's logger inside a request, else the service's.
func (s *Requests) logger(ctx context.Context) *slog.Logger {
	if httpx.RequestID(ctx) != "" {
		return httpx.Logger(ctx)
	}
	return s.log
}
