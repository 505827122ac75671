// Package audit keeps the audit log: who did what to which object, from
// where and when. Any package records into it; admins read it through
// GET /api/v1/admin/audit, which app/admin serves over List.
package audit

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"medianest/db"
)

// Entry is one thing that happened. ActorID 0 means no signed-in actor (a
// failed sign-in, the CLI, the system itself).
type Entry struct {
	ActorID   int64
	ActorName string
	// Action is a dotted name: "auth.login", "user.update", "service.update".
	Action string
	// Target names the object acted on, e.g. "user:7" or "service:plex".
	Target string
	// Details is a short human-readable or JSON note. Never put a secret here.
	Details string
	IP      string
}

// Record is a stored entry as the API shows it.
type Record struct {
	ID        int64     `json:"id"`
	ActorID   *int64    `json:"actorId"`
	ActorName string    `json:"actorName"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	Details   string    `json:"details"`
	IP        string    `json:"ip"`
	CreatedAt time.Time `json:"createdAt"`
}

// Recorder writes and reads the audit log. A nil *Recorder records nothing,
// so callers that run without one (CLI tools, tests) need no checks.
type Recorder struct {
	db     *db.DB
	now    func() time.Time
	logger *slog.Logger
	// totals remembers List's counts until the next Record or Prune.
	totals db.Memo[int64]
}

// New returns a Recorder over d; now defaults to time.Now.
func New(d *db.DB, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{db: d, now: now, logger: slog.Default()}
}

// WithLogger sets where failures to record are logged; it returns r.
func (r *Recorder) WithLogger(l *slog.Logger) *Recorder {
	if l != nil {
		r.logger = l
	}
	return r
}

// Field limits keep one noisy caller from filling the database.
const (
	maxName    = 128
	maxTarget  = 256
	maxDetails = 4096
)

// Record stores e. It never fails the caller: an entry that cannot be
// written is logged and dropped, because an audit hiccup must not undo the
// user's action. It uses the database writer, so do not call it from inside
// a db.Write function (the writer has one connection and would wait for
// itself).
func (r *Recorder) Record(ctx context.Context, e Entry) {
	if r == nil {
		return
	}
	var actor any
	if e.ActorID > 0 {
		actor = e.ActorID
	}
	// The caller's request may be ending (a logout); the entry must still land.
	ctx = context.WithoutCancel(ctx)
	err := r.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO audit_log (actor_id, actor_name, action, target, details, ip, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			actor, cut(e.ActorName, maxName), cut(e.Action, maxName), cut(e.Target, maxTarget),
			cut(e.Details, maxDetails), cut(e.IP, 64), db.Millis(r.now()))
		return err
	})
	r.totals.Invalidate()
	if err != nil {
		r.logger.Error("audit: could not record an entry", "action", e.Action, "target", e.Target, "err", err)
	}
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Back up to a rune boundary so the text stays valid UTF-8.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// List returns one page of entries, newest first, and the total count.
// action filters by exact action, or by prefix when it ends in "." or "*"
// ("auth." or "auth.*" is every auth action).
func (r *Recorder) List(ctx context.Context, page, pageSize int, action string) ([]Record, int64, error) {
	page, pageSize = max(page, 1), min(max(pageSize, 1), 100)
	countQ, pageQ, args := listSQL(action)
	total, err := r.totals.Get(countQ+fmt.Sprint(args...), func() (n int64, err error) {
		err = r.db.R.QueryRowContext(ctx, countQ, args...).Scan(&n)
		return n, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("audit: count: %w", err)
	}
	out := []Record{}
	if int64((page-1)*pageSize) >= total {
		return out, total, nil
	}
	rows, err := r.db.R.QueryContext(ctx, pageQ, append(args, pageSize, (page-1)*pageSize)...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rec Record
		var actor sql.NullInt64
		var created int64
		if err := rows.Scan(&rec.ID, &actor, &rec.ActorName, &rec.Action, &rec.Target, &rec.Details, &rec.IP, &created); err != nil {
			return nil, 0, fmt.Errorf("audit: list: %w", err)
		}
		if actor.Valid {
			rec.ActorID = &actor.Int64
		}
		rec.CreatedAt = db.Time(created)
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	return out, total, nil
}

// listSQL is List's count and page statements for an action filter; the
// page takes args then LIMIT and OFFSET. An exact action is a range of audit_log_action, in order. A
// prefix is a range of that index too, but not in created_at order: the
// page walks audit_log_created instead (the unary + keeps SQLite off the
// action index), which holds the action, so no row is read to filter and
// the walk stops at the page.
//
// A whole category ("auth." or "auth.*": one dot, at the end) is a range
// of audit_log_category, in order, like an exact action: an action starts
// with such a prefix exactly when its part up to its first dot is it.
func listSQL(action string) (countQ, pageQ string, args []any) {
	where, pageWhere := "", ""
	if p, ok := strings.CutSuffix(action, "*"); ok || strings.HasSuffix(action, ".") {
		if !ok {
			p = action
		}
		if strings.IndexByte(p, '.') == len(p)-1 {
			// The expression of audit_log_category, written alike.
			where = ` WHERE substr(action, 1, instr(action, '.')) = ?`
			return listStatements(where, where, []any{p})
		}
		where, pageWhere, args = ` WHERE action >= ? AND action < ?`, ` WHERE +action >= ? AND +action < ?`, []any{p, p + "\xff"}
	} else if action != "" {
		where, pageWhere, args = ` WHERE action = ?`, ` WHERE action = ?`, []any{action}
	}
	return listStatements(where, pageWhere, args)
}

func listStatements(where, pageWhere string, args []any) (countQ, pageQ string, _ []any) {
	// The page's ids come from the index alone (the offset walks index
	// entries, not rows); only the page's rows are then read.
	return `SELECT COUNT(*) FROM audit_log` + where, `
		SELECT id, actor_id, actor_name, action, target, details, ip, created_at
		FROM audit_log WHERE id IN (SELECT id FROM audit_log` + pageWhere + ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?)
		ORDER BY created_at DESC, id DESC`, args
}

// ListQueries are the statements List issues, for every kind of filter,
// at page 1000.
func ListQueries() []db.Query {
	var out []db.Query
	for _, action := range []string{"", "auth.login", "auth.", "auth.*", "auth.log*", "auth.login."} {
		countQ, pageQ, args := listSQL(action)
		out = append(out, db.Query{Name: "audit count " + action, SQL: countQ, Args: args},
			db.Query{Name: "audit page " + action, SQL: pageQ, Args: append(args, 20, 19980)})
	}
	return out
}

// Prune deletes entries older than before and returns how many went.
func (r *Recorder) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := r.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE created_at < ?`, db.Millis(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	r.totals.Invalidate()
	if err != nil {
		return 0, fmt.Errorf("audit: prune: %w", err)
	}
	return n, nil
}
