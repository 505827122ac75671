package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"medianest/app/apperr"
	"medianest/app/principal"
)

// The operations below are what the admin API (app/admin) does with
// accounts. They take the acting admin from ctx and record nothing: the
// handler records the audit entry, since it knows the request's address.

// AddLocalUser creates a local account for an admin. It is CreateLocalUser
// without the CLI's audit entry.
func (s *Service) AddLocalUser(ctx context.Context, username, password, email, role string) (*principal.User, error) {
	return s.createLocalUser(ctx, username, password, email, role)
}

// UpdateUser applies p to user id for the admin in ctx, who may neither
// demote nor disable themself. A role or status change ends the user's
// sessions at once.
func (s *Service) UpdateUser(ctx context.Context, id int64, p UserPatch) (principal.User, error) {
	if admin, ok := principal.UserFrom(ctx); ok && admin.ID == id {
		if p.Role != nil && *p.Role != principal.RoleAdmin {
			return principal.User{}, apperr.Field("role", "you cannot remove your own admin role; ask another admin")
		}
		if p.Status != nil && *p.Status != principal.StatusActive {
			return principal.User{}, apperr.Field("status", "you cannot disable your own account")
		}
	}
	return s.updateUser(ctx, id, p)
}

// DeleteUser deletes account id for the admin in ctx, who cannot delete
// themself.
func (s *Service) DeleteUser(ctx context.Context, id int64) (principal.User, error) {
	if admin, ok := principal.UserFrom(ctx); ok && admin.ID == id {
		return principal.User{}, apperr.New(apperr.Invalid, "You cannot delete your own account.")
	}
	return s.deleteUser(ctx, id)
}

// UserFilter selects users for the admin listing.
type UserFilter struct {
	Search   string // in username, e-mail or display name
	Role     string
	Status   string
	Page     int
	PageSize int
}

// SearchUsers returns one page of users matching f, oldest first, and the
// total number that match. A bad role or status is VALIDATION_ERROR.
func (s *Service) SearchUsers(ctx context.Context, f UserFilter) ([]principal.User, int64, error) {
	f.Search = strings.TrimSpace(f.Search)
	if f.Role != "" {
		if err := checkRole("role", f.Role); err != nil {
			return nil, 0, err
		}
	}
	if f.Status != "" {
		if err := checkStatus("status", f.Status); err != nil {
			return nil, 0, err
		}
	}
	return searchUsers(ctx, s.db.R, f, &s.userCounts)
}

// UserCounts are the totals the admin stats page shows.
type UserCounts struct {
	Total int64 `json:"total"`
	// Active30d is how many signed in within the last 30 days.
	Active30d int64 `json:"active30d"`
}

// CountUsers counts every account and those signed in within 30 days.
func (s *Service) CountUsers(ctx context.Context) (UserCounts, error) {
	return countUsers(ctx, s.db.R, s.now().Add(-30*24*time.Hour))
}

// PatchDetails is the audit note of a change: "name: role=admin quota=…".
func PatchDetails(name string, p UserPatch) string {
	parts := []string{name + ":"}
	if p.Role != nil {
		parts = append(parts, "role="+*p.Role)
	}
	if p.Status != nil {
		parts = append(parts, "status="+*p.Status)
	}
	quota := func(k string, o OptInt) {
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
	switch o := p.RequireApproval; {
	case !o.Set:
	case o.Value == nil:
		parts = append(parts, "requireApproval=default")
	default:
		parts = append(parts, fmt.Sprintf("requireApproval=%t", *o.Value))
	}
	return strings.Join(parts, " ")
}
