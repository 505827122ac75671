package auth

import (
	"fmt"
	"net/http"
	"strings"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

func (s *Service) handleAdminListUsers(w http.ResponseWriter, r *http.Request) error {
	page, pageSize, err := httpx.Paging(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := UserFilter{Search: strings.TrimSpace(q.Get("search")), Role: q.Get("role"), Status: q.Get("status"), Page: page, PageSize: pageSize}
	if f.Role != "" {
		if err := checkRole("role", f.Role); err != nil {
			return err
		}
	}
	if f.Status != "" {
		if err := checkStatus("status", f.Status); err != nil {
			return err
		}
	}
	list, total, err := s.SearchUsers(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.List(w, list, httpx.Page(page, pageSize, total))
	return nil
}

func (s *Service) handleAdminCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Role     string `json:"role"`
		Email    string `json:"email"`
	}
	if err := httpx.Decode(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	u, err := s.createLocalUser(ctx, in.Username, in.Password, in.Email, in.Role)
	if err != nil {
		return err
	}
	admin, _ := principal.UserFrom(ctx)
	s.record(ctx, actorEntry(r, &admin, "user.create", userTarget(u.ID), fmt.Sprintf("local account %s, role %s", u.Username, u.Role)))
	httpx.Created(w, u)
	return nil
}

func (s *Service) handleAdminUpdateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var p userPatch
	if err := httpx.Decode(r, &p); err != nil {
		return err
	}
	ctx := r.Context()
	admin, _ := principal.UserFrom(ctx)
	if id == admin.ID {
		if p.Role != nil && *p.Role != principal.RoleAdmin {
			return apperr.Field("role", "you cannot remove your own admin role; ask another admin")
		}
		if p.Status != nil && *p.Status != principal.StatusActive {
			return apperr.Field("status", "you cannot disable your own account")
		}
	}
	u, err := s.updateUser(ctx, id, p)
	if err != nil {
		return err
	}
	s.record(ctx, actorEntry(r, &admin, "user.update", userTarget(u.ID), patchDetails(u.Username, p)))
	out, err := s.adminUser(ctx, u)
	if err != nil {
		return err
	}
	httpx.OK(w, out)
	return nil
}

func patchDetails(name string, p userPatch) string {
	parts := []string{name + ":"}
	if p.Role != nil {
		parts = append(parts, "role="+*p.Role)
	}
	if p.Status != nil {
		parts = append(parts, "status="+*p.Status)
	}
	quota := func(k string, o optInt) {
		switch {
		case !o.Set:
		case o.Value == nil:
			parts = append(parts, k+"=default")
		default:
			parts = append(parts, fmt.Sprintf("%s=%d", k, *o.Value))
		}
	}
	quota("requestQuota", p.RequestQuota)
	quota("downloadQuota", p.DownloadQuota)
	return strings.Join(parts, " ")
}

func (s *Service) handleAdminDeleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	admin, _ := principal.UserFrom(ctx)
	if id == admin.ID {
		return apperr.New(apperr.Invalid, "You cannot delete your own account.")
	}
	u, err := s.deleteUser(ctx, id)
	if err != nil {
		return err
	}
	s.record(ctx, actorEntry(r, &admin, "user.delete", userTarget(id), u.Username))
	httpx.NoContent(w)
	return nil
}
