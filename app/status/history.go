package status

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"medianest/db"
)

// The statements over service_checks, which grows by a row per service
// per poll (a million rows is a year of four services at 30 s): each is a
// range of an index, never a walk of the table.
const (
	windowSQL = `
		SELECT checked_at, status FROM service_checks
		WHERE service = ? AND checked_at >= ? AND status IN ('up', 'degraded', 'down')
		ORDER BY checked_at`
	latestSQL = `
		SELECT checked_at, status, response_ms, message FROM service_checks
		WHERE service = ? ORDER BY checked_at DESC, id DESC LIMIT 1`
	pruneSQL = `DELETE FROM service_checks WHERE checked_at < ?`
)

// ListQueries are the statements over the history, for the query-plan
// check: the day's window at start, the last check, and the prune.
func ListQueries() []db.Query {
	day := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	return []db.Query{
		{Name: "status window", SQL: windowSQL, Args: []any{"plex", db.Millis(day)}},
		{Name: "status latest", SQL: latestSQL, Args: []any{"plex"}},
		{Name: "status prune", SQL: pruneSQL, Args: []any{db.Millis(day.AddDate(0, 0, -30))}},
	}
}

// record writes one check to service_checks. A disabled service is written
// only when it becomes disabled, so the history says when it was switched
// off without filling up with rows that carry no information.
func (p *Poller) record(ctx context.Context, name string, at time.Time, res result, prev string) error {
	if res.status == StatusDisabled && prev == StatusDisabled {
		return nil
	}
	var ms any
	if res.measured {
		ms = res.elapsed.Milliseconds()
	}
	err := p.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO service_checks (service, checked_at, status, response_ms, message) VALUES (?, ?, ?, ?, ?)`,
			name, db.Millis(at), res.status, ms, res.message)
		return err
	})
	if err != nil {
		return fmt.Errorf("status: record %s: %w", name, err)
	}
	return nil
}

// loadWindow reads the checks of name from the 24 hours before now. The
// (service, checked_at) index bounds the read to that day (2 880 rows at
// the default 30 s); it runs once per service, after which the window is
// kept up to date in memory.
func (p *Poller) loadWindow(ctx context.Context, name string, now time.Time) (*window, error) {
	w := newWindow()
	rows, err := p.db.R.QueryContext(ctx, windowSQL, name, db.Millis(now.Add(-w.span)))
	if err != nil {
		return nil, fmt.Errorf("status: history of %s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		var st string
		if err := rows.Scan(&at, &st); err != nil {
			return nil, fmt.Errorf("status: history of %s: %w", name, err)
		}
		w.add(db.Time(at), st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("status: history of %s: %w", name, err)
	}
	return w, nil
}

// ensureWindow loads name's window from the history the first time it is
// needed. A failed load is tried again at the next check; meanwhile uptime
// counts only the checks made since.
func (p *Poller) ensureWindow(ctx context.Context, name string) {
	p.mu.RLock()
	done := p.loaded[name]
	p.mu.RUnlock()
	if done {
		return
	}
	w, err := p.loadWindow(ctx, name, p.now())
	if err != nil {
		p.log.Warn("status: could not read the history", "service", name, "err", err)
		return
	}
	p.mu.Lock()
	if !p.loaded[name] {
		p.windows[name], p.loaded[name] = w, true
	}
	p.mu.Unlock()
}

// Prune deletes checks older than history_days and returns how many went.
func (p *Poller) Prune(ctx context.Context) (int64, error) {
	cutoff := p.now().Add(-time.Duration(p.historyDays) * 24 * time.Hour)
	var n int64
	err := p.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, pruneSQL, db.Millis(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("status: prune history: %w", err)
	}
	return n, nil
}

// loadLatest starts each service from its last recorded check, so that a
// restart neither shows "unknown" until the first round ends nor announces
// a change that did not happen.
func (p *Poller) loadLatest(ctx context.Context) error {
	for _, name := range Names {
		p.ensureWindow(ctx, name)
		var at int64
		var st, msg string
		var ms sql.NullInt64
		err := p.db.R.QueryRowContext(ctx, latestSQL, name).Scan(&at, &st, &ms, &msg)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return fmt.Errorf("status: last check of %s: %w", name, err)
		}
		t := db.Time(at)
		s := ServiceStatus{Name: name, DisplayName: displayNames[name], Status: st, LastCheckAt: &t, Message: msg}
		if ms.Valid {
			v := ms.Int64
			s.ResponseTimeMs = &v
		}
		p.mu.Lock()
		s.Uptime24h = p.windows[name].uptime(p.now())
		p.current[name] = s
		p.mu.Unlock()
	}
	return nil
}
