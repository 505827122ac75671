package db

import (
	"context"
	"database/sql"
)

// Counts runs a query whose rows are (key, count) pairs, such as
// `SELECT status, count(*) … GROUP BY status`, and returns them as a map. A
// key that no row has is absent (reads as 0).
func Counts[K comparable](ctx context.Context, q *sql.DB, query string, args ...any) (map[K]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[K]int64{}
	for rows.Next() {
		var k K
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// Query is one statement a store issues, with arguments like those it is
// run with. Stores list their list and count queries as Queries so that a
// test can check every plan (EXPLAIN QUERY PLAN) without a copy of the SQL.
type Query struct {
	Name string
	SQL  string
	Args []any
	// FullScan, when set, says why reading (and sorting) every matching
	// row of the table is accepted for this query; the plan check lets its
	// SCAN and temporary b-tree through.
	FullScan string
}
