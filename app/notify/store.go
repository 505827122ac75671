package notify

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"medianest/app/apperr"
	"medianest/db"
)

// Page is one page of a user's notifications with the counts the API shows.
type Page struct {
	Items []Notification
	// Total is how many notifications the filter matches.
	Total int64
	// Unread is how many of the user's notifications are unread.
	Unread int64
}

// countSQL counts a user's notifications, all and unread, in one walk.
const countSQL = `SELECT count(*), count(*) FILTER (WHERE read = 0) FROM notifications WHERE user_id = ?`

// pageSQL picks one page (user id, LIMIT, OFFSET). The page's ids come
// from the index alone (the offset walks index entries, not rows); only the
// page's rows are then read.
func pageSQL(unreadOnly bool) string {
	where := `user_id = ?`
	if unreadOnly {
		where += ` AND read = 0`
	}
	return `SELECT id, type, title, message, link, read, created_at FROM notifications
		WHERE id IN (SELECT id FROM notifications WHERE ` + where + ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?)
		ORDER BY created_at DESC, id DESC`
}

// ListQueries are the statements List issues, at page 500.
func ListQueries() []db.Query {
	return []db.Query{
		{Name: "notifications count", SQL: countSQL, Args: []any{1}},
		{Name: "notifications page", SQL: pageSQL(false), Args: []any{1, 20, 9980}},
		{Name: "notifications unread page", SQL: pageSQL(true), Args: []any{1, 20, 9980}},
	}
}

// List returns a page of userID's notifications, newest first; with
// unreadOnly only the unread ones.
func (s *Service) List(ctx context.Context, userID int64, unreadOnly bool, page, pageSize int) (Page, error) {
	out := Page{Items: []Notification{}}
	c, err := s.counts.Get(strconv.FormatInt(userID, 10), func() (c counts, err error) {
		err = s.db.R.QueryRowContext(ctx, countSQL, userID).Scan(&c.all, &c.unread)
		return c, err
	})
	if err != nil {
		return Page{}, fmt.Errorf("notify: count: %w", err)
	}
	out.Total, out.Unread = c.all, c.unread
	if unreadOnly {
		out.Total = out.Unread
	}
	if out.Total == 0 || int64((page-1)*pageSize) >= out.Total {
		return out, nil
	}
	rows, err := s.db.R.QueryContext(ctx, pageSQL(unreadOnly), userID, pageSize, (page-1)*pageSize)
	if err != nil {
		return Page{}, fmt.Errorf("notify: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n Notification
		var created int64
		if err := rows.Scan(&n.ID, &n.Type, &n.Title, &n.Message, &n.Link, &n.Read, &created); err != nil {
			return Page{}, fmt.Errorf("notify: list: %w", err)
		}
		n.CreatedAt = db.Time(created)
		out.Items = append(out.Items, n)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("notify: list: %w", err)
	}
	return out, nil
}

// MarkRead marks notification id of userID read. Someone else's
// notification is NOT_FOUND, exactly like one that does not exist.
func (s *Service) MarkRead(ctx context.Context, userID, id int64) error {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		// The row is matched even when already read, so a repeated call is
		// not a 404.
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET read = 1 WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: mark read: %w", err)
	}
	if n == 0 {
		return apperr.New(apperr.NotFound, "No such notification.")
	}
	return nil
}

// MarkAllRead marks every notification of userID read.
func (s *Service) MarkAllRead(ctx context.Context, userID int64) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read = 1 WHERE user_id = ? AND read = 0`, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: mark all read: %w", err)
	}
	return nil
}

// Prune deletes every notification created before before, read or not, and
// returns how many went ([notifications] retention).
func (s *Service) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE created_at < ?`, db.Millis(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("notify: prune: %w", err)
	}
	return n, nil
}
