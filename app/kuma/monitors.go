package kuma

import (
	"context"
	"math"
	"sync"
	"time"
)

// Monitor is a monitor of the status page with its current state, as the
// dashboard shows it.
type Monitor struct {
	ID    int64
	Name  string
	Group string
	Type  string
	// Status is "up", "down", "pending" or "maintenance"; a monitor with no
	// heartbeat yet is "pending".
	Status string
	// Uptime24h is a percentage 0–100 (two decimals), nil when unknown.
	Uptime24h *float64
	// PingMs is the latest beat's response time, nil when it had none.
	PingMs *float64
	// LastBeatAt is the latest beat's time, zero when there is none.
	LastBeatAt time.Time
}

// Monitors reads the status page and its heartbeats (concurrently) and
// combines them: every monitor on the page, in the page's order, with the
// state of its latest beat.
func (c *Client) Monitors(ctx context.Context, baseURL, slug string) ([]Monitor, error) {
	var (
		page     Page
		beats    Heartbeats
		pageErr  error
		beatsErr error
		wg       sync.WaitGroup
	)
	wg.Go(func() { page, pageErr = c.StatusPage(ctx, baseURL, slug) })
	wg.Go(func() { beats, beatsErr = c.Heartbeats(ctx, baseURL, slug) })
	wg.Wait()
	if pageErr != nil {
		return nil, pageErr
	}
	if beatsErr != nil {
		return nil, beatsErr
	}
	return Combine(page, beats), nil
}

// Combine joins a page and its heartbeats into monitors.
func Combine(page Page, beats Heartbeats) []Monitor {
	out := []Monitor{}
	for _, g := range page.Groups {
		for _, pm := range g.Monitors {
			m := Monitor{ID: pm.ID, Name: pm.Name, Group: g.Name, Type: pm.Type, Status: StatusPending.String()}
			if b, ok := Latest(beats.Beats[pm.ID]); ok {
				m.Status = b.Status.String()
				m.PingMs = b.Ping
				m.LastBeatAt = b.Time
			}
			if f, ok := beats.Uptime24h[pm.ID]; ok {
				pct := math.Round(f*10000) / 100
				m.Uptime24h = &pct
			}
			out = append(out, m)
		}
	}
	return out
}
