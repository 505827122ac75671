package principal_test

import (
	"context"
	"testing"

	"medianest/app/principal"
)

// shared stands for auth's cache entry: one value every request of a
// session sees.
type shared struct{ u principal.User }

func (s *shared) User() principal.User { return s.u }

func TestUserFromIsACopy(t *testing.T) {
	entry := &shared{u: principal.User{ID: 7, Username: "ann", Role: principal.RoleUser, Status: principal.StatusActive}}
	ctx := principal.With(context.Background(), entry)

	u, ok := principal.UserFrom(ctx)
	if !ok || u.ID != 7 || u.IsAdmin() || !u.Active() {
		t.Fatalf("UserFrom = %+v, %v", u, ok)
	}
	u.Role = principal.RoleAdmin
	u.Username = "mallory"
	if again, _ := principal.UserFrom(ctx); again.Role != principal.RoleUser || again.Username != "ann" {
		t.Fatalf("a change to the returned user reached the shared one: %+v", again)
	}
	if c, ok := principal.From(ctx); !ok || c != principal.Caller(entry) {
		t.Fatalf("From = %v, %v; want the caller put in", c, ok)
	}
}

func TestAnonymousAndWithUser(t *testing.T) {
	if u, ok := principal.UserFrom(context.Background()); ok || u != (principal.User{}) {
		t.Fatalf("anonymous context has a user: %+v", u)
	}
	ctx := principal.WithUser(context.Background(), principal.User{ID: 1, Role: principal.RoleAdmin})
	if u, ok := principal.UserFrom(ctx); !ok || u.ID != 1 || !u.IsAdmin() {
		t.Fatalf("WithUser: %+v, %v", u, ok)
	}
}
