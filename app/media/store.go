package media

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"medianest/app/apperr"
	"medianest/db"
)

// requestColumns are read by scanRequest, in this order.
// The owner's username is not among them: users are auth's table, and
// withUsernames asks auth for a whole page's names at once.
const requestColumns = `r.id, r.user_id, r.media_type, r.tmdb_id, r.title, r.year,
	r.poster_url, r.seasons, r.status, r.overseerr_request_id, r.created_at, r.updated_at, r.completed_at`

const requestFrom = ` FROM media_requests r`

type scanner interface {
	Scan(dest ...any) error
}

// scanRequest reads one row, without the owner's username; the poster URL
// comes out in its current form (see storedPosterURL).
func (s *Requests) scanRequest(sc scanner) (MediaRequest, error) {
	var r MediaRequest
	var year, oid, completed sql.NullInt64
	var seasons string
	var created, updated int64
	err := sc.Scan(&r.ID, &r.UserID, &r.MediaType, &r.TmdbID, &r.Title, &year,
		&r.PosterURL, &seasons, &r.Status, &oid, &created, &updated, &completed)
	if err != nil {
		return MediaRequest{}, err
	}
	if year.Valid && year.Int64 != 0 {
		y := int(year.Int64)
		r.Year = &y
	}
	if oid.Valid {
		r.OverseerrRequestID = &oid.Int64
	}
	r.Seasons = decodeSeasons(seasons)
	r.PosterURL = s.storedPosterURL(r.PosterURL)
	r.CreatedAt, r.UpdatedAt, r.CompletedAt = db.Time(created), db.Time(updated), db.NullTime(completed)
	return r, nil
}

// decodeSeasons reads the stored JSON list; a damaged value reads as none
// rather than failing the whole listing.
func decodeSeasons(s string) []int {
	out := []int{}
	if s != "" && s != "[]" {
		_ = json.Unmarshal([]byte(s), &out)
	}
	if out == nil {
		out = []int{}
	}
	return out
}

func encodeSeasons(s []int) string {
	if len(s) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// errNoRequest is the NOT_FOUND for a request that does not exist or that
// the caller may not see; the two are answered alike.
func errNoRequest() error { return apperr.New(apperr.NotFound, "No such request.") }

// withUsernames fills in the owners' usernames of rs with one lookup for
// all of them. An owner without an account (deleted meanwhile) keeps "".
func (s *Requests) withUsernames(ctx context.Context, rs []MediaRequest) error {
	if len(rs) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(rs))
	seen := make(map[int64]bool, len(rs))
	for _, r := range rs {
		if !seen[r.UserID] {
			seen[r.UserID] = true
			ids = append(ids, r.UserID)
		}
	}
	names, err := s.users.Usernames(ctx, ids)
	if err != nil {
		return fmt.Errorf("media: usernames: %w", err)
	}
	for i := range rs {
		rs[i].Username = names[rs[i].UserID]
	}
	return nil
}

// withUsername is withUsernames for one request.
func (s *Requests) withUsername(ctx context.Context, r MediaRequest) (MediaRequest, error) {
	rs := []MediaRequest{r}
	err := s.withUsernames(ctx, rs)
	return rs[0], err
}

// getRequest reads one request.
func (s *Requests) getRequest(ctx context.Context, id int64) (MediaRequest, error) {
	row := s.db.R.QueryRowContext(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = ?`, id)
	r, err := s.scanRequest(row)
	if errors.Is(err, sql.ErrNoRows) {
		return MediaRequest{}, errNoRequest()
	}
	if err != nil {
		return MediaRequest{}, fmt.Errorf("media: get request %d: %w", id, err)
	}
	return s.withUsername(ctx, r)
}

// getRequestTx reads one request inside a write transaction, without the
// owner's username (see withUsername).
func (s *Requests) getRequestTx(ctx context.Context, tx *sql.Tx, id int64) (MediaRequest, error) {
	r, err := s.scanRequest(tx.QueryRowContext(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return MediaRequest{}, errNoRequest()
	}
	return r, err
}

// Filter selects requests for a listing. Zero values select everything.
type Filter struct {
	UserID    int64
	Status    string
	MediaType string
	Page      int
	PageSize  int
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	if f.UserID > 0 {
		conds = append(conds, "r.user_id = ?")
		args = append(args, f.UserID)
	}
	if f.Status != "" {
		conds = append(conds, "r.status = ?")
		args = append(args, f.Status)
	}
	if f.MediaType != "" {
		conds = append(conds, "r.media_type = ?")
		args = append(args, f.MediaType)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// sql is the listing's count and page statements; the page takes args,
// then LIMIT and OFFSET. The page's ids are picked from the index alone
// (the offset walks index entries, not rows); only the page's rows are then
// read. Ties in created_at keep the index's id order, so pages never
// overlap.
func (f Filter) sql() (countQ, pageQ string, args []any) {
	where, args := f.where()
	return `SELECT count(*) FROM media_requests r` + where,
		`SELECT ` + requestColumns + requestFrom + ` WHERE r.id IN (SELECT r.id FROM media_requests r` + where +
			` ORDER BY r.created_at DESC, r.id LIMIT ? OFFSET ?) ORDER BY r.created_at DESC, r.id`, args
}

// statusCountsSQL counts userID's requests (0: everyone's) by status.
func statusCountsSQL(userID int64) (string, []any) {
	if userID != 0 {
		return `SELECT status, count(*) FROM media_requests WHERE user_id = ? GROUP BY status`, []any{userID}
	}
	return `SELECT status, count(*) FROM media_requests GROUP BY status`, nil
}

// countsByUserSQL counts the requests of each of n users.
func countsByUserSQL(n int) string {
	return `SELECT user_id, count(*) FROM media_requests WHERE user_id IN (?` + strings.Repeat(",?", n-1) + `) GROUP BY user_id`
}

// ListQueries are the list and count statements of requests, for every
// filter the API offers, at page 1000.
func ListQueries() []db.Query {
	var out []db.Query
	for _, f := range []Filter{{}, {UserID: 1}, {UserID: 1, Status: StatusPending}, {Status: StatusApproved},
		{MediaType: "tv"}, {Status: StatusApproved, MediaType: "movie"}, {UserID: 1, MediaType: "tv"}} {
		countQ, pageQ, args := f.sql()
		name := fmt.Sprintf("requests %+v", f)
		out = append(out, db.Query{Name: name + " count", SQL: countQ, Args: args},
			db.Query{Name: name + " page", SQL: pageQ, Args: append(args, 20, 19980)})
	}
	for _, u := range []int64{0, 1} {
		q, args := statusCountsSQL(u)
		out = append(out, db.Query{Name: fmt.Sprintf("requests by status of %d", u), SQL: q, Args: args})
	}
	ids := make([]any, 20)
	for i := range ids {
		ids[i] = i + 1
	}
	return append(out, db.Query{Name: "requests by user", SQL: countsByUserSQL(len(ids)), Args: ids})
}

// ListRequests returns a page of requests, newest first, and how many the
// filter matches. Every filter combination is served by an index of the
// schema (user, user+status, status, type, created).
func (s *Requests) ListRequests(ctx context.Context, f Filter) ([]MediaRequest, int64, error) {
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PageSize < 1 {
		f.PageSize = 20
	}
	countQ, pageQ, args := f.sql()
	total, err := s.counts.Get(countQ+fmt.Sprint(args...), func() (n int64, err error) {
		err = s.db.R.QueryRowContext(ctx, countQ, args...).Scan(&n)
		return n, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("media: count requests: %w", err)
	}
	out := []MediaRequest{}
	if total == 0 || int64((f.Page-1)*f.PageSize) >= total {
		return out, total, nil
	}
	rows, err := s.db.R.QueryContext(ctx, pageQ, append(args, f.PageSize, (f.Page-1)*f.PageSize)...)
	if err != nil {
		return nil, 0, fmt.Errorf("media: list requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := s.scanRequest(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("media: list requests: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("media: list requests: %w", err)
	}
	if err := s.withUsernames(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// liveForTitle returns the requests for a title that still stand: any but
// declined or failed, which may be asked for again.
func (s *Requests) liveForTitle(ctx context.Context, mediaType string, tmdbID int64) ([]MediaRequest, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+requestColumns+requestFrom+`
		WHERE r.tmdb_id = ? AND r.media_type = ? AND r.status NOT IN ('declined', 'failed')`, tmdbID, mediaType)
	if err != nil {
		return nil, fmt.Errorf("media: requests for title: %w", err)
	}
	defer rows.Close()
	var out []MediaRequest
	for rows.Next() {
		r, err := s.scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("media: requests for title: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

type titleKey struct {
	mediaType string
	tmdbID    int64
}

// requestedTitles reports which of keys have any request here.
func (s *Requests) requestedTitles(ctx context.Context, keys []titleKey) (map[titleKey]bool, error) {
	out := map[titleKey]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	ph := make([]string, 0, len(keys))
	args := make([]any, 0, len(keys))
	seen := map[int64]bool{}
	for _, k := range keys {
		if !seen[k.tmdbID] {
			seen[k.tmdbID] = true
			ph = append(ph, "?")
			args = append(args, k.tmdbID)
		}
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT DISTINCT media_type, tmdb_id FROM media_requests
		WHERE tmdb_id IN (`+strings.Join(ph, ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("media: requested titles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k titleKey
		if err := rows.Scan(&k.mediaType, &k.tmdbID); err != nil {
			return nil, fmt.Errorf("media: requested titles: %w", err)
		}
		out[k] = true
	}
	return out, rows.Err()
}

// quotaUse returns how many requests userID made since `since` that count
// against the quota (declined ones do not), and when the oldest of them was
// made.
func (s *Requests) quotaUse(ctx context.Context, userID int64, since time.Time) (int, time.Time, error) {
	var n int
	var oldest sql.NullInt64
	err := s.db.R.QueryRowContext(ctx, `SELECT count(*), min(created_at) FROM media_requests
		WHERE user_id = ? AND created_at >= ? AND status != 'declined'`, userID, db.Millis(since)).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("media: quota use: %w", err)
	}
	if !oldest.Valid {
		return n, time.Time{}, nil
	}
	return n, db.Time(oldest.Int64), nil
}

// insertRequest stores a new request and returns its id.
func insertRequest(ctx context.Context, tx *sql.Tx, r MediaRequest) (int64, error) {
	var year any
	if r.Year != nil {
		year = *r.Year
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO media_requests (user_id, media_type, tmdb_id, title, year, poster_url, seasons, status,
			overseerr_request_id, created_at, updated_at, completed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.UserID, r.MediaType, r.TmdbID, r.Title, year, r.PosterURL, encodeSeasons(r.Seasons), r.Status,
		r.OverseerrRequestID, db.Millis(r.CreatedAt), db.Millis(r.UpdatedAt), db.NullMillis(r.CompletedAt))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// requestsByOverseerrID returns the requests tracking Overseerr request oid.
// setOverseerrID records that request id is Overseerr's request oid.
func (s *Requests) setOverseerrID(ctx context.Context, id, oid int64) error {
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE media_requests SET overseerr_request_id = ?, updated_at = ? WHERE id = ?`,
			oid, db.Millis(s.now()), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("media: record overseerr request of %d: %w", id, err)
	}
	return nil
}

func (s *Requests) requestsByOverseerrID(ctx context.Context, oid int64) ([]int64, error) {
	return s.ids(ctx, `SELECT id FROM media_requests WHERE overseerr_request_id = ?`, oid)
}

// openRequestsForTitle returns the non-final requests for a title.
func (s *Requests) openRequestsForTitle(ctx context.Context, mediaType string, tmdbID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT id FROM media_requests WHERE tmdb_id = ? AND media_type = ?
		AND status IN ('pending', 'approved', 'processing')`, tmdbID, mediaType)
}

func (s *Requests) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("media: find requests: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("media: find requests: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// openTracked is one non-final request with its Overseerr id.
type openTracked struct {
	id, oid int64
}

// openRequests returns up to limit non-final requests that Overseerr
// tracks, with ids above after, in id order (the reconcile walks them).
func (s *Requests) openRequests(ctx context.Context, after int64, limit int) ([]openTracked, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, overseerr_request_id FROM media_requests
		WHERE status IN ('pending', 'approved', 'processing') AND overseerr_request_id IS NOT NULL AND id > ?
		ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("media: open requests: %w", err)
	}
	defer rows.Close()
	var out []openTracked
	for rows.Next() {
		var o openTracked
		if err := rows.Scan(&o.id, &o.oid); err != nil {
			return nil, fmt.Errorf("media: open requests: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// deleteRequestRow removes a request.
func (s *Requests) deleteRequestRow(ctx context.Context, id int64) error {
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM media_requests WHERE id = ?`, id)
		return err
	})
	s.forget()
	if err != nil {
		return fmt.Errorf("media: delete request %d: %w", id, err)
	}
	return nil
}

// RequestStatusCounts returns how many requests userID has in each status,
// every status present (0 when none); userID 0 counts everyone's.
func (s *Requests) RequestStatusCounts(ctx context.Context, userID int64) (map[string]int64, error) {
	q, args := statusCountsSQL(userID)
	m, err := s.statusCounts.Get(strconv.FormatInt(userID, 10), func() (map[string]int64, error) {
		return db.Counts[string](ctx, s.db.R, q, args...)
	})
	if err != nil {
		return nil, fmt.Errorf("media: count requests: %w", err)
	}
	m = maps.Clone(m)
	for _, st := range Statuses {
		if _, ok := m[st]; !ok {
			m[st] = 0
		}
	}
	return m, nil
}

// forget drops every remembered count; call it after any write to
// media_requests.
func (s *Requests) forget() {
	s.counts.Invalidate()
	s.statusCounts.Invalidate()
	s.userCounts.Invalidate()
}

// RequestCountsByUser returns how many requests each of ids has (absent:
// none).
func (s *Requests) RequestCountsByUser(ctx context.Context, ids []int64) (map[int64]int64, error) {
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
		return nil, fmt.Errorf("media: count requests by user: %w", err)
	}
	return maps.Clone(m), nil
}
