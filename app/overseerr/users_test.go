package overseerr_test

import (
	"context"
	"fmt"
	"testing"

	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
)

func TestUsers(t *testing.T) {
	c, fake := setup(t)
	ctx := context.Background()
	for i := int64(10); i < 160; i++ {
		fake.AddUser(overseerrtest.User{ID: i, Email: fmt.Sprintf("u%d@example.com", i), PlexID: 9000 + i,
			PlexUsername: fmt.Sprintf("user%d", i), UserType: 1, Permissions: overseerr.PermRequest})
	}
	users, err := c.Users(ctx, fake.Conn())
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 153 {
		t.Fatalf("%d users, want 153", len(users))
	}
	calls := fake.Calls()
	if len(calls) != 2 || calls[0].Query.Get("take") != "100" || calls[1].Query.Get("skip") != "100" {
		t.Fatalf("calls = %+v", calls)
	}
	jane, ok := overseerr.FindUser(users, 48213377, "")
	if !ok || jane.ID != overseerrtest.JaneID || jane.Email != "jane@example.com" || jane.PlexUsername != "jane.doe" ||
		jane.DisplayName != "jane.doe" || !jane.Permissions.Has(overseerr.PermRequest) || jane.Permissions.Has(overseerr.PermAutoApprove) {
		t.Fatalf("jane = %+v", jane)
	}
	admin, ok := overseerr.FindUser(users, 0, "admin@example.com")
	if !ok || admin.ID != overseerrtest.AdminID || !admin.Permissions.Has(overseerr.PermManageRequests) {
		t.Fatalf("admin = %+v", admin)
	}

	me, err := c.Me(ctx, fake.Conn())
	if err != nil || me.ID != overseerrtest.AdminID {
		t.Fatalf("me = %+v, %v", me, err)
	}
}

func TestFindUser(t *testing.T) {
	users := []overseerr.User{
		{ID: 1, Email: "admin@example.com", PlexID: 100},
		{ID: 2, Email: "Jane@Example.com", PlexID: 200},
		{ID: 3, Email: "local@example.com"},
		{ID: 4, Email: "", PlexID: 0},
	}
	tests := []struct {
		name   string
		plexID int64
		email  string
		want   int64
	}{
		{"by plex id", 200, "", 2},
		{"plex id wins over e-mail", 200, "admin@example.com", 2},
		{"e-mail when plex id unknown", 999, "local@example.com", 3},
		{"e-mail case-insensitive", 0, " jane@example.COM ", 2},
		{"no match", 999, "nobody@example.com", 0},
		{"zero values never match", 0, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok := overseerr.FindUser(users, tt.plexID, tt.email)
			if ok != (tt.want != 0) || u.ID != tt.want {
				t.Fatalf("FindUser = %d, %v; want %d", u.ID, ok, tt.want)
			}
		})
	}
}
