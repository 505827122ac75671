// Package youtube downloads YouTube videos and playlists into a Plex
// library. It owns the downloads and download_items tables: other packages
// learn about downloads only through the small readers here.
package youtube

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"medianest/db"
)

// Store reads and writes the downloads tables.
type Store struct {
	db *db.DB
	// totals, statusCounts, userCounts and bytes remember counts until the
	// next write through write.
	totals       db.Memo[int64]
	statusCounts db.Memo[map[string]int64]
	userCounts   db.Memo[map[int64]int64]
	bytes        db.Memo[int64]
}

// write runs fn in a write transaction and then forgets every remembered
// count. Every write of this package to downloads and download_items goes
// through it.
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	err := s.db.Write(ctx, fn)
	s.totals.Invalidate()
	s.statusCounts.Invalidate()
	s.userCounts.Invalidate()
	s.bytes.Invalidate()
	return err
}

// NewStore returns the store over d.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

// Download statuses, as the API spells them. A download needing approval
// waits in pending_approval until an admin queues or declines it;
// completed, failed, cancelled and declined are final.
const (
	StatusPendingApproval = "pending_approval"
	StatusQueued          = "queued"
	StatusDownloading     = "downloading"
	StatusProcessing      = "processing"
	StatusCompleted       = "completed"
	StatusFailed          = "failed"
	StatusCancelled       = "cancelled"
	StatusDeclined        = "declined"
)

// Statuses lists every download status.
var Statuses = []string{StatusPendingApproval, StatusQueued, StatusDownloading, StatusProcessing,
	StatusCompleted, StatusFailed, StatusCancelled, StatusDeclined}

// Final reports whether a download in status st will not change by itself.
func Final(st string) bool {
	switch st {
	case StatusCompleted, StatusFailed, StatusCancelled, StatusDeclined:
		return true
	}
	return false
}

// activeStatuses are those the unique index downloads_active_url covers:
// one such download per user and URL.
const activeStatuses = `('pending_approval', 'queued', 'downloading', 'processing')`

// statusCountsSQL counts userID's downloads (0: everyone's) by status.
func statusCountsSQL(userID int64) (string, []any) {
	if userID != 0 {
		return `SELECT status, count(*) FROM downloads WHERE user_id = ? GROUP BY status`, []any{userID}
	}
	return `SELECT status, count(*) FROM downloads GROUP BY status`, nil
}

// countsByUserSQL counts the downloads of each of n users.
func countsByUserSQL(n int) string {
	return `SELECT user_id, count(*) FROM downloads WHERE user_id IN (?` + strings.Repeat(",?", n-1) + `) GROUP BY user_id`
}

// storedBytesSQL sums the sizes of userID's (0: everyone's) files on disk.
func storedBytesSQL(userID int64) (string, []any) {
	q := `SELECT coalesce(sum(i.size_bytes), 0) FROM download_items i JOIN downloads d ON d.id = i.download_id
		WHERE i.status = 'completed' AND i.file_path != ''`
	if userID != 0 {
		return q + ` AND d.user_id = ?`, []any{userID}
	}
	return q, nil
}

// ListQueries are the list and count statements over downloads, for every
// filter the API offers, at page 1000.
func ListQueries() []db.Query {
	var out []db.Query
	for _, f := range []Filter{{}, {UserID: 1}, {Status: StatusCompleted}, {UserID: 1, Status: StatusCompleted}} {
		countQ, pageQ, args := f.sql()
		name := fmt.Sprintf("downloads %+v", f)
		out = append(out, db.Query{Name: name + " count", SQL: countQ, Args: args},
			db.Query{Name: name + " page", SQL: pageQ, Args: append(args, 20, 19980)})
	}
	for _, u := range []int64{0, 1} {
		q, args := statusCountsSQL(u)
		out = append(out, db.Query{Name: fmt.Sprintf("downloads by status of %d", u), SQL: q, Args: args})
		q, args = storedBytesSQL(u)
		out = append(out, db.Query{Name: fmt.Sprintf("stored bytes of %d", u), SQL: q, Args: args})
	}
	ids := make([]any, 20)
	for i := range ids {
		ids[i] = i + 1
	}
	return append(out, db.Query{Name: "downloads by user", SQL: countsByUserSQL(len(ids)), Args: ids})
}

// StatusCounts returns how many downloads userID has in each status, every
// status present (0 when none); userID 0 counts everyone's.
func (s *Store) StatusCounts(ctx context.Context, userID int64) (map[string]int64, error) {
	q, args := statusCountsSQL(userID)
	m, err := s.statusCounts.Get(strconv.FormatInt(userID, 10), func() (map[string]int64, error) {
		return db.Counts[string](ctx, s.db.R, q, args...)
	})
	if err != nil {
		return nil, fmt.Errorf("youtube: count downloads: %w", err)
	}
	m = maps.Clone(m)
	for _, st := range Statuses {
		if _, ok := m[st]; !ok {
			m[st] = 0
		}
	}
	return m, nil
}

// CountsByUser returns how many downloads each of ids has (absent: none).
func (s *Store) CountsByUser(ctx context.Context, ids []int64) (map[int64]int64, error) {
	if len(ids) == 0 {
		return map[int64]int64{}, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := countsByUserSQL(len(ids))
	m, err := s.userCounts.Get(fmt.Sprint(ids), func() (map[int64]int64, error) {
		return db.Counts[int64](ctx, s.db.R, q, args...)
	})
	if err != nil {
		return nil, fmt.Errorf("youtube: count downloads by user: %w", err)
	}
	return maps.Clone(m), nil
}

// StoredBytes is the size of the completed files still on disk, of userID
// or (0) of everyone.
func (s *Store) StoredBytes(ctx context.Context, userID int64) (int64, error) {
	q, args := storedBytesSQL(userID)
	n, err := s.bytes.Get(strconv.FormatInt(userID, 10), func() (n int64, err error) {
		err = s.db.R.QueryRowContext(ctx, q, args...).Scan(&n)
		return n, err
	})
	if err != nil {
		return 0, fmt.Errorf("youtube: stored bytes: %w", err)
	}
	return n, nil
}
