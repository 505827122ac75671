package auth

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/audit"
)

// The operations below are shared by the admin API and the CLI
// (`medianest user …`, which runs in its own process against the same
// database). Every change that must end sessions bumps the auth epoch in the
// same transaction, so a running server drops its cached copies within one
// EpochPoll.

// CreateLocalUser adds a local account. role is "user" or "admin" ("" is
// user); email may be empty. A taken username (in any case) is CONFLICT.
// Like the other operations the CLI runs, it is audited as done by "cli".
func (s *Service) CreateLocalUser(ctx context.Context, username, password, email, role string) (*principal.User, error) {
	u, err := s.createLocalUser(ctx, username, password, email, role)
	if err != nil {
		return nil, err
	}
	s.record(ctx, cliEntry("user.create", u, "local account, role "+u.Role))
	return u, nil
}

// cliEntry is an audit entry for a change made outside the web API.
func cliEntry(action string, u *principal.User, details string) audit.Entry {
	return audit.Entry{ActorName: "cli", Action: action, Target: UserTarget(u.ID), Details: u.Username + ": " + details}
}

func (s *Service) createLocalUser(ctx context.Context, username, password, email, role string) (*principal.User, error) {
	username, email = strings.TrimSpace(username), strings.TrimSpace(email)
	if role == "" {
		role = principal.RoleUser
	}
	var errs []apperr.FieldError
	for _, err := range []error{checkUsername(username), checkPassword("password", password), checkEmail(email), checkRole("role", role)} {
		if e, ok := apperr.As(err); ok {
			errs = append(errs, e.Details...)
		}
	}
	if len(errs) > 0 {
		return nil, apperr.Validation(errs...)
	}
	if taken, err := usernameTaken(ctx, s.db.R, username); err != nil {
		return nil, err
	} else if taken {
		return nil, apperr.New(apperr.Conflict, "The username %q is already taken.", username)
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	var u principal.User
	err = s.writeUsers(ctx, func(tx *sql.Tx) error {
		id, err := insertLocalUser(ctx, tx, username, email, role, hash, s.now())
		if err != nil {
			return err
		}
		u, err = userByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// ListUsers returns every account, oldest first.
func (s *Service) ListUsers(ctx context.Context) ([]principal.User, error) {
	return allUsers(ctx, s.db.R)
}

// GetUser returns one account; NOT_FOUND when there is none.
func (s *Service) GetUser(ctx context.Context, id int64) (*principal.User, error) {
	u, err := userByID(ctx, s.db.R, id)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func (s *Service) idByName(ctx context.Context, username string) (principal.User, error) {
	u, _, err := userByName(ctx, s.db.R, strings.TrimSpace(username))
	return u, err
}

// SetPassword sets a local account's password and ends all its sessions.
// A Plex account cannot have one: it signs in through plex.tv.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	u, err := s.idByName(ctx, username)
	if err != nil {
		return err
	}
	if u.Provider != principal.ProviderLocal {
		return apperr.New(apperr.Invalid, "%s signs in with Plex and has no password here.", u.Username)
	}
	if err := checkPassword("password", password); err != nil {
		return err
	}
	if err := s.setPassword(ctx, u.ID, password, 0); err != nil {
		return err
	}
	s.record(ctx, cliEntry("user.update", &u, "password set"))
	return nil
}

// SetRole makes a user "admin" or "user"; a change ends their sessions.
func (s *Service) SetRole(ctx context.Context, username, role string) error {
	u, err := s.idByName(ctx, username)
	if err != nil {
		return err
	}
	if _, err = s.updateUser(ctx, u.ID, UserPatch{Role: &role}); err != nil {
		return err
	}
	s.record(ctx, cliEntry("user.update", &u, "role="+role))
	return nil
}

// SetStatus makes a user "active" or "disabled"; a change ends their
// sessions, and disabling also stops their API tokens working.
func (s *Service) SetStatus(ctx context.Context, username, status string) error {
	u, err := s.idByName(ctx, username)
	if err != nil {
		return err
	}
	if _, err = s.updateUser(ctx, u.ID, UserPatch{Status: &status}); err != nil {
		return err
	}
	s.record(ctx, cliEntry("user.update", &u, "status="+status))
	return nil
}

// OptInt is a JSON field that may be absent (Set false), null (Set, nil:
// back to the default) or a number.
type OptInt struct {
	Set   bool
	Value *int
}

func (o *OptInt) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Value = nil
		return nil
	}
	var v int
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// OptBool is a JSON field that may be absent (Set false), null (Set, nil:
// back to the default) or true or false.
type OptBool struct {
	Set   bool
	Value *bool
}

func (o *OptBool) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Value = nil
		return nil
	}
	var v bool
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// UserPatch is a change to an account (the body of PATCH
// /admin/users/{id}); nil / unset fields stay as they are.
type UserPatch struct {
	Role          *string `json:"role"`
	Status        *string `json:"status"`
	RequestQuota  OptInt  `json:"requestQuota"`
	DownloadQuota OptInt  `json:"downloadQuota"`
	// RequireApproval makes the user's downloads wait for an admin (true),
	// not wait (false), or follow youtube.require_approval (null).
	RequireApproval OptBool `json:"requireApproval"`
}

func (p UserPatch) validate() error {
	var errs []apperr.FieldError
	add := func(err error) {
		if e, ok := apperr.As(err); ok {
			errs = append(errs, e.Details...)
		}
	}
	if p.Role != nil {
		add(checkRole("role", *p.Role))
	}
	if p.Status != nil {
		add(checkStatus("status", *p.Status))
	}
	for _, q := range []struct {
		name string
		v    OptInt
	}{{"requestQuota", p.RequestQuota}, {"downloadQuota", p.DownloadQuota}} {
		if q.v.Value != nil && (*q.v.Value < 0 || *q.v.Value > 1_000_000) {
			errs = append(errs, apperr.FieldError{Field: q.name, Message: "must be a whole number from 0 to 1000000, or null for the default"})
		}
	}
	if len(errs) > 0 {
		return apperr.Validation(errs...)
	}
	return nil
}

// updateUser applies p to user id. A role or status change ends the user's
// sessions at once (database first, then this process's cache; the epoch
// tells other processes). It returns the updated user and what changed.
func (s *Service) updateUser(ctx context.Context, id int64, p UserPatch) (principal.User, error) {
	if err := p.validate(); err != nil {
		return principal.User{}, err
	}
	now := s.now()
	var u principal.User
	var epoch int64
	err := s.writeUsers(ctx, func(tx *sql.Tx) error {
		cur, err := userByID(ctx, tx, id)
		if err != nil {
			return err
		}
		next := cur
		if p.Role != nil {
			next.Role = *p.Role
		}
		if p.Status != nil {
			next.Status = *p.Status
		}
		if p.RequestQuota.Set {
			next.RequestQuota = p.RequestQuota.Value
		}
		if p.DownloadQuota.Set {
			next.DownloadQuota = p.DownloadQuota.Value
		}
		if p.RequireApproval.Set {
			next.DownloadApproval = p.RequireApproval.Value
		}
		if err := updateUserRow(ctx, tx, next, now); err != nil {
			return err
		}
		if next.Role != cur.Role || next.Status != cur.Status {
			if epoch, err = deleteSessions(ctx, tx, id, 0, now); err != nil {
				return err
			}
		}
		// Disabling signs the account out everywhere for good: its API
		// tokens go too, so re-enabling it revives nothing.
		if next.Status == principal.StatusDisabled && cur.Status != principal.StatusDisabled {
			if err := deleteUserTokens(ctx, tx, id); err != nil {
				return err
			}
		}
		u, err = userByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return principal.User{}, err
	}
	s.evictUser(id)
	if epoch != 0 {
		s.noteEpoch(epoch)
		s.endStreams(id)
	}
	return u, nil
}

// deleteUser deletes an account with its sessions, tokens, requests and
// downloads (the foreign keys cascade; downloaded files stay on disk).
func (s *Service) deleteUser(ctx context.Context, id int64) (principal.User, error) {
	var u principal.User
	var epoch int64
	err := s.writeUsers(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = userByID(ctx, tx, id); err != nil {
			return err
		}
		if err = deleteUserRow(ctx, tx, id); err != nil {
			return err
		}
		epoch, err = bumpEpoch(ctx, tx, s.now())
		return err
	})
	if err != nil {
		return principal.User{}, err
	}
	s.noteEpoch(epoch)
	s.evictUser(id)
	s.endStreams(id)
	return u, nil
}

// UserTarget is how the audit log names a user.
func UserTarget(id int64) string { return "user:" + strconv.FormatInt(id, 10) }
