package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"medianest/app/principal"
	"medianest/app/settings"

	"medianest/app/apperr"
	"medianest/db"
)

// querier is what both the read pool and a write transaction offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// userCols are the columns userRow scans, in order, from "users u".
const userCols = `u.id, u.username, u.email, u.display_name, u.avatar_url, u.role, u.status,
	u.provider, u.plex_id, u.request_quota, u.download_quota, u.download_approval, u.created_at, u.last_login_at`

// userRow is a users row on its way to a User.
type userRow struct {
	u                       principal.User
	plexID, rq, dq, lastLog sql.NullInt64
	approval                sql.NullBool
	created                 int64
}

func (r *userRow) dest(extra ...any) []any {
	return append([]any{&r.u.ID, &r.u.Username, &r.u.Email, &r.u.DisplayName, &r.u.AvatarURL,
		&r.u.Role, &r.u.Status, &r.u.Provider, &r.plexID, &r.rq, &r.dq, &r.approval, &r.created, &r.lastLog}, extra...)
}

func (r *userRow) user() principal.User {
	u := r.u
	u.PlexID = r.plexID.Int64
	u.RequestQuota = nullInt(r.rq)
	u.DownloadQuota = nullInt(r.dq)
	if r.approval.Valid {
		v := r.approval.Bool
		u.DownloadApproval = &v
	}
	u.CreatedAt = db.Time(r.created)
	u.LastLoginAt = db.NullTime(r.lastLog)
	return u
}

func nullInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func boolOrNull(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}

func intOrNull(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func userNotFound(what string) error {
	return apperr.New(apperr.NotFound, "No user %s.", what)
}

// userByID loads one user; NOT_FOUND when there is none.
func userByID(ctx context.Context, q querier, id int64) (principal.User, error) {
	var r userRow
	err := q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return principal.User{}, userNotFound("with id " + strconv.FormatInt(id, 10))
	}
	if err != nil {
		return principal.User{}, fmt.Errorf("auth: load user %d: %w", id, err)
	}
	return r.user(), nil
}

// userByName loads a user by username (case-insensitive) with its password
// hash ("" when none); NOT_FOUND when there is none.
func userByName(ctx context.Context, q querier, name string) (principal.User, string, error) {
	var r userRow
	var hash sql.NullString
	err := q.QueryRowContext(ctx, `SELECT `+userCols+`, u.password_hash FROM users u WHERE u.username = ?`, name).
		Scan(r.dest(&hash)...)
	if errors.Is(err, sql.ErrNoRows) {
		return principal.User{}, "", userNotFound("called " + strconv.Quote(name))
	}
	if err != nil {
		return principal.User{}, "", fmt.Errorf("auth: load user: %w", err)
	}
	return r.user(), hash.String, nil
}

// userByPlexID loads the account of a plex.tv user; found is false when
// that Plex account has not signed in before.
func userByPlexID(ctx context.Context, q querier, plexID int64) (u principal.User, found bool, err error) {
	var r userRow
	err = q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.plex_id = ?`, plexID).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return principal.User{}, false, nil
	}
	if err != nil {
		return principal.User{}, false, fmt.Errorf("auth: load plex user: %w", err)
	}
	return r.user(), true, nil
}

// usernameTaken reports whether name is in use, ignoring case.
func usernameTaken(ctx context.Context, q querier, name string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username = ?`, name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("auth: check username: %w", err)
	}
	return n > 0, nil
}

// hasActiveAdmin reports whether any active admin exists.
func hasActiveAdmin(ctx context.Context, q querier) (bool, error) {
	var ok bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND status = 'active')`).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("auth: look for an admin: %w", err)
	}
	return ok, nil
}

// insertLocalUser adds a local account; CONFLICT when the name is taken.
func insertLocalUser(ctx context.Context, tx *sql.Tx, username, email, role, hash string, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO users (username, email, display_name, role, status, provider, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'active', 'local', ?, ?, ?)`,
		username, email, username, role, hash, db.Millis(now), db.Millis(now))
	if db.IsUnique(err) {
		return 0, apperr.New(apperr.Conflict, "The username %q is already taken.", username)
	}
	if err != nil {
		return 0, fmt.Errorf("auth: create user: %w", err)
	}
	return res.LastInsertId()
}

// Settings keys this package owns.
const (
	settingEpoch    = "auth_epoch"
	settingClientID = "plex_client_identifier"
)

// bumpEpoch increments the auth epoch, the number other processes watch to
// learn that sessions were revoked behind their caches, and returns it.
func bumpEpoch(ctx context.Context, tx *sql.Tx, now time.Time) (int64, error) {
	return settings.Increment(ctx, tx, settingEpoch, now)
}

// readEpoch returns the current auth epoch (0 before the first bump).
func readEpoch(ctx context.Context, q querier) (int64, error) {
	return settings.Int(ctx, q, settingEpoch)
}

// searchUsers returns one page of users matching f, oldest first, and the
// total number that match. Totals come from counts (forgotten on each write
// to users): paging through a search, or the unfiltered list, counts once.
//
// A search of three characters or more is answered by the trigram index
// users_search, whose cost grows with the number of matches; a LIKE walk of
// users in id order instead stops at the page, after about
// (offset+limit)·users/matches rows. The page takes whichever reads fewer:
// the index for a narrow term, the walk for one that matches most accounts.
// (Measured at 10k users: "user0042" 7 ms as a scan, 0.35 ms by the index;
// "friend", which matches all, page 400: 8 ms by the walk, 15-35 ms by the
// index.)
func searchUsers(ctx context.Context, q querier, f UserFilter, counts *db.Memo[int64]) ([]principal.User, int64, error) {
	count := func(countQ string, args []any) (int64, error) {
		return counts.Get(countQ+fmt.Sprint(args...), func() (int64, error) {
			var n int64
			if err := q.QueryRowContext(ctx, countQ, args...).Scan(&n); err != nil {
				return 0, fmt.Errorf("auth: count users: %w", err)
			}
			return n, nil
		})
	}
	countQ, pageQ, args := f.sql(indexed(f.Search))
	total, err := count(countQ, args)
	if err != nil {
		return nil, 0, err
	}
	if indexed(f.Search) {
		allQ, _, _ := UserFilter{}.sql(false)
		all, err := count(allQ, nil)
		if err != nil {
			return nil, 0, err
		}
		if walk := float64(f.Page*f.PageSize) * float64(all) / float64(max(total, 1)); walk < float64(total) {
			_, pageQ, args = f.sql(false)
		}
	}
	list, err := scanUsers(q.QueryContext(ctx, pageQ, append(args, f.PageSize, (f.Page-1)*f.PageSize)...))
	return list, total, err
}

// indexed reports whether the trigram index can answer a search for s: it
// holds three-character pieces, so a shorter term matches none of them.
func indexed(s string) bool { return utf8.RuneCountInString(s) >= 3 }

// sql is searchUsers' count and page statements; the page takes args, then
// LIMIT and OFFSET. With byIndex a search is looked up in users_search (as
// a phrase: any character but '"' stands for itself, and '"' is doubled),
// else by LIKE over the three columns.
func (f UserFilter) sql(byIndex bool) (countQ, pageQ string, args []any) {
	var where []string
	switch {
	case f.Search != "" && byIndex:
		where = append(where, `u.id IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)`)
		args = append(args, `"`+strings.ReplaceAll(f.Search, `"`, `""`)+`"`)
	case f.Search != "":
		like := "%" + escapeLike(f.Search) + "%"
		where = append(where, `(u.username LIKE ? ESCAPE '\' OR u.email LIKE ? ESCAPE '\' OR u.display_name LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	if f.Role != "" {
		where = append(where, `u.role = ?`)
		args = append(args, f.Role)
	}
	if f.Status != "" {
		where = append(where, `u.status = ?`)
		args = append(args, f.Status)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	return `SELECT COUNT(*) FROM users u` + cond,
		`SELECT ` + userCols + ` FROM users u` + cond + ` ORDER BY u.id LIMIT ? OFFSET ?`, args
}

// ListQueries are the statements of the admin's user list, for every
// filter, at page 400.
func ListQueries() []db.Query {
	var out []db.Query
	for _, f := range []UserFilter{{}, {Role: "admin"}, {Status: "disabled"}, {Role: "user", Status: "active"},
		{Search: "ann"}, {Search: "ann", Role: "user"}, {Search: "an"}} {
		for _, byIndex := range []bool{true, false} {
			if byIndex && !indexed(f.Search) {
				continue
			}
			countQ, pageQ, args := f.sql(byIndex)
			// Users are paged in id order, a walk of the table that stops
			// at the page; only role and status narrow it, and they match
			// most accounts. LIKE '%…%' has no index: a short search, or
			// one that matches most accounts, walks them.
			scan := "users are walked in id order up to the page"
			countScan := scan
			switch {
			case f.Search != "" && !byIndex:
				countScan = "LIKE '%…%' has no index; counting a short search reads every account"
			case f.Search == "" && f.Role == "admin":
				scan, countScan = "", "" // few admins: users_role_id must serve it in order
			case byIndex:
				scan, countScan = "", "" // users_search answers it
			}
			name := fmt.Sprintf("users %+v index=%v", f, byIndex)
			out = append(out, db.Query{Name: name + " count", SQL: countQ, Args: args, FullScan: countScan},
				db.Query{Name: name + " page", SQL: pageQ, Args: append(args, 20, 7980), FullScan: scan})
		}
	}
	return out
}

// allUsers returns every account, oldest first.
func allUsers(ctx context.Context, q querier) ([]principal.User, error) {
	return scanUsers(q.QueryContext(ctx, `SELECT `+userCols+` FROM users u ORDER BY u.id`))
}

// scanUsers reads the users a query of userCols returned.
func scanUsers(rows *sql.Rows, err error) ([]principal.User, error) {
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	defer rows.Close()
	out := []principal.User{}
	for rows.Next() {
		var r userRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("auth: list users: %w", err)
		}
		out = append(out, r.user())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	return out, nil
}

// countUsers counts every account, and those signed in since activeSince.
func countUsers(ctx context.Context, q querier, activeSince time.Time) (UserCounts, error) {
	var c UserCounts
	err := q.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE last_login_at >= ?) FROM users`,
		db.Millis(activeSince)).Scan(&c.Total, &c.Active30d)
	if err != nil {
		return UserCounts{}, fmt.Errorf("auth: count users: %w", err)
	}
	return c, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// passwordHash reads a user's password hash ("" for none); found is false
// when the user is gone.
func passwordHash(ctx context.Context, q querier, id int64) (hash string, found bool, err error) {
	var cur sql.NullString
	err = q.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, id).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("auth: read password: %w", err)
	}
	return cur.String, true, nil
}

// stampLastLogin sets last_login_at, and the password hash when newHash is
// not "" (a rehash with current parameters).
func stampLastLogin(ctx context.Context, tx *sql.Tx, id int64, now time.Time, newHash string) error {
	var err error
	if newHash != "" {
		_, err = tx.ExecContext(ctx, `UPDATE users SET last_login_at = ?, password_hash = ? WHERE id = ?`, db.Millis(now), newHash, id)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, db.Millis(now), id)
	}
	if err != nil {
		return fmt.Errorf("auth: record sign-in: %w", err)
	}
	return nil
}

// setPasswordHash stores a new password hash.
func setPasswordHash(ctx context.Context, tx *sql.Tx, id int64, hash string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, db.Millis(now), id); err != nil {
		return fmt.Errorf("auth: set password: %w", err)
	}
	return nil
}

// updateUserRow writes u's role, status, quota and approval overrides.
func updateUserRow(ctx context.Context, tx *sql.Tx, u principal.User, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE users SET role = ?, status = ?, request_quota = ?, download_quota = ?, download_approval = ?, updated_at = ? WHERE id = ?`,
		u.Role, u.Status, intOrNull(u.RequestQuota), intOrNull(u.DownloadQuota), boolOrNull(u.DownloadApproval), db.Millis(now), u.ID)
	if err != nil {
		return fmt.Errorf("auth: update user: %w", err)
	}
	return nil
}

// deleteUserRow deletes a user; the foreign keys take their sessions,
// tokens, requests and downloads with it.
func deleteUserRow(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
		return fmt.Errorf("auth: delete user: %w", err)
	}
	return nil
}

// plexProfile is what a Plex sign-in stores about the account, its tokens
// sealed.
type plexProfile struct {
	email, displayName, avatarURL, uuid string
	sealedToken, sealedServerToken      []byte
}

// updatePlexUser refreshes a Plex account's profile and tokens at sign-in.
func updatePlexUser(ctx context.Context, tx *sql.Tx, id int64, p plexProfile, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE users SET email = ?, display_name = ?, avatar_url = ?, plex_uuid = ?, plex_token = ?,
			plex_server_token = ?, last_login_at = ?, updated_at = ? WHERE id = ?`,
		p.email, p.displayName, p.avatarURL, p.uuid, p.sealedToken, p.sealedServerToken, db.Millis(now), db.Millis(now), id)
	if err != nil {
		return fmt.Errorf("auth: update plex user: %w", err)
	}
	return nil
}

// insertPlexUser creates the account of a Plex user signing in for the
// first time and returns its id.
func insertPlexUser(ctx context.Context, tx *sql.Tx, username, role string, plexID int64, p plexProfile, now time.Time) (int64, error) {
	ms := db.Millis(now)
	res, err := tx.ExecContext(ctx, `
		INSERT INTO users (username, email, display_name, avatar_url, role, status, provider, plex_id, plex_uuid,
			plex_token, plex_server_token, created_at, updated_at, last_login_at)
		VALUES (?, ?, ?, ?, ?, 'active', 'plex', ?, ?, ?, ?, ?, ?, ?)`,
		username, p.email, p.displayName, p.avatarURL, role, plexID, p.uuid,
		p.sealedToken, p.sealedServerToken, ms, ms, ms)
	if err != nil {
		return 0, fmt.Errorf("auth: create plex user: %w", err)
	}
	return res.LastInsertId()
}

// sealedServerToken reads a user's provider and sealed Plex server token;
// NOT_FOUND when there is no such user.
func sealedServerToken(ctx context.Context, q querier, id int64) (provider string, sealed []byte, err error) {
	err = q.QueryRowContext(ctx, `SELECT provider, plex_server_token FROM users WHERE id = ?`, id).Scan(&provider, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, userNotFound("with id " + strconv.FormatInt(id, 10))
	}
	if err != nil {
		return "", nil, fmt.Errorf("auth: load plex server token: %w", err)
	}
	return provider, sealed, nil
}
