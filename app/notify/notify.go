// Package notify keeps the in-app notifications of each user: other
// packages create them (a request became available, a download failed), the
// recipient lists them, marks them read, and gets each new one pushed as a
// "notification" event.
package notify

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"time"

	"medianest/app/events"
	"medianest/db"
)

// Notification types, as the API spells them.
const (
	RequestApproved   = "request.approved"
	RequestAvailable  = "request.available"
	RequestDeclined   = "request.declined"
	RequestFailed     = "request.failed"
	DownloadCompleted = "download.completed"
	DownloadFailed    = "download.failed"
	DownloadApproved  = "download.approved"
	DownloadDeclined  = "download.declined"
)

// Notification is one message for one user. Its JSON is the API's
// Notification object.
type Notification struct {
	ID        int64     `json:"id"`
	Type      string    `json:"type"`
	Title     string    `json:"title"`
	Message   string    `json:"message"`
	Link      string    `json:"link"`
	Read      bool      `json:"read"`
	CreatedAt time.Time `json:"createdAt"`
}

// Publisher pushes an event to connected browsers without blocking
// (*events.Hub).
type Publisher interface {
	Publish(events.Event)
}

// Guard is the authentication middleware (*auth.Service).
type Guard interface {
	RequireUser(http.Handler) http.Handler
}

// Service stores notifications and pushes new ones.
type Service struct {
	db  *db.DB
	pub Publisher
	now func() time.Time
	// counts remembers each user's totals until this service next writes
	// (write).
	counts db.Memo[counts]
}

// counts are one user's notification totals.
type counts struct{ all, unread int64 }

// write runs fn in a write transaction and then forgets the remembered
// counts. Every write to notifications goes through it.
func (s *Service) write(ctx context.Context, fn func(*sql.Tx) error) error {
	err := s.db.Write(ctx, fn)
	s.counts.Invalidate()
	return err
}

// New returns a service over d that publishes through pub (which may be nil
// when nothing listens). now is the clock; time.Now when nil.
func New(d *db.DB, pub Publisher, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, pub: pub, now: now}
}

// Limits on what a producer may store, so one notification stays a line or
// two in the UI.
const (
	maxTitle   = 200
	maxMessage = 2000
	maxLink    = 1000
)

// Notify stores n for userID (ID, Read and CreatedAt are set here) and
// pushes it to the recipient as a "notification" event. It opens its own
// write transaction, so it must not be called from inside one.
func (s *Service) Notify(ctx context.Context, userID int64, n Notification) (Notification, error) {
	if userID <= 0 {
		return Notification{}, fmt.Errorf("notify: no recipient")
	}
	if strings.TrimSpace(n.Type) == "" || strings.TrimSpace(n.Title) == "" {
		return Notification{}, fmt.Errorf("notify: a notification needs a type and a title")
	}
	n.Title = clip(n.Title, maxTitle)
	n.Message = clip(n.Message, maxMessage)
	n.Link = clip(n.Link, maxLink)
	n.Read = false
	n.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO notifications (user_id, type, title, message, link, read, created_at)
			VALUES (?, ?, ?, ?, ?, 0, ?)`,
			userID, n.Type, n.Title, n.Message, n.Link, db.Millis(n.CreatedAt))
		if err != nil {
			return err
		}
		n.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return Notification{}, fmt.Errorf("notify: store: %w", err)
	}
	if s.pub != nil {
		s.pub.Publish(events.Event{Type: events.Notification, Data: n, UserID: userID})
	}
	return n, nil
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
