package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"medianest/app/config"
)

// WorkersOnly is a server with the default configuration that serves
// nothing and runs only ws, for tests of the worker lifecycle.
func WorkersOnly(log *slog.Logger, ws ...Worker) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: config.Default(), log: log, handler: http.NotFoundHandler(), workers: ws}
}

// Records is a slog handler that keeps every record as "LEVEL msg k=v…"
// (the worker and retention tests read their logs through it).
type Records struct {
	mu   sync.Mutex
	list []string
}

func (r *Records) Enabled(context.Context, slog.Level) bool { return true }
func (r *Records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *Records) WithGroup(string) slog.Handler            { return r }
func (r *Records) Handle(_ context.Context, rec slog.Record) error {
	s := rec.Level.String() + " " + rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		s += " " + a.Key + "=" + a.Value.String()
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, s)
	return nil
}

// Matching returns the records that contain every one of sub.
func (r *Records) Matching(sub ...string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.list {
		all := true
		for _, x := range sub {
			all = all && strings.Contains(s, x)
		}
		if all {
			out = append(out, s)
		}
	}
	return out
}
