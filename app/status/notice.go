package status

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
	"medianest/app/events"
	"medianest/app/httpx"
	"medianest/app/settings"
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

// noticeCache keeps the notice in memory: every page load asks for it, and
// only this process changes it.
type noticeCache struct {
	mu     sync.Mutex
	loaded bool
	n      *Notice
}

// Notice returns the current notice, or nil when there is none.
func (p *Poller) Notice(ctx context.Context) (*Notice, error) {
	c := &p.notice
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		return c.n, nil
	}
	v, ok, err := settings.Get(ctx, p.db.R, noticeKey)
	switch {
	case err == nil && !ok:
		c.n = nil
	case err != nil:
		return nil, fmt.Errorf("status: read notice: %w", err)
	default:
		var n Notice
		if err := json.Unmarshal([]byte(v), &n); err != nil {
			return nil, fmt.Errorf("status: decode notice: %w", err)
		}
		c.n = &n
	}
	c.loaded = true
	return c.n, nil
}

// SetNotice validates and stores the notice and pushes it to everyone.
func (p *Poller) SetNotice(ctx context.Context, message, level string) (*Notice, error) {
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
	n := &Notice{Message: message, Level: level, UpdatedAt: p.now().UTC().Truncate(time.Millisecond)}
	b, _ := json.Marshal(n)
	c := &p.notice
	c.mu.Lock()
	defer c.mu.Unlock()
	err := p.db.Write(ctx, func(tx *sql.Tx) error {
		return settings.Put(ctx, tx, noticeKey, string(b), n.UpdatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("status: save notice: %w", err)
	}
	c.n, c.loaded = n, true
	p.pub.Publish(events.Event{Type: events.Notice, Data: n})
	return n, nil
}

// ClearNotice removes the notice and tells everyone.
func (p *Poller) ClearNotice(ctx context.Context) error {
	c := &p.notice
	c.mu.Lock()
	defer c.mu.Unlock()
	err := p.db.Write(ctx, func(tx *sql.Tx) error {
		return settings.Delete(ctx, tx, noticeKey)
	})
	if err != nil {
		return fmt.Errorf("status: clear notice: %w", err)
	}
	c.n, c.loaded = nil, true
	p.pub.Publish(events.Event{Type: events.Notice, Data: nil})
	return nil
}

type noticeBody struct {
	Message string `json:"message"`
	Level   string `json:"level"`
}

func (p *Poller) getNotice(w http.ResponseWriter, r *http.Request) error {
	n, err := p.Notice(r.Context())
	if err != nil {
		return err
	}
	httpx.OK(w, n)
	return nil
}

func (p *Poller) putNotice(w http.ResponseWriter, r *http.Request) error {
	var body noticeBody
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	n, err := p.SetNotice(r.Context(), body.Message, body.Level)
	if err != nil {
		return err
	}
	p.auditLog(r, "notice.update", "notice", map[string]any{"level": n.Level, "message": n.Message})
	httpx.OK(w, n)
	return nil
}

func (p *Poller) deleteNotice(w http.ResponseWriter, r *http.Request) error {
	if err := p.ClearNotice(r.Context()); err != nil {
		return err
	}
	p.auditLog(r, "notice.update", "notice", map[string]any{"cleared": true})
	httpx.NoContent(w)
	return nil
}
