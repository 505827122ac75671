// Package notice is the admin's banner message shown to everyone: stored in
// the settings table, cached in memory (every page load asks for it, and only
// this process changes it), pushed to browsers as a notice event when it
// changes, and audited as notice.update.
package notice

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/events"
	"medianest/app/httpx"
	"medianest/app/principal"
	"medianest/app/settings"
	"medianest/db"
)

// noticeKey is the notice's row in settings.
const noticeKey = "notice"

// MaxNoticeLength is the longest notice message, in characters.
const MaxNoticeLength = 500

// Notice is the admin's banner message shown to everyone.
type Notice struct {
	Message   string    `json:"message"`
	Level     string    `json:"level"` // info, warning or critical
	UpdatedAt time.Time `json:"updatedAt"`
}

// Publisher sends events to connected browsers (the events hub).
type Publisher interface {
	Publish(events.Event)
}

// Auditor records admin actions (*audit.Recorder).
type Auditor interface {
	Record(ctx context.Context, e audit.Entry)
}

// Guard is the authentication middleware (*auth.Service).
type Guard interface {
	RequireAdmin(http.Handler) http.Handler
}

// Deps are what the notice needs; Events and Audit may be nil.
type Deps struct {
	DB     *db.DB
	Events Publisher
	Audit  Auditor
	Now    func() time.Time
}

// Service reads and changes the notice. It keeps the notice in memory:
// every page load asks for it, and only this process changes it.
type Service struct {
	db    *db.DB
	pub   Publisher
	audit Auditor
	now   func() time.Time

	mu     sync.Mutex
	loaded bool
	n      *Notice
}

// New returns the notice service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{db: d.DB, pub: d.Events, audit: d.Audit, now: d.Now}
}

// Routes registers GET /api/v1/notice (anyone) and PUT and DELETE
// /api/v1/admin/notice (admins).
func (s *Service) Routes(mux *http.ServeMux, guard Guard) {
	mux.Handle("GET /api/v1/notice", httpx.Handler(s.handleGet))
	mux.Handle("PUT /api/v1/admin/notice", guard.RequireAdmin(httpx.Handler(s.handlePut)))
	mux.Handle("DELETE /api/v1/admin/notice", guard.RequireAdmin(httpx.Handler(s.handleDelete)))
}

func (s *Service) publish(n *Notice) {
	if s.pub != nil {
		s.pub.Publish(events.Event{Type: events.Notice, Data: n})
	}
}

// Get returns the current notice, or nil when there is none.
func (s *Service) Get(ctx context.Context) (*Notice, error) {
	c := s
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		return c.n, nil
	}
	v, ok, err := settings.Get(ctx, s.db.R, noticeKey)
	switch {
	case err == nil && !ok:
		c.n = nil
	case err != nil:
		return nil, fmt.Errorf("notice: read: %w", err)
	default:
		var n Notice
		if err := json.Unmarshal([]byte(v), &n); err != nil {
			return nil, fmt.Errorf("notice: decode: %w", err)
		}
		c.n = &n
	}
	c.loaded = true
	return c.n, nil
}

// Set validates and stores the notice and pushes it to everyone.
func (s *Service) Set(ctx context.Context, message, level string) (*Notice, error) {
	message = strings.TrimSpace(message)
	var details []apperr.FieldError
	switch {
	case message == "":
		details = append(details, apperr.FieldError{Field: "message", Message: "must not be empty"})
	case utf8.RuneCountInString(message) > MaxNoticeLength:
		details = append(details, apperr.FieldError{Field: "message", Message: fmt.Sprintf("must be at most %d characters", MaxNoticeLength)})
	}
	switch level {
	case "info", "warning", "critical":
	default:
		details = append(details, apperr.FieldError{Field: "level", Message: `must be "info", "warning" or "critical"`})
	}
	if len(details) > 0 {
		return nil, apperr.Validation(details...)
	}
	n := &Notice{Message: message, Level: level, UpdatedAt: s.now().UTC().Truncate(time.Millisecond)}
	b, _ := json.Marshal(n)
	c := s
	c.mu.Lock()
	defer c.mu.Unlock()
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		return settings.Put(ctx, tx, noticeKey, string(b), n.UpdatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("notice: save: %w", err)
	}
	c.n, c.loaded = n, true
	s.publish(n)
	return n, nil
}

// Clear removes the notice and tells everyone.
func (s *Service) Clear(ctx context.Context) error {
	c := s
	c.mu.Lock()
	defer c.mu.Unlock()
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		return settings.Delete(ctx, tx, noticeKey)
	})
	if err != nil {
		return fmt.Errorf("notice: clear: %w", err)
	}
	c.n, c.loaded = nil, true
	s.publish(nil)
	return nil
}

type noticeBody struct {
	Message string `json:"message"`
	Level   string `json:"level"`
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Get(r.Context())
	if err != nil {
		return err
	}
	httpx.OK(w, n)
	return nil
}

func (s *Service) handlePut(w http.ResponseWriter, r *http.Request) error {
	var body noticeBody
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	n, err := s.Set(r.Context(), body.Message, body.Level)
	if err != nil {
		return err
	}
	s.auditLog(r, "notice.update", "notice", map[string]any{"level": n.Level, "message": n.Message})
	httpx.OK(w, n)
	return nil
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Clear(r.Context()); err != nil {
		return err
	}
	s.auditLog(r, "notice.update", "notice", map[string]any{"cleared": true})
	httpx.NoContent(w)
	return nil
}

// auditLog records an admin action by the caller of r.
func (s *Service) auditLog(r *http.Request, action, target string, details any) {
	if s.audit == nil {
		return
	}
	e := audit.Entry{Action: action, Target: target, IP: httpx.ClientIP(r).String()}
	if u, ok := principal.UserFrom(r.Context()); ok {
		e.ActorID, e.ActorName = u.ID, u.Username
	}
	b, _ := json.Marshal(details)
	e.Details = string(b)
	s.audit.Record(r.Context(), e)
}
