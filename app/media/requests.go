package media

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/events"
	"medianest/app/overseerr"
	"medianest/app/services"
	"medianest/db"
)

// overseerrConn returns where Overseerr is now; not configured (or
// disabled) is SERVICE_UNAVAILABLE.
func (s *Requests) overseerrConn(ctx context.Context) (overseerr.Conn, error) {
	svc, err := s.svcs.Get(ctx, services.Overseerr)
	if err != nil {
		return overseerr.Conn{}, fmt.Errorf("media: overseerr settings: %w", err)
	}
	if !svc.Configured() {
		return overseerr.Conn{}, apperr.New(apperr.Unavailable, "Overseerr is not configured.")
	}
	return overseerr.Conn{URL: svc.URL, APIKey: svc.APIKey}, nil
}

// parseCreate validates the body of POST /media/requests. For a show it
// returns the asked seasons, or all = true for "all".
func parseCreate(in CreateInput) (seasons []int, all bool, err error) {
	var details []apperr.FieldError
	if in.MediaType != "movie" && in.MediaType != "tv" {
		details = append(details, apperr.FieldError{Field: "mediaType", Message: `must be "movie" or "tv"`})
	}
	if in.TmdbID <= 0 {
		details = append(details, apperr.FieldError{Field: "tmdbId", Message: "must be a positive number"})
	}
	if in.MediaType == "tv" {
		raw := bytes.TrimSpace(in.Seasons)
		switch {
		case len(raw) == 0 || string(raw) == "null":
			details = append(details, apperr.FieldError{Field: "seasons", Message: `is required for tv: a list of season numbers or "all"`})
		case raw[0] == '"':
			var s string
			if json.Unmarshal(raw, &s) != nil || s != "all" {
				details = append(details, apperr.FieldError{Field: "seasons", Message: `must be a list of season numbers or "all"`})
			}
			all = true
		default:
			if json.Unmarshal(raw, &seasons) != nil || len(seasons) == 0 {
				details = append(details, apperr.FieldError{Field: "seasons", Message: `must be a non-empty list of season numbers or "all"`})
				break
			}
			seen := map[int]bool{}
			uniq := seasons[:0]
			for _, n := range seasons {
				if n <= 0 {
					details = append(details, apperr.FieldError{Field: "seasons", Message: "season numbers must be positive"})
					break
				}
				if !seen[n] {
					seen[n] = true
					uniq = append(uniq, n)
				}
			}
			seasons = uniq
		}
	}
	if len(details) > 0 {
		return nil, false, apperr.Validation(details...)
	}
	return seasons, all, nil
}

// checkQuota refuses a request over u's quota: their own override (loaded
// with the account by auth, whose cache drops an account an admin changes),
// else overseerr.request_quota, per request_quota_days (0 = unlimited).
// Declined requests do not count. Retry-After says when one frees up.
func (s *Requests) checkQuota(ctx context.Context, u principal.User) error {
	userID := u.ID
	limit := s.cfg.RequestQuota
	if u.RequestQuota != nil {
		limit = *u.RequestQuota
	}
	if limit <= 0 {
		return nil
	}
	window := time.Duration(s.cfg.RequestQuotaDays) * 24 * time.Hour
	now := s.now()
	since := now.Add(-window)
	used, _, err := s.quotaUse(ctx, userID, since)
	if err != nil {
		return err
	}
	if used < limit {
		return nil
	}
	// A slot frees when enough of the oldest requests leave the window to
	// bring the count below the limit.
	var at int64
	err = s.db.R.QueryRowContext(ctx, `SELECT created_at FROM media_requests
		WHERE user_id = ? AND created_at >= ? AND status != 'declined'
		ORDER BY created_at LIMIT 1 OFFSET ?`, userID, db.Millis(since), used-limit).Scan(&at)
	if err != nil {
		return fmt.Errorf("media: quota: %w", err)
	}
	retry := db.Time(at).Add(window).Sub(now)
	retry = min(max(retry, time.Second), window)
	return &apperr.Error{
		Kind:       apperr.QuotaExceeded,
		Message:    fmt.Sprintf("You have made %d requests in the last %d days, your limit.", used, s.cfg.RequestQuotaDays),
		RetryAfter: retry,
	}
}

// checkDuplicate refuses a title (or, for a show, every asked season) that
// already has a standing request here. "all" is left to Overseerr, which
// knows the show's seasons.
func (s *Requests) checkDuplicate(ctx context.Context, mediaType string, tmdbID int64, seasons []int, all bool) error {
	live, err := s.liveForTitle(ctx, mediaType, tmdbID)
	if err != nil {
		return err
	}
	if len(live) == 0 {
		return nil
	}
	if mediaType == "movie" {
		return apperr.New(apperr.AlreadyRequested, "This title has already been requested.")
	}
	if all {
		return nil
	}
	covered := map[int]bool{}
	for _, r := range live {
		for _, n := range r.Seasons {
			covered[n] = true
		}
	}
	for _, n := range seasons {
		if !covered[n] {
			return nil
		}
	}
	return apperr.New(apperr.AlreadyRequested, "Every season asked for has already been requested.")
}

// checkAvailable refuses a title that Overseerr already lists as available
// (for a show: every asked season).
func checkAvailable(d overseerr.Details, seasons []int, all bool) error {
	if d.Media == nil {
		return nil
	}
	if d.Media.Status == overseerr.MediaAvailable {
		return apperr.New(apperr.AlreadyRequested, "This title is already available.")
	}
	if d.MediaType != "tv" || all || len(seasons) == 0 {
		return nil
	}
	avail := map[int]bool{}
	for _, se := range d.Seasons {
		avail[se.SeasonNumber] = se.Status == overseerr.MediaAvailable
	}
	for _, n := range seasons {
		if !avail[n] {
			return nil
		}
	}
	return apperr.New(apperr.AlreadyRequested, "Every season asked for is already available.")
}

// overseerrUser is the Overseerr user that u's requests are made as: the
// one with u's Plex account id, else u's e-mail; 0 when none matches (then
// CreateRequest uses overseerr.fallback_user_id or holds the request). The
// answer is cached for a few minutes.
func (s *Requests) overseerrUser(ctx context.Context, conn overseerr.Conn, u principal.User) (int64, error) {
	if id, ok := s.userMap.Get(u.ID); ok {
		return id, nil
	}
	users, err := s.os.Users(ctx, conn)
	if err != nil {
		return 0, fmt.Errorf("media: list overseerr users: %w", err)
	}
	var id int64
	if m, ok := overseerr.FindUser(users, u.PlexID, u.Email); ok {
		id = m.ID
	}
	s.userMap.Add(u.ID, id)
	return id, nil
}

// CreateRequest asks Overseerr for a title on u's behalf and records the
// request. Nothing is stored unless Overseerr accepted it.
func (s *Requests) CreateRequest(ctx context.Context, u principal.User, in CreateInput) (MediaRequest, error) {
	seasons, all, err := parseCreate(in)
	if err != nil {
		return MediaRequest{}, err
	}
	// One creation at a time per user, so that two quick clicks cannot
	// both pass the quota and duplicate checks.
	unlock := s.createLock.Lock(u.ID)
	defer unlock()
	if err := s.checkQuota(ctx, u); err != nil {
		return MediaRequest{}, err
	}
	if err := s.checkDuplicate(ctx, in.MediaType, in.TmdbID, seasons, all); err != nil {
		return MediaRequest{}, err
	}
	conn, err := s.overseerrConn(ctx)
	if err != nil {
		return MediaRequest{}, err
	}
	var d overseerr.Details
	if in.MediaType == "movie" {
		d, err = s.os.Movie(ctx, conn, in.TmdbID)
	} else {
		d, err = s.os.TV(ctx, conn, in.TmdbID)
	}
	if err != nil {
		return MediaRequest{}, overseerrDown(err)
	}
	if err := checkAvailable(d, seasons, all); err != nil {
		return MediaRequest{}, err
	}
	asUser, err := s.overseerrUser(ctx, conn, u)
	if err != nil {
		return MediaRequest{}, overseerrDown(err)
	}
	if asUser == 0 {
		asUser = s.cfg.FallbackUserID
	}
	now := s.now().UTC()
	r := MediaRequest{
		UserID: u.ID, Username: u.Username, MediaType: in.MediaType, TmdbID: in.TmdbID,
		Title: d.Title, Year: intPtr(d.Year), PosterURL: s.posterURL(d.PosterPath),
		Seasons: []int{}, Status: StatusPending, CreatedAt: now, UpdatedAt: now,
	}
	if asUser == 0 {
		// No Overseerr user to request as: made with the API key alone, the
		// request would be its owner's and approve itself. It waits here
		// for an admin instead (Decide sends it).
		if in.MediaType == "tv" {
			r.Seasons = append(r.Seasons, seasons...)
			if all {
				r.Seasons = showSeasons(d)
			}
		}
		return s.storeCreated(ctx, u, r, overseerr.Conn{})
	}
	created, err := s.os.CreateRequest(ctx, conn, asUser, in.MediaType, in.TmdbID, seasons, all)
	if err != nil {
		return MediaRequest{}, overseerrDown(err)
	}
	oid := created.ID
	r.Status, r.OverseerrRequestID = requestStatus(created), &oid
	if in.MediaType == "tv" {
		if r.Seasons = created.SeasonNumbers(); len(r.Seasons) == 0 {
			r.Seasons = append([]int{}, seasons...)
		}
	}
	if Final(r.Status) {
		r.CompletedAt = &now
	}
	return s.storeCreated(ctx, u, r, conn)
}

// showSeasons are the numbers of a show's seasons, specials (0) left out,
// for a request of "all" that is held here: it is sent later with the
// seasons it was made for.
func showSeasons(d overseerr.Details) []int {
	out := []int{}
	for _, se := range d.Seasons {
		if se.SeasonNumber > 0 {
			out = append(out, se.SeasonNumber)
		}
	}
	return out
}

// storeCreated records a new request r of u's and announces it. When it
// could not be recorded, the Overseerr request it stands for (if any, on
// conn) is taken back so that the user can simply try again.
func (s *Requests) storeCreated(ctx context.Context, u principal.User, r MediaRequest, conn overseerr.Conn) (MediaRequest, error) {
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		id, err := insertRequest(ctx, tx, r)
		if err != nil {
			return err
		}
		r, err = s.getRequestTx(ctx, tx, id)
		r.Username = u.Username
		return err
	})
	s.forget()
	if err != nil {
		if oid := r.OverseerrRequestID; oid != nil {
			if derr := s.os.DeleteRequest(context.WithoutCancel(ctx), conn, *oid); derr != nil {
				s.logger(ctx).Warn("media: undo overseerr request", "overseerr_request", *oid, "err", derr)
			}
		}
		return MediaRequest{}, fmt.Errorf("media: store request: %w", err)
	}
	countStatus(r.Status)
	s.publish(events.Event{Type: events.RequestUpdated, Data: r, UserID: r.UserID, Admins: true})
	return r, nil
}

// GetRequest returns request id to its owner or an admin; anyone else gets
// NOT_FOUND, as if it did not exist.
func (s *Requests) GetRequest(ctx context.Context, u principal.User, id int64) (MediaRequest, error) {
	r, err := s.getRequest(ctx, id)
	if err != nil {
		return MediaRequest{}, err
	}
	if r.UserID != u.ID && !u.IsAdmin() {
		return MediaRequest{}, errNoRequest()
	}
	return r, nil
}

// DeleteRequest removes request id here and in Overseerr. The owner may do
// so while it is pending (CONFLICT after that); an admin always may, and
// an admin removing someone else's request is audited as request.delete.
func (s *Requests) DeleteRequest(ctx context.Context, u principal.User, id int64, ip string) error {
	r, err := s.GetRequest(ctx, u, id)
	if err != nil {
		return err
	}
	if !u.IsAdmin() && r.Status != StatusPending {
		return apperr.New(apperr.Conflict, "This request is %s; only a pending request can be withdrawn.", r.Status)
	}
	if r.OverseerrRequestID != nil {
		conn, err := s.overseerrConn(ctx)
		switch {
		case err == nil:
			err = s.os.DeleteRequest(ctx, conn, *r.OverseerrRequestID)
			if err != nil && !errors.Is(err, overseerr.ErrNotFound) {
				return overseerrDown(err)
			}
		case apperr.Is(err, apperr.Unavailable):
			// Overseerr is not configured any more: there is nothing to
			// remove there.
		default:
			return err
		}
	}
	if err := s.deleteRequestRow(ctx, id); err != nil {
		return err
	}
	if u.IsAdmin() && r.UserID != u.ID && s.audit != nil {
		s.audit.Record(ctx, audit.Entry{ActorID: u.ID, ActorName: u.Username, Action: "request.delete",
			Target: "request:" + strconv.FormatInt(id, 10), Details: r.Title, IP: ip})
	}
	return nil
}

// Decide approves (or declines) request id in Overseerr as admin u and
// records the outcome through the common status path. A request held here
// (made by someone with no Overseerr user to request as) is sent to
// Overseerr when approved — with the API key, the admin having approved it
// — and declined without asking Overseerr. The decision is audited as
// request.approve or request.decline.
func (s *Requests) Decide(ctx context.Context, u principal.User, id int64, approve bool, ip string) (MediaRequest, error) {
	r, err := s.getRequest(ctx, id)
	if err != nil {
		return MediaRequest{}, err
	}
	// The owner's lock: a held request is sent once, however many admins
	// click at the same time.
	unlock := s.createLock.Lock(r.UserID)
	defer unlock()
	if r, err = s.getRequest(ctx, id); err != nil {
		return MediaRequest{}, err
	}
	held := r.OverseerrRequestID == nil && r.Status == StatusPending
	if r.OverseerrRequestID == nil && !held {
		return MediaRequest{}, apperr.New(apperr.Conflict, "This request is not tracked in Overseerr.")
	}
	action := "request.approve"
	if !approve {
		action = "request.decline"
	}
	var st string
	switch {
	case held && !approve:
		st = StatusDeclined
	case held:
		if st, err = s.send(ctx, r); err != nil {
			return MediaRequest{}, err
		}
	default:
		conn, err := s.overseerrConn(ctx)
		if err != nil {
			return MediaRequest{}, err
		}
		var got overseerr.Request
		if approve {
			got, err = s.os.Approve(ctx, conn, *r.OverseerrRequestID)
		} else {
			got, err = s.os.Decline(ctx, conn, *r.OverseerrRequestID)
		}
		if err != nil {
			return MediaRequest{}, overseerrDown(err)
		}
		st = requestStatus(got)
		if !approve {
			st = StatusDeclined
		}
	}
	updated, _, err := s.setStatus(ctx, id, st, fromOverseerr)
	if err != nil {
		return MediaRequest{}, err
	}
	if s.audit != nil {
		s.audit.Record(ctx, audit.Entry{ActorID: u.ID, ActorName: u.Username, Action: action,
			Target: "request:" + strconv.FormatInt(id, 10), Details: updated.Title, IP: ip})
	}
	return updated, nil
}

// send creates held request r in Overseerr with the API key (so it is
// approved there), records Overseerr's request id on it and returns the
// status Overseerr gave it.
func (s *Requests) send(ctx context.Context, r MediaRequest) (string, error) {
	conn, err := s.overseerrConn(ctx)
	if err != nil {
		return "", err
	}
	created, err := s.os.CreateRequest(ctx, conn, 0, r.MediaType, r.TmdbID, r.Seasons, r.MediaType == "tv" && len(r.Seasons) == 0)
	if err != nil {
		return "", overseerrDown(err)
	}
	if err := s.setOverseerrID(ctx, r.ID, created.ID); err != nil {
		if derr := s.os.DeleteRequest(context.WithoutCancel(ctx), conn, created.ID); derr != nil {
			s.logger(ctx).Warn("media: undo overseerr request", "overseerr_request", created.ID, "err", derr)
		}
		return "", err
	}
	return requestStatus(created), nil
}
