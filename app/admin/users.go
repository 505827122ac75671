package admin

import (
	"context"
	"fmt"
	"net/http"

	"medianest/app/auth"
	"medianest/app/httpx"
	"medianest/app/principal"
)

// User is a user as the admin listing shows it: with usage counts and the
// quota overrides (null: the configured default applies).
type User struct {
	principal.User
	RequestCount  int64 `json:"requestCount"`
	DownloadCount int64 `json:"downloadCount"`
	RequestQuota  *int  `json:"requestQuota"`
	DownloadQuota *int  `json:"downloadQuota"`
	// RequireApproval is the user's own approval setting for downloads,
	// or null when youtube.require_approval applies.
	RequireApproval *bool `json:"requireApproval"`
}

// withCounts adds to users their request and download counts, two batch
// queries for the whole page.
func (s *Service) withCounts(ctx context.Context, users []principal.User) ([]User, error) {
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	reqs, err := s.d.Requests.RequestCountsByUser(ctx, ids)
	if err != nil {
		return nil, err
	}
	dls, err := s.d.Downloads.CountsByUser(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]User, len(users))
	for i, u := range users {
		out[i] = User{User: u, RequestCount: reqs[u.ID], DownloadCount: dls[u.ID],
			RequestQuota: u.RequestQuota, DownloadQuota: u.DownloadQuota, RequireApproval: u.DownloadApproval}
	}
	return out, nil
}

func (s *Service) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	page, pageSize, err := httpx.Paging(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ctx := r.Context()
	users, total, err := s.d.Users.SearchUsers(ctx, auth.UserFilter{
		Search: q.Get("search"), Role: q.Get("role"), Status: q.Get("status"), Page: page, PageSize: pageSize})
	if err != nil {
		return err
	}
	list, err := s.withCounts(ctx, users)
	if err != nil {
		return err
	}
	httpx.List(w, list, httpx.Page(page, pageSize, total))
	return nil
}

func (s *Service) handleCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Role     string `json:"role"`
		Email    string `json:"email"`
	}
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	u, err := s.d.Users.AddLocalUser(r.Context(), in.Username, in.Password, in.Email, in.Role)
	if err != nil {
		return err
	}
	s.record(r, "user.create", auth.UserTarget(u.ID), fmt.Sprintf("local account %s, role %s", u.Username, u.Role))
	httpx.Created(w, u)
	return nil
}

func (s *Service) handleUpdateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var p auth.UserPatch
	if err := httpx.Decode(r, &p); err != nil {
		return err
	}
	ctx := r.Context()
	u, err := s.d.Users.UpdateUser(ctx, id, p)
	if err != nil {
		return err
	}
	s.record(r, "user.update", auth.UserTarget(u.ID), auth.PatchDetails(u.Username, p))
	out, err := s.withCounts(ctx, []principal.User{u})
	if err != nil {
		return err
	}
	httpx.OK(w, out[0])
	return nil
}

func (s *Service) handleDeleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.d.Users.DeleteUser(r.Context(), id)
	if err != nil {
		return err
	}
	s.record(r, "user.delete", auth.UserTarget(id), u.Username)
	httpx.NoContent(w)
	return nil
}

func (s *Service) handleAudit(w http.ResponseWriter, r *http.Request) error {
	page, pageSize, err := httpx.Paging(r)
	if err != nil {
		return err
	}
	list, total, err := s.d.Audit.List(r.Context(), page, pageSize, r.URL.Query().Get("action"))
	if err != nil {
		return err
	}
	httpx.List(w, list, httpx.Page(page, pageSize, total))
	return nil
}
