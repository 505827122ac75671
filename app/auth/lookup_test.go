package auth

import (
	"context"
	"fmt"
	"testing"

	"medianest/db/dbtest"
)

func TestUsernames(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	const accounts = usernameBatch + 20 // more than one query's worth
	for id := 1; id <= accounts; id++ {
		if _, err := d.W.ExecContext(ctx, `INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (?, ?, 'local', 0, 0)`,
			id, fmt.Sprintf("user%d", id)); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := usernames(ctx, d.R, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v %v", got, err)
	}
	ids := []int64{9999} // no such account: left out
	for id := int64(1); id <= accounts; id++ {
		ids = append(ids, id)
	}
	got, err := usernames(ctx, d.R, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != accounts {
		t.Fatalf("%d names, want %d", len(got), accounts)
	}
	for _, id := range []int64{1, usernameBatch, usernameBatch + 1, accounts} {
		if want := fmt.Sprintf("user%d", id); got[id] != want {
			t.Errorf("id %d: %q, want %q", id, got[id], want)
		}
	}
	if _, ok := got[9999]; ok {
		t.Error("an id without an account has a name")
	}
}
