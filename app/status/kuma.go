package status

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"medianest/app/apperr"
	"medianest/app/httpx"
	"medianest/app/kuma"
	"medianest/app/services"
)

// KumaClient reads an Uptime Kuma status page (*kuma.Client).
type KumaClient interface {
	StatusPage(ctx context.Context, baseURL, slug string) (kuma.Page, error)
	Monitors(ctx context.Context, baseURL, slug string) ([]kuma.Monitor, error)
}

// statusPage is the slug of the configured Uptime Kuma status page.
func statusPage(svc services.Service) string { return svc.Options["statusPage"] }

// kumaResult checks that Uptime Kuma answers with the configured status
// page. Its monitors being down says nothing about Uptime Kuma itself. A
// Kuma that answers but has no such page is degraded: it runs, but the
// dashboard cannot show its monitors.
func (p *Poller) kumaResult(ctx context.Context, svc services.Service, start time.Time) result {
	slug := statusPage(svc)
	if slug == "" {
		return result{status: StatusDisabled, message: "No status page is configured."}
	}
	page, err := p.kuma.StatusPage(ctx, svc.URL, slug)
	elapsed := time.Since(start)
	switch {
	case errors.Is(err, kuma.ErrNotFound):
		return result{status: StatusDegraded, elapsed: elapsed, measured: true, message: message(err, "Uptime Kuma")}
	case err != nil:
		return result{status: StatusDown, elapsed: elapsed, measured: true, message: message(err, "Uptime Kuma")}
	}
	return p.answered(elapsed, fmt.Sprintf("Status page %q.", page.Title))
}

// MonitorView is one Uptime Kuma monitor as the dashboard shows it.
type MonitorView struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Group      string     `json:"group"`
	Status     string     `json:"status"` // up, down, pending or maintenance
	Uptime24h  *float64   `json:"uptime24h"`
	PingMs     *float64   `json:"pingMs"`
	LastBeatAt *time.Time `json:"lastBeatAt"`
}

// monitorsTTL is how long a monitor listing is reused: every dashboard
// asks for it, and Uptime Kuma itself caches these routes for a minute.
const monitorsTTL = 10 * time.Second

type monitorCache struct {
	mu   sync.Mutex
	key  string
	at   time.Time
	list []MonitorView
}

// Monitors returns the monitors of the configured status page; an
// Unavailable error when Uptime Kuma is not configured.
func (p *Poller) Monitors(ctx context.Context) ([]MonitorView, error) {
	if p.settings == nil || p.kuma == nil {
		return nil, apperr.New(apperr.Unavailable, "Uptime Kuma is not configured.")
	}
	svc, err := p.settings.Get(ctx, UptimeKuma)
	if err != nil {
		return nil, err
	}
	slug := statusPage(svc)
	if !svc.Configured() || slug == "" {
		return nil, apperr.New(apperr.Unavailable, "Uptime Kuma is not configured.")
	}
	key := svc.URL + "\x00" + slug
	c := &p.monitors
	c.mu.Lock()
	if c.key == key && p.now().Sub(c.at) < monitorsTTL {
		list := c.list
		c.mu.Unlock()
		return list, nil
	}
	c.mu.Unlock()

	ms, err := p.kuma.Monitors(ctx, svc.URL, slug)
	if err != nil {
		return nil, upstreamError(err)
	}
	list := make([]MonitorView, 0, len(ms))
	for _, m := range ms {
		v := MonitorView{ID: m.ID, Name: m.Name, Group: m.Group, Status: m.Status, Uptime24h: m.Uptime24h, PingMs: m.PingMs}
		if !m.LastBeatAt.IsZero() {
			t := m.LastBeatAt.UTC()
			v.LastBeatAt = &t
		}
		list = append(list, v)
	}
	c.mu.Lock()
	c.key, c.at, c.list = key, p.now(), list
	c.mu.Unlock()
	return list, nil
}

func (p *Poller) listMonitors(w http.ResponseWriter, r *http.Request) error {
	list, err := p.Monitors(r.Context())
	if err != nil {
		return err
	}
	httpx.OK(w, list)
	return nil
}
