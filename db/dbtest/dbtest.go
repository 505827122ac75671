// Package dbtest hands tests a real, migrated SQLite database in a temporary
// file, opened exactly as the server opens its own.
package dbtest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"medianest/db"
)

// New returns a migrated database that is closed when the test ends.
func New(tb testing.TB) *db.DB {
	tb.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(tb.TempDir(), "medianest.db"))
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	m, err := db.NewMigrator(d)
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	if _, err := m.Up(ctx); err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	return d
}

// CheckPlan runs EXPLAIN QUERY PLAN for q on d and returns an error naming
// the step when the plan reads every row of a table (a SCAN without an
// index, unless q.FullScan says why that is accepted) or sorts in a
// temporary b-tree anything but the rows of one page (those found by rowid
// from a list, as a deferred join's outer query does). A full-text table
// queried with MATCH is looked up in its index, which its plan step shows
// as "SCAN t VIRTUAL TABLE INDEX n:M…" (FTS5's MATCH constraint).
func CheckPlan(ctx context.Context, d *db.DB, q db.Query) error {
	rows, err := d.R.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.SQL, q.Args...)
	if err != nil {
		return fmt.Errorf("%s: %w", q.Name, err)
	}
	defer rows.Close()
	type step struct {
		parent int
		detail string
	}
	var steps []step
	subqueries := map[string]bool{}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return fmt.Errorf("%s: %w", q.Name, err)
		}
		steps = append(steps, step{parent, detail})
		for _, p := range []string{"CO-ROUTINE ", "MATERIALIZE "} {
			if name, ok := strings.CutPrefix(detail, p); ok {
				subqueries[name] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", q.Name, err)
	}
	plan := func() string {
		var b strings.Builder
		for _, s := range steps {
			b.WriteString("\n\t" + s.detail)
		}
		return b.String()
	}
	byRowid := func(parent int) bool {
		for _, s := range steps {
			if s.parent == parent && strings.Contains(s.detail, "USING INTEGER PRIMARY KEY (rowid=?)") {
				return true
			}
		}
		return false
	}
	for _, s := range steps {
		if t, ok := strings.CutPrefix(s.detail, "SCAN "); ok && !strings.Contains(t, " USING ") &&
			!ftsMatch(t) && !subqueries[t] && q.FullScan == "" {
			return fmt.Errorf("%s: %q reads every row of %s:%s", q.Name, s.detail, t, plan())
		}
		if strings.HasPrefix(s.detail, "USE TEMP B-TREE") && !byRowid(s.parent) && q.FullScan == "" {
			return fmt.Errorf("%s: %q sorts more than a page:%s", q.Name, s.detail, plan())
		}
	}
	return nil
}

// ftsMatch reports whether a SCAN step's table is an FTS5 table read through
// a MATCH constraint: "users_search VIRTUAL TABLE INDEX 0:M3".
func ftsMatch(t string) bool {
	_, idx, ok := strings.Cut(t, " VIRTUAL TABLE INDEX ")
	if !ok {
		return false
	}
	_, plan, _ := strings.Cut(idx, ":")
	return strings.HasPrefix(plan, "M")
}
