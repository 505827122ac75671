package overseerr

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Permission is Overseerr's permission bit set.
type Permission int64

// Permission bits MediaNest cares about (Admin implies all).
const (
	PermAdmin            Permission = 2
	PermManageUsers      Permission = 8
	PermManageRequests   Permission = 16
	PermRequest          Permission = 32
	PermVote             Permission = 64
	PermAutoApprove      Permission = 128
	PermAutoApproveMovie Permission = 256
	PermAutoApproveTV    Permission = 512
	PermRequest4K        Permission = 1024
	PermRequestView      Permission = 16384
	PermRequestMovie     Permission = 262144
	PermRequestTV        Permission = 524288
)

// Has reports whether p grants perm; Admin grants everything.
func (p Permission) Has(perm Permission) bool {
	return p&PermAdmin != 0 || p&perm == perm
}

// User types.
const (
	UserTypePlex  = 1
	UserTypeLocal = 2
)

// User is an Overseerr user. Email and PlexID are only filled when the
// caller may manage users (the admin's API key can).
type User struct {
	ID           int64
	Email        string
	PlexID       int64 // the Plex account id, 0 for local users
	PlexUsername string
	Username     string
	DisplayName  string
	UserType     int
	Permissions  Permission
	Avatar       string
	RequestCount int
	CreatedAt    time.Time
}

// Me returns the user the API key acts as (the admin, id 1). It is the
// cheapest authenticated call, used to test a key.
func (c *Client) Me(ctx context.Context, conn Conn) (User, error) {
	var w wireUser
	if err := c.getJSON(ctx, conn, "auth me", call{method: http.MethodGet, path: "/auth/me"}, &w); err != nil {
		return User{}, err
	}
	return w.user(), nil
}

type wireUserPage struct {
	PageInfo wirePageInfo `json:"pageInfo"`
	Results  []wireUser   `json:"results"`
}

// usersPage is how many users are fetched a call; maxUserPages bounds the
// walk should a server keep answering full pages.
const (
	usersPage    = 100
	maxUserPages = 100
)

// Users returns every Overseerr user, walking the paged list.
func (c *Client) Users(ctx context.Context, conn Conn) ([]User, error) {
	var out []User
	for page := 0; page < maxUserPages; page++ {
		q := url.Values{
			"take": {strconv.Itoa(usersPage)},
			"skip": {strconv.Itoa(page * usersPage)},
			"sort": {"created"},
		}
		var w wireUserPage
		if err := c.getJSON(ctx, conn, "list users", call{method: http.MethodGet, path: "/user", query: q}, &w); err != nil {
			return nil, err
		}
		for _, u := range w.Results {
			out = append(out, u.user())
		}
		if len(w.Results) < usersPage || (w.PageInfo.Results > 0 && len(out) >= int(w.PageInfo.Results)) {
			return out, nil
		}
	}
	return out, fmt.Errorf("overseerr: list users: more than %d pages", maxUserPages)
}

// FindUser picks the Overseerr user for a MediaNest account: the one with
// the same Plex account id, else the one with the same e-mail (compared
// case-insensitively). A zero plexID or empty email is not matched.
func FindUser(users []User, plexID int64, email string) (User, bool) {
	if plexID != 0 {
		for _, u := range users {
			if u.PlexID == plexID {
				return u, true
			}
		}
	}
	email = strings.TrimSpace(email)
	if email != "" {
		for _, u := range users {
			if strings.EqualFold(strings.TrimSpace(u.Email), email) {
				return u, true
			}
		}
	}
	return User{}, false
}
