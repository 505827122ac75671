package overseerrtest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"medianest/app/overseerr"
)

// User is an Overseerr user of the fake.
type User struct {
	ID           int64
	Email        string
	PlexID       int64 // 0 for a local user
	PlexUsername string
	Username     string
	UserType     int // 1 Plex, 2 local
	Permissions  overseerr.Permission
	// MovieQuota and TVQuota, when positive, cap how many requests of that
	// kind the user may have (403 "Movie Quota exceeded." beyond).
	MovieQuota int
	TVQuota    int
}

// Default user ids.
const (
	AdminID = 1 // ADMIN: the API key's owner; requests auto-approved
	JaneID  = 2 // REQUEST only: requests stay pending
	AutoID  = 3 // local user with REQUEST and AUTO_APPROVE
)

// DefaultUsers is who New loads.
func DefaultUsers() []User {
	return []User{
		{ID: AdminID, Email: "admin@example.com", PlexID: 1000001, PlexUsername: "admin.user", UserType: 1, Permissions: overseerr.PermAdmin},
		{ID: JaneID, Email: "jane@example.com", PlexID: 48213377, PlexUsername: "jane.doe", UserType: 1, Permissions: overseerr.PermRequest},
		{ID: AutoID, Email: "auto@example.com", Username: "auto", UserType: 2, Permissions: overseerr.PermRequest | overseerr.PermAutoApprove},
	}
}

// AddUser adds (or replaces, by id) a user.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = slices.DeleteFunc(s.users, func(x *User) bool { return x.ID == u.ID })
	s.users = append(s.users, &u)
	slices.SortFunc(s.users, func(a, b *User) int { return int(a.ID - b.ID) })
}

func (s *Server) userLocked(id int64) *User {
	for _, u := range s.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func (u User) displayName() string {
	for _, v := range []string{u.Username, u.PlexUsername, u.Email} {
		if v != "" {
			return v
		}
	}
	return ""
}

// userJSON renders a user; email and plexId are stripped unless full (the
// caller may manage users), as Overseerr does.
func (s *Server) userJSONLocked(u *User, full bool) map[string]any {
	if u == nil {
		return nil
	}
	created := stamp(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	count := 0
	for _, r := range s.requests {
		if r.userID == u.ID {
			count++
		}
	}
	out := map[string]any{
		"permissions": int64(u.Permissions), "id": u.ID, "plexUsername": nullable(u.PlexUsername),
		"username": nullable(u.Username), "recoveryLinkExpirationDate": nil, "userType": u.UserType,
		"avatar":          "https://plex.tv/users/" + strconv.FormatInt(u.ID, 16) + "/avatar?c=1700000000",
		"movieQuotaLimit": nil, "movieQuotaDays": nil, "tvQuotaLimit": nil, "tvQuotaDays": nil,
		"createdAt": created, "updatedAt": created, "requestCount": count, "displayName": u.displayName(),
	}
	if full {
		out["email"] = u.Email
		var plexID any
		if u.PlexID != 0 {
			plexID = u.PlexID
		}
		out["plexId"] = plexID
	}
	return out
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	me := caller(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.userJSONLocked(s.userLocked(me.ID), true))
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	me := caller(r)
	take, skip := paging(r)
	full := me.Permissions.Has(overseerr.PermManageUsers)
	s.mu.Lock()
	defer s.mu.Unlock()
	users := slices.Clone(s.users)
	switch strings.ToLower(r.URL.Query().Get("sort")) {
	case "displayname":
		slices.SortStableFunc(users, func(a, b *User) int {
			return strings.Compare(strings.ToLower(a.displayName()), strings.ToLower(b.displayName()))
		})
	}
	total := len(users)
	lo := min(skip, total)
	hi := min(lo+take, total)
	results := []map[string]any{}
	for _, u := range users[lo:hi] {
		results = append(results, s.userJSONLocked(u, full))
	}
	writeJSON(w, http.StatusOK, map[string]any{"pageInfo": pageInfo(total, take, skip), "results": results})
}

// paging reads take (default 10) and skip (default 0).
func paging(r *http.Request) (take, skip int) {
	q := r.URL.Query()
	take, err := strconv.Atoi(q.Get("take"))
	if err != nil || take <= 0 {
		take = 10
	}
	skip, err = strconv.Atoi(q.Get("skip"))
	if err != nil || skip < 0 {
		skip = 0
	}
	return take, skip
}

// pageInfo is Overseerr's paging block.
func pageInfo(total, take, skip int) map[string]any {
	return map[string]any{
		"pages":    (total + take - 1) / take,
		"pageSize": take,
		"results":  total,
		"page":     (skip+take-1)/take + 1,
	}
}
