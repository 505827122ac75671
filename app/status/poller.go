package status

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/events"
)

// pruneEvery is how often history older than history_days is deleted.
const pruneEvery = time.Hour

// result is what one check found.
type result struct {
	status  string
	elapsed time.Duration
	message string
	// measured says elapsed means something (the service was called).
	measured bool
}

// Run checks every service at once and then every interval, until ctx ends.
// Each service has its own loop, so a slow upstream never delays the others,
// and a settings change (Recheck) makes that service's loop check at once.
// Run returns after the checks in flight have ended.
func (p *Poller) Run(ctx context.Context) {
	if err := p.loadLatest(ctx); err != nil {
		p.log.Warn("status: could not read the last checks", "err", err)
	}
	p.pruneIfDue(ctx)
	var wg sync.WaitGroup
	for _, name := range Names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.loop(ctx, name)
		}()
	}
	wg.Wait()
}

func (p *Poller) loop(ctx context.Context, name string) {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		p.CheckNow(ctx, name)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.kick[name]:
		}
	}
}

// CheckNow checks one service, records the result and publishes a
// service.status event when the status changed. Run calls it on schedule;
// it is exported for tests and for callers that want a fresh answer.
func (p *Poller) CheckNow(ctx context.Context, name string) ServiceStatus {
	cctx, cancel := context.WithTimeout(ctx, p.checkTimeout)
	res := p.probe(cctx, name)
	cancel()
	if ctx.Err() != nil {
		// Shutting down: an interrupted check says nothing about the service.
		return p.Status(name)
	}
	p.ensureWindow(ctx, name)
	at := p.now().UTC()
	prev := p.Status(name)
	err := p.record(ctx, name, at, res, prev.Status)
	if err != nil {
		p.log.Warn("status: could not record a check", "service", name, "err", err)
	}
	st := ServiceStatus{
		Name:        name,
		DisplayName: displayNames[name],
		Status:      res.status,
		LastCheckAt: &at,
		Message:     res.message,
	}
	if res.measured {
		ms := res.elapsed.Milliseconds()
		st.ResponseTimeMs = &ms
	}
	p.mu.Lock()
	w := p.windows[name]
	if err == nil {
		// Only what the history holds counts, so a restart computes the
		// same figure.
		w.add(at, res.status)
	}
	st.Uptime24h = w.uptime(at)
	p.current[name] = st
	p.checked[name] = true
	p.mu.Unlock()
	setUpGauge(name, st.Status)
	if st.Status != prev.Status {
		p.log.Info("status: service changed", "service", name, "from", prev.Status, "to", st.Status, "message", st.Message)
		p.pub.Publish(events.Event{Type: events.ServiceStatus, Data: st})
	}
	p.pruneIfDue(ctx)
	return st
}

// setUpGauge keeps medianest_service_up{service} at 1 for up or degraded
// and 0 for down. A disabled service has no series, so it cannot trip an
// alert meant for services that are supposed to run.
func setUpGauge(name, status string) {
	series := fmt.Sprintf(`medianest_service_up{service=%q}`, name)
	switch status {
	case StatusUp, StatusDegraded:
		metrics.GetOrCreateGauge(series, nil).Set(1)
	case StatusDown:
		metrics.GetOrCreateGauge(series, nil).Set(0)
	default:
		metrics.UnregisterMetric(series)
	}
}

// Status returns one service's latest state (Names lists the valid names).
func (p *Poller) Status(name string) ServiceStatus {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.current[name]
}

// Statuses returns every service's latest state, in display order.
func (p *Poller) Statuses() []ServiceStatus {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]ServiceStatus, 0, len(Names))
	for _, n := range Names {
		out = append(out, p.current[n])
	}
	return out
}

// Check is one upstream's line in the readiness answer.
type Check struct {
	Status  string `json:"status"` // pass, warn, fail or disabled
	Message string `json:"message,omitempty"`
}

// ReadyChecks maps the latest poll onto readiness checks for plex,
// overseerr, uptime_kuma and ytdlp: up is pass, degraded warn, down fail,
// disabled disabled. A service not checked yet since start is pass with the
// message "not checked yet": the first round starts with the server, and an
// instance should not look degraded for the second it takes.
func (p *Poller) ReadyChecks() map[string]Check {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make(map[string]Check, len(Names))
	for _, n := range Names {
		st := p.current[n]
		if !p.checked[n] {
			out[n] = Check{Status: "pass", Message: "not checked yet"}
			continue
		}
		c := Check{Message: st.Message}
		switch st.Status {
		case StatusUp:
			c.Status = "pass"
		case StatusDegraded:
			c.Status = "warn"
		case StatusDown:
			c.Status = "fail"
		case StatusDisabled:
			c.Status = "disabled"
		default:
			c.Status = "pass"
		}
		out[n] = c
	}
	return out
}

func (p *Poller) pruneIfDue(ctx context.Context) {
	now := p.now()
	p.mu.Lock()
	due := now.Sub(p.lastPrun) >= pruneEvery
	if due {
		p.lastPrun = now
	}
	p.mu.Unlock()
	if !due {
		return
	}
	n, err := p.Prune(ctx)
	if err != nil {
		p.log.Warn("status: could not prune the history", "err", err)
	} else if n > 0 {
		p.log.Debug("status: pruned history", "rows", n)
	}
}
