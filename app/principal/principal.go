// Package principal says who is calling: the account a request was
// authenticated as, its role, and how it travels in a request's context.
//
// It is a leaf (it imports nothing of MediaNest's) so that every domain can
// ask "who is this and may they?" without depending on auth, which is where
// accounts are created, signed in and changed.
package principal

import (
	"context"
	"time"
)

// Roles, statuses and sign-in providers of an account.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"

	StatusActive   = "active"
	StatusDisabled = "disabled"

	ProviderPlex  = "plex"
	ProviderLocal = "local"
)

// User is an account. Its JSON is the API's User object; the Plex id and the
// quota overrides stay internal (the admin listing adds the quotas).
type User struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	Email       string     `json:"email"`
	DisplayName string     `json:"displayName"`
	AvatarURL   string     `json:"avatarUrl"`
	Role        string     `json:"role"`
	Status      string     `json:"status"`
	Provider    string     `json:"provider"`
	CreatedAt   time.Time  `json:"createdAt"`
	LastLoginAt *time.Time `json:"lastLoginAt"`

	// PlexID is the plex.tv account id of a Plex account, 0 for local ones.
	PlexID int64 `json:"-"`
	// RequestQuota and DownloadQuota are the user's own limits; nil means
	// the configured default applies.
	RequestQuota  *int `json:"-"`
	DownloadQuota *int `json:"-"`
	// DownloadApproval says whether the user's downloads wait for an
	// admin; nil means youtube.require_approval applies.
	DownloadApproval *bool `json:"-"`
}

// IsAdmin reports whether the user has the admin role.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// Active reports whether the account may sign in and be used.
func (u User) Active() bool { return u.Status == StatusActive }

// Caller is what an authenticated request carries: auth's implementation is
// backed by its session cache. User returns a copy, so nothing a handler
// does to it can reach the cached account other requests share.
type Caller interface {
	User() User
}

type ctxKey struct{}

// With returns ctx carrying c as the caller.
func With(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// From returns the caller of ctx, if any.
func From(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(ctxKey{}).(Caller)
	return c, ok
}

// UserFrom returns a copy of the signed-in user of ctx; false for an
// anonymous request.
func UserFrom(ctx context.Context) (User, bool) {
	c, ok := From(ctx)
	if !ok {
		return User{}, false
	}
	return c.User(), true
}

// WithUser returns ctx carrying u as the signed-in user, with no session
// behind it. It is how background work acts as someone and how tests call
// handlers as someone; the auth middleware accepts such a context as already
// authenticated.
func WithUser(ctx context.Context, u User) context.Context {
	return With(ctx, fixed(u))
}

type fixed User

func (f fixed) User() User { return User(f) }
