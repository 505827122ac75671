package auth

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"medianest/app/principal"
	"medianest/app/ratelimit"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

type userOut struct {
	User *principal.User `json:"user"`
}

func (s *Service) handleProviders(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Providers(r.Context())
	if err != nil {
		return err
	}
	httpx.OK(w, p)
	return nil
}

func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) (err error) {
	defer func() { countSignInFailure("local", err) }()
	var in struct {
		Username   string `json:"username"`
		Password   string `json:"password"`
		RememberMe bool   `json:"rememberMe"`
	}
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	u, checkedHash, newHash, err := s.localSignIn(ctx, r, in.Username, in.Password)
	if err != nil {
		return err
	}
	err = s.signIn(w, r, in.RememberMe, "local", func(tx *sql.Tx) (principal.User, error) {
		return s.stampLogin(ctx, tx, u.ID, checkedHash, newHash)
	})
	if apperr.Is(err, apperr.AccountDisabled) {
		s.record(ctx, actorEntry(r, &u, "auth.login_failed", UserTarget(u.ID), "local: account disabled"))
	}
	return err
}

// signIn starts a session for the user prepare returns, ending the session
// the browser had before (a new sign-in never reuses a session id), sets the
// cookie and answers {"user": User}.
func (s *Service) signIn(w http.ResponseWriter, r *http.Request, remember bool, method string, prepare func(tx *sql.Tx) (principal.User, error)) error {
	ctx := r.Context()
	if old, ok := sessionCookie(r); ok && len(old) == secretLen {
		if err := s.revokeSession(ctx, hashSecret(old)); err != nil {
			return err
		}
	}
	secret, e, err := s.createSession(ctx, r, remember, prepare)
	if err != nil {
		return err
	}
	s.setCookie(w, r, secret, s.ttl(remember))
	u := e.user
	s.record(ctx, actorEntry(r, &u, "auth.login", UserTarget(u.ID), method))
	httpx.OK(w, userOut{User: &u})
	return nil
}

func (s *Service) handlePlexPin(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ForwardURL string `json:"forwardUrl"`
	}
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	if _, retry, ok := s.pinLimit.Take(ratelimit.ClientKey(httpx.ClientIP(r)), s.now()); !ok {
		return rateLimited(retry, "Plex sign-in attempts")
	}
	p, err := s.startPlexSignIn(r.Context(), w, r, in.ForwardURL)
	if err != nil {
		return err
	}
	httpx.Created(w, p)
	return nil
}

func (s *Service) handlePlexVerify(w http.ResponseWriter, r *http.Request) (err error) {
	defer func() { countSignInFailure("plex", err) }()
	var in struct {
		PinID      int64 `json:"pinId"`
		RememberMe bool  `json:"rememberMe"`
	}
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	if in.PinID <= 0 {
		return apperr.Field("pinId", "is required: the id POST /auth/plex/pin returned")
	}
	if _, retry, ok := s.pinLimit.Take(ratelimit.ClientKey(httpx.ClientIP(r)), s.now()); !ok {
		return rateLimited(retry, "Plex sign-in attempts")
	}
	u, pending, err := s.plexSignIn(r.Context(), r, in.PinID)
	if err != nil {
		return err
	}
	if pending {
		httpx.JSON(w, http.StatusAccepted, map[string]string{"status": "pending"})
		return nil
	}
	s.setPinCookie(w, r, "", -time.Second)
	ctx := r.Context()
	// The account is read again in the session's transaction: it may have
	// been disabled since plexSignIn saved it.
	err = s.signIn(w, r, in.RememberMe, "plex", func(tx *sql.Tx) (principal.User, error) { return activeUser(ctx, tx, u.ID) })
	if apperr.Is(err, apperr.AccountDisabled) {
		s.record(ctx, actorEntry(r, &u, "auth.login_failed", UserTarget(u.ID), "plex: account disabled"))
	}
	return err
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		AllSessions bool `json:"allSessions"`
	}
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	u := p.user
	if p.viaCookie() {
		if err := s.revokeSession(ctx, p.h); err != nil {
			return err
		}
		s.clearCookie(w, r)
		// The hub cannot tell this session's stream from the user's other
		// pages; those reconnect on their own with their still-valid cookies.
		s.endStreams(u.ID)
	}
	details := "this session"
	if in.AllSessions {
		details = "all sessions"
		if err := s.endAllSessions(r, u.ID); err != nil {
			return err
		}
	}
	s.record(ctx, actorEntry(r, &u, "auth.logout", UserTarget(u.ID), details))
	httpx.OK(w, struct{}{})
	return nil
}

// endAllSessions ends every session of a user.
func (s *Service) endAllSessions(r *http.Request, userID int64) error {
	ctx := r.Context()
	var epoch int64
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		epoch, err = deleteSessions(ctx, tx, userID, 0, s.now())
		return err
	})
	if err != nil {
		return err
	}
	s.noteEpoch(epoch)
	s.evictUser(userID)
	s.endStreams(userID)
	return nil
}

// optionalUser answers GET /auth/session?optional=true from an anonymous
// caller with {"user":null,"session":null} instead of 401, so a page can
// learn whether it is signed in without a failed request.
func (s *Service) optionalUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := principalFrom(r.Context()); !ok && r.URL.RawQuery != "" && r.URL.Query().Get("optional") == "true" {
			if p, _, err := s.authenticate(w, r); err == nil && p == nil {
				w.Header().Set("Cache-Control", "no-store")
				httpx.OK(w, struct {
					User    *principal.User `json:"user"`
					Session *Session        `json:"session"`
				}{})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Service) handleSession(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	httpx.OKAppend(w, p.appendSessionJSON)
	return nil
}

// appendSessionJSON appends GET /auth/session's data, {"user":…,
// "session":…}, as encoding/json writes it, from the entry's cached user
// encoding: the hot path's answer costs appends, not reflection.
func (e *entry) appendSessionJSON(b []byte) []byte {
	u := e.userJSON.Load()
	if u == nil {
		enc, err := json.Marshal(e.user)
		if err != nil {
			enc = []byte("null") // a User always encodes
		}
		u = &enc
		e.userJSON.Store(u)
	}
	// What session() holds, read in place: its expiry would be an
	// allocation per answer.
	b = append(b, `{"user":`...)
	b = append(b, *u...)
	b = append(b, `,"session":{"id":`...)
	b = strconv.AppendInt(b, e.id, 10)
	b = append(b, `,"expiresAt":`...)
	if ms := e.expires.Load(); ms == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = time.UnixMilli(ms).UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	switch e.kind {
	case 0:
		return append(b, `,"via":""}}`...)
	case kindToken:
		return append(b, `,"via":"token"}}`...)
	}
	return append(b, `,"via":"cookie"}}`...)
}

// SessionInfo is one of the caller's sessions as GET /auth/sessions lists it.
type SessionInfo struct {
	ID         int64     `json:"id"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
	UserAgent  string    `json:"userAgent"`
	IP         string    `json:"ip"`
	Current    bool      `json:"current"`
}

func (s *Service) handleSessions(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	var current int64
	if p.viaCookie() {
		current = p.id
	}
	page, pageSize, err := httpx.Paging(r)
	if err != nil {
		return err
	}
	out, total, err := listSessions(ctx, s.db.R, p.user.ID, s.now(), page, pageSize)
	if err != nil {
		return err
	}
	for i := range out {
		out[i].Current = out[i].ID == current
	}
	httpx.List(w, out, httpx.Page(page, pageSize, total))
	return nil
}

func (s *Service) handleDeleteSession(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	var h []byte
	err = s.db.Write(ctx, func(tx *sql.Tx) (err error) {
		h, err = deleteOwnSession(ctx, tx, id, p.user.ID)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "No such session.")
	}
	if err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	if len(h) == 32 {
		s.evict([32]byte(h))
	}
	if p.viaCookie() && p.id == id {
		s.clearCookie(w, r)
	}
	httpx.NoContent(w)
	return nil
}

func (s *Service) handlePassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		CurrentPassword string `json:"currentPassword"`
		NewPassword     string `json:"newPassword"`
	}
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	var keep int64
	if p.viaCookie() {
		keep = p.id
	}
	u := p.user
	if err := s.changePassword(ctx, r, &u, keep, in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	s.record(ctx, actorEntry(r, &u, "user.update", UserTarget(u.ID), "password changed"))
	httpx.OK(w, struct{}{})
	return nil
}

func (s *Service) handleListTokens(w http.ResponseWriter, r *http.Request) error {
	u, _ := principal.UserFrom(r.Context())
	list, err := s.ListTokens(r.Context(), u.ID)
	if err != nil {
		return err
	}
	httpx.OK(w, list)
	return nil
}

func (s *Service) handleCreateToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name          string `json:"name"`
		ExpiresInDays *int   `json:"expiresInDays"`
	}
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	u, _ := principal.UserFrom(r.Context())
	t, secret, err := s.CreateToken(r.Context(), &u, in.Name, in.ExpiresInDays)
	if err != nil {
		return err
	}
	s.record(r.Context(), actorEntry(r, &u, "token.create", fmt.Sprintf("token:%d", t.ID), t.Name))
	httpx.Created(w, struct {
		Token  Token  `json:"token"`
		Secret string `json:"secret"`
	}{t, secret})
	return nil
}

func (s *Service) handleDeleteToken(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	u, _ := principal.UserFrom(r.Context())
	if err := s.DeleteToken(r.Context(), u.ID, id); err != nil {
		return err
	}
	s.record(r.Context(), actorEntry(r, &u, "token.delete", fmt.Sprintf("token:%d", id), ""))
	httpx.NoContent(w)
	return nil
}
