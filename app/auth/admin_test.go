package auth_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/principal"
)

type adminUser struct {
	principal.User
	RequestCount  int64 `json:"requestCount"`
	DownloadCount int64 `json:"downloadCount"`
	RequestQuota  *int  `json:"requestQuota"`
	DownloadQuota *int  `json:"downloadQuota"`
}

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	admin, me := e.signedIn("root", "admin")
	alice := e.mustCreate("alice", "alice-password-1", "user")
	e.mustCreate("bob", "bob-password-12", "user")
	err := e.db.Write(ctx, func(tx *sql.Tx) error {
		for i := 0; i < 3; i++ {
			if _, err := tx.Exec(`INSERT INTO media_requests (user_id, media_type, tmdb_id, created_at, updated_at) VALUES (?, 'movie', ?, 0, 0)`, alice.ID, i); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`INSERT INTO downloads (user_id, url, created_at, updated_at) VALUES (?, 'https://youtu.be/x', 0, 0)`, alice.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("list", func(t *testing.T) {
		var list []adminUser
		r := admin.do("GET", "/api/v1/admin/users", nil).want(t, 200)
		r.decode(t, &list)
		if len(list) != 3 || r.Env.Meta["total"] != float64(3) || r.Env.Meta["pageSize"] != float64(20) {
			t.Fatalf("list %s", r.Body)
		}
		for _, u := range list {
			if u.Username == "alice" && (u.RequestCount != 3 || u.DownloadCount != 1 || u.RequestQuota != nil) {
				t.Errorf("alice %+v", u)
			}
		}
		if !strings.Contains(r.Body, `"requestQuota":null`) {
			t.Errorf("quota not null: %s", r.Body)
		}
		admin.do("GET", "/api/v1/admin/users?search=ALI", nil).want(t, 200).decode(t, &list)
		if len(list) != 1 || list[0].ID != alice.ID {
			t.Errorf("search: %+v", list)
		}
		admin.do("GET", "/api/v1/admin/users?search=%25", nil).want(t, 200).decode(t, &list)
		if len(list) != 0 {
			t.Errorf("search %%: %+v", list)
		}
		admin.do("GET", "/api/v1/admin/users?role=admin", nil).want(t, 200).decode(t, &list)
		if len(list) != 1 || list[0].ID != me.ID {
			t.Errorf("role filter: %+v", list)
		}
		r = admin.do("GET", "/api/v1/admin/users?page=2&pageSize=2", nil).want(t, 200)
		r.decode(t, &list)
		if len(list) != 1 || r.Env.Meta["totalPages"] != float64(2) {
			t.Errorf("paging: %s", r.Body)
		}
		admin.do("GET", "/api/v1/admin/users?status=gone", nil).want(t, 400, "VALIDATION_ERROR")
	})

	t.Run("create", func(t *testing.T) {
		var u principal.User
		admin.do("POST", "/api/v1/admin/users", map[string]any{"username": "carol", "password": "carol-password", "role": "user", "email": "c@example.com"}).
			want(t, 201).decode(t, &u)
		if u.Username != "carol" || u.Provider != "local" || u.Email != "c@example.com" || u.Role != "user" {
			t.Errorf("created %+v", u)
		}
		admin.do("POST", "/api/v1/admin/users", map[string]any{"username": "dave", "password": "short", "role": "user"}).want(t, 400, "VALIDATION_ERROR")
		admin.do("POST", "/api/v1/admin/users", map[string]any{"username": "CAROL", "password": "carol-password", "role": "user"}).want(t, 409, "CONFLICT")
		admin.do("POST", "/api/v1/admin/users", map[string]any{"username": "bad name", "password": "carol-password"}).want(t, 400, "VALIDATION_ERROR")
		admin.do("POST", "/api/v1/admin/users", map[string]any{"username": "eve", "password": "eve-password-1", "role": "boss"}).want(t, 400, "VALIDATION_ERROR")
	})

	t.Run("patch", func(t *testing.T) {
		path := "/api/v1/admin/users/" + strconv.FormatInt(alice.ID, 10)
		var u adminUser
		admin.do("PATCH", path, map[string]any{"requestQuota": 5, "downloadQuota": 2}).want(t, 200).decode(t, &u)
		if u.RequestQuota == nil || *u.RequestQuota != 5 || u.DownloadQuota == nil || *u.DownloadQuota != 2 || u.RequestCount != 3 {
			t.Errorf("quota set: %+v", u)
		}
		// Absent leaves a field alone; null goes back to the default.
		admin.do("PATCH", path, `{"requestQuota":null}`).want(t, 200).decode(t, &u)
		if u.RequestQuota != nil || u.DownloadQuota == nil || *u.DownloadQuota != 2 {
			t.Errorf("quota reset: %+v", u)
		}
		admin.do("PATCH", path, map[string]any{"requestQuota": -1}).want(t, 400, "VALIDATION_ERROR")
		admin.do("PATCH", path, map[string]any{"role": "owner"}).want(t, 400, "VALIDATION_ERROR")
		admin.do("PATCH", path, map[string]any{"nickname": "x"}).want(t, 400, "VALIDATION_ERROR")
		admin.do("PATCH", "/api/v1/admin/users/99999", map[string]any{"role": "user"}).want(t, 404, "NOT_FOUND")

		self := "/api/v1/admin/users/" + strconv.FormatInt(me.ID, 10)
		admin.do("PATCH", self, map[string]any{"role": "user"}).want(t, 400, "VALIDATION_ERROR")
		admin.do("PATCH", self, map[string]any{"status": "disabled"}).want(t, 400, "VALIDATION_ERROR")
		admin.do("PATCH", self, map[string]any{"requestQuota": 100}).want(t, 200)

		// A role change ends that user's sessions at once.
		ac := e.client()
		ac.login("alice", "alice-password-1")
		admin.do("PATCH", path, map[string]any{"role": "admin"}).want(t, 200).decode(t, &u)
		if u.Role != "admin" {
			t.Errorf("role %q", u.Role)
		}
		ac.do("GET", "/api/v1/auth/session", nil).want(t, 401)
		var sess struct{ User principal.User }
		ac.login("alice", "alice-password-1")
		ac.do("GET", "/api/v1/auth/session", nil).want(t, 200).decode(t, &sess)
		if !sess.User.IsAdmin() {
			t.Errorf("after promotion: %+v", sess.User)
		}
	})

	t.Run("delete", func(t *testing.T) {
		bob, _, _ := findUser(t, e, "bob")
		bc := e.client()
		bc.login("bob", "bob-password-12")
		admin.do("DELETE", "/api/v1/admin/users/"+strconv.FormatInt(bob, 10), nil).want(t, 204)
		bc.do("GET", "/api/v1/auth/session", nil).want(t, 401)
		admin.do("DELETE", "/api/v1/admin/users/"+strconv.FormatInt(bob, 10), nil).want(t, 404)
		admin.do("DELETE", "/api/v1/admin/users/"+strconv.FormatInt(me.ID, 10), nil).want(t, 400, "VALIDATION_ERROR")
		// Cascade: alice's requests and downloads go with her.
		admin.do("DELETE", "/api/v1/admin/users/"+strconv.FormatInt(alice.ID, 10), nil).want(t, 204)
		var n int
		e.db.R.QueryRow(`SELECT (SELECT COUNT(*) FROM media_requests) + (SELECT COUNT(*) FROM downloads)`).Scan(&n)
		if n != 0 {
			t.Errorf("%d rows left behind", n)
		}
	})

	t.Run("audit", func(t *testing.T) {
		var list []audit.Record
		r := admin.do("GET", "/api/v1/admin/audit?pageSize=100", nil).want(t, 200)
		r.decode(t, &list)
		seen := map[string]bool{}
		for _, rec := range list {
			seen[rec.Action] = true
			if rec.Action != "user.create" {
				continue
			}
			if rec.ActorName == "cli" {
				seen["cli"] = rec.ActorID == nil && strings.HasPrefix(rec.Target, "user:")
			} else if rec.ActorID == nil || *rec.ActorID != me.ID || rec.ActorName != "root" || rec.IP != "192.0.2.10" {
				t.Errorf("user.create record %+v", rec)
			}
		}
		for _, a := range []string{"auth.login", "user.create", "user.update", "user.delete", "cli"} {
			if !seen[a] {
				t.Errorf("no %s in the audit log: %s", a, r.Body)
			}
		}
		admin.do("GET", "/api/v1/admin/audit?action=user.delete", nil).want(t, 200).decode(t, &list)
		if len(list) != 2 {
			t.Errorf("user.delete entries: %+v", list)
		}
		admin.do("GET", "/api/v1/admin/audit?action=user.", nil).want(t, 200).decode(t, &list)
		for _, rec := range list {
			if !strings.HasPrefix(rec.Action, "user.") {
				t.Errorf("prefix filter let %q through", rec.Action)
			}
		}
	})
}

func findUser(t *testing.T, e *env, name string) (int64, string, string) {
	t.Helper()
	var id int64
	var role, status string
	if err := e.db.R.QueryRow(`SELECT id, role, status FROM users WHERE username = ?`, name).Scan(&id, &role, &status); err != nil {
		t.Fatalf("find %s: %v", name, err)
	}
	return id, role, status
}

func TestCLIOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	cli := e.cliService()

	u, err := cli.CreateLocalUser(ctx, "Admin.One", "admin-password", "admin@example.com", "admin")
	if err != nil || u.Role != "admin" || u.Username != "Admin.One" {
		t.Fatalf("create: %+v %v", u, err)
	}
	for _, bad := range []struct{ name, pw, role string }{
		{"", "long-enough-pw", "user"}, {strings.Repeat("a", 65), "long-enough-pw", "user"},
		{"sp ace", "long-enough-pw", "user"}, {"émile", "long-enough-pw", "user"},
		{"ok", "123456789", "user"}, {"ok", "long-enough-pw", "root"},
	} {
		if _, err := cli.CreateLocalUser(ctx, bad.name, bad.pw, "", bad.role); !isCode(err, "VALIDATION_ERROR") {
			t.Errorf("create %q/%q/%q: %v", bad.name, bad.pw, bad.role, err)
		}
	}
	if _, err := cli.CreateLocalUser(ctx, "admin.one", "admin-password", "", "user"); !isCode(err, "CONFLICT") {
		t.Errorf("case-insensitive duplicate: %v", err)
	}
	if _, err := cli.CreateLocalUser(ctx, "a_b-c.d@e", "admin-password", "", ""); err != nil {
		t.Errorf("allowed characters: %v", err)
	}
	list, err := cli.ListUsers(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %+v %v", list, err)
	}

	// The server has the admin signed in; the CLI changes things behind it.
	c := e.client()
	c.login("admin.one", "admin-password")
	if err := cli.SetPassword(ctx, "ADMIN.ONE", "another-password"); err != nil {
		t.Fatal(err)
	}
	if err := cli.SetPassword(ctx, "admin.one", "short"); !isCode(err, "VALIDATION_ERROR") {
		t.Errorf("short password: %v", err)
	}
	if changed, err := e.svc.SyncEpoch(ctx); err != nil || !changed {
		t.Errorf("the server did not notice the CLI: %v %v", changed, err)
	}
	c.do("GET", "/api/v1/auth/session", nil).want(t, 401)
	c.login("admin.one", "another-password")

	if err := cli.SetRole(ctx, "admin.one", "user"); err != nil {
		t.Fatal(err)
	}
	if err := cli.SetRole(ctx, "admin.one", "god"); !isCode(err, "VALIDATION_ERROR") {
		t.Errorf("bad role: %v", err)
	}
	if err := cli.SetStatus(ctx, "nobody", "disabled"); !isCode(err, "NOT_FOUND") {
		t.Errorf("unknown user: %v", err)
	}
	e.svc.SyncEpoch(ctx)
	c.do("GET", "/api/v1/auth/session", nil).want(t, 401)
	if _, role, _ := findUser(t, e, "admin.one"); role != "user" {
		t.Errorf("role %q", role)
	}
	// The server's own changes do not make it drop its cache.
	if err := e.svc.SetStatus(ctx, "a_b-c.d@e", "disabled"); err != nil {
		t.Fatal(err)
	}
	if changed, _ := e.svc.SyncEpoch(ctx); changed {
		t.Error("the server purged its cache for its own change")
	}
	var out strings.Builder
	json.NewEncoder(&out).Encode(list[0])
	if strings.Contains(out.String(), "password") || strings.Contains(out.String(), "plexId") {
		t.Errorf("user JSON %s", out.String())
	}
}

func isCode(err error, code string) bool {
	return err != nil && apperr.KindOf(err).Code() == code
}
