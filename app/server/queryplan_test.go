package server_test

import (
	"context"
	"slices"
	"testing"

	"medianest/app/audit"
	"medianest/app/auth"
	"medianest/app/media"
	"medianest/app/notify"
	"medianest/app/status"
	"medianest/app/youtube"
	"medianest/db"
	"medianest/db/dbtest"
)

// listQueries are every list and count statement the stores issue, as each
// store lists them: a new list query is checked by being one of its
// store's ListQueries.
func listQueries() []db.Query {
	return slices.Concat(audit.ListQueries(), notify.ListQueries(), media.ListQueries(),
		youtube.ListQueries(), auth.ListQueries(), status.ListQueries())
}

// TestListQueryPlans keeps every list served by an index: on a seeded and
// analyzed database no list or count statement reads a whole table or sorts
// more than one page.
func TestListQueryPlans(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.W.ExecContext(ctx, `INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (1, 'owner', 'local', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	seed(t, d, 1, 50)
	qs := listQueries()
	if len(qs) < 40 {
		t.Fatalf("only %d queries listed", len(qs))
	}
	for _, q := range qs {
		if err := dbtest.CheckPlan(ctx, d, q); err != nil {
			t.Error(err)
		}
	}
}
