package auth

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// usernameBatch bounds the ids of one query, well under SQLite's limit on
// bound parameters.
const usernameBatch = 500

// Usernames returns the usernames of the accounts among ids, read from the
// reader pool; an id without an account is absent from the answer. Other
// domains show account names through it (a request listing asks once per
// page) instead of reading the users table themselves.
func (s *Service) Usernames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return usernames(ctx, s.db.R, ids)
}

func usernames(ctx context.Context, q *sql.DB, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), usernameBatch)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		rows, err := q.QueryContext(ctx, `SELECT id, username FROM users WHERE id IN (?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("auth: usernames: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("auth: usernames: %w", err)
			}
			out[id] = name
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("auth: usernames: %w", err)
		}
	}
	return out, nil
}
