package auth_test

import (
	"context"
	"slices"
	"testing"

	"medianest/app/auth"
	"medianest/app/config"
	"medianest/app/principal"
	"medianest/app/secret"
	"medianest/db/dbtest"
)

// The admin's user search finds a substring of the username, e-mail or
// display name, case-insensitively, through the trigram index for three
// characters or more and by LIKE below that, and its totals follow the
// accounts as they are added, changed and deleted.
func TestSearchUsersFollowsTheAccounts(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	box, _ := secret.NewBox(make([]byte, 32))
	a, err := auth.New(auth.Deps{DB: d, Box: box, Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	create := func(name, email string) *principal.User {
		u, err := a.CreateLocalUser(ctx, name, "a long enough password", email, principal.RoleUser)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	search := func(term string) ([]string, int64) {
		t.Helper()
		list, total, err := a.SearchUsers(ctx, auth.UserFilter{Search: term, Page: 1, PageSize: 20})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range list {
			names = append(names, u.Username)
		}
		return names, total
	}
	expect := func(term string, want ...string) {
		t.Helper()
		got, total := search(term)
		if !slices.Equal(got, want) || total != int64(len(want)) {
			t.Errorf("search %q = %v (total %d), want %v", term, got, total, want)
		}
	}
	create("annabel", "ab@example.org")
	bob := create("bob", "Bob.Builder@Example.org")
	create("q_x", "")
	expect("ANN", "annabel")
	expect("builder@", "bob")
	expect("example", "annabel", "bob")
	expect("an", "annabel") // too short for the index: LIKE
	expect("_", "q_x")      // a LIKE wildcard stands for itself
	expect(`b"b`)           // a quote stands for itself
	expect("zzz")           // nothing
	expect("", "annabel", "bob", "q_x")

	create("annette", "")
	expect("ann", "annabel", "annette") // the remembered total was forgotten
	expect("", "annabel", "bob", "q_x", "annette")

	if _, err := d.W.ExecContext(ctx, `UPDATE users SET display_name = 'Robert Builder' WHERE id = ?`, bob.ID); err != nil {
		t.Fatal(err)
	}
	expect("robert", "bob")
	if _, err := a.DeleteUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	expect("builder")
	expect("", "annabel", "q_x", "annette")
}
