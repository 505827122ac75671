package admin_test

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/admin"
	"medianest/app/audit"
	"medianest/app/media"
	"medianest/db"
)

// seed gives alice 3 requests (2 pending, 1 available) and 2 downloads
// (one completed with a 1000-byte file, one queued), bob a downloading one.
func seed(e *env, alice, bob int64) {
	for i, st := range []string{"pending", "pending", "available"} {
		e.exec(`INSERT INTO media_requests (user_id, media_type, tmdb_id, status, created_at, updated_at) VALUES (?, 'movie', ?, ?, 0, 0)`, alice, i, st)
	}
	e.exec(`INSERT INTO downloads (id, user_id, url, status, created_at, updated_at) VALUES (1, ?, 'https://youtu.be/a', 'completed', 0, 0)`, alice)
	e.exec(`INSERT INTO download_items (download_id, idx, status, file_path, size_bytes) VALUES (1, 0, 'completed', '/media/a.mp4', 1000)`)
	e.exec(`INSERT INTO downloads (user_id, url, status, created_at, updated_at) VALUES (?, 'https://youtu.be/b', 'queued', 0, 0)`, alice)
	e.exec(`INSERT INTO downloads (user_id, url, status, created_at, updated_at) VALUES (?, 'https://youtu.be/c', 'downloading', 0, 0)`, bob)
}

func TestListUsersWithCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	root, tok := e.user("root", "admin")
	alice, _ := e.user("alice", "user")
	bob, _ := e.user("bob", "user")
	seed(e, alice.ID, bob.ID)
	e.exec(`UPDATE users SET download_quota = 4 WHERE id = ?`, bob.ID)

	var list []admin.User
	meta := e.get("/api/v1/admin/users", tok, &list)
	if len(list) != 3 || meta["total"] != float64(3) {
		t.Fatalf("list %+v %v", list, meta)
	}
	want := map[int64][2]int64{root.ID: {0, 0}, alice.ID: {3, 2}, bob.ID: {0, 1}}
	for _, u := range list {
		if got := [2]int64{u.RequestCount, u.DownloadCount}; got != want[u.ID] {
			t.Errorf("%s: requests, downloads %v, want %v", u.Username, got, want[u.ID])
		}
	}
	if list[2].DownloadQuota == nil || *list[2].DownloadQuota != 4 || list[2].RequestQuota != nil {
		t.Errorf("bob's quotas: %v %v", list[2].RequestQuota, list[2].DownloadQuota)
	}
	// A page counts only its own users.
	e.get("/api/v1/admin/users?page=2&pageSize=1", tok, &list)
	if len(list) != 1 || list[0].ID != alice.ID || list[0].RequestCount != 3 {
		t.Errorf("page 2: %+v", list)
	}
	if w := e.do("GET", "/api/v1/admin/users?status=gone", tok, nil); w.Code != 400 || !strings.Contains(w.Body.String(), "VALIDATION_ERROR") {
		t.Errorf("bad status filter: %d %s", w.Code, w.Body)
	}

	// PATCH answers the user with its counts and records who did it.
	var u admin.User
	w := e.do("PATCH", "/api/v1/admin/users/"+strconv.FormatInt(alice.ID, 10), tok, map[string]any{"requestQuota": 5})
	if w.Code != 200 {
		t.Fatalf("patch: %d %s", w.Code, w.Body)
	}
	e.get("/api/v1/admin/users?search=alice", tok, &list)
	u = list[0]
	if u.RequestQuota == nil || *u.RequestQuota != 5 || u.RequestCount != 3 {
		t.Errorf("after patch: %+v", u)
	}
	if w := e.do("PATCH", "/api/v1/admin/users/"+strconv.FormatInt(root.ID, 10), tok, map[string]any{"role": "user"}); w.Code != 400 {
		t.Errorf("self-demotion: %d", w.Code)
	}
	// The per-user download approval: true, false, or null for the default.
	if u.RequireApproval != nil {
		t.Errorf("requireApproval before any change: %v", *u.RequireApproval)
	}
	for _, c := range []struct {
		v    any
		want string
	}{{true, "true"}, {false, "false"}, {nil, "null"}} {
		w := e.do("PATCH", "/api/v1/admin/users/"+strconv.FormatInt(bob.ID, 10), tok, map[string]any{"requireApproval": c.v})
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"requireApproval":`+c.want) {
			t.Errorf("requireApproval %v: %d %s", c.v, w.Code, w.Body)
		}
		e.get("/api/v1/admin/users?search=bob", tok, &list)
		if got := fmt.Sprint(list[0].RequireApproval != nil && *list[0].RequireApproval, list[0].RequireApproval == nil); got != fmt.Sprint(c.v == true, c.v == nil) {
			t.Errorf("listed requireApproval after %v: %v", c.v, list[0].RequireApproval)
		}
	}
	var entries []audit.Record
	meta = e.get("/api/v1/admin/audit?action=user.update&pageSize=10", tok, &entries)
	entries = entries[len(entries)-1:] // the oldest: alice's quota
	if len(entries) != 1 || entries[0].ActorName != "root" || entries[0].IP != "192.0.2.10" ||
		entries[0].Details != "alice: requestQuota=5" || meta["total"] != float64(4) {
		t.Errorf("audit: %+v", entries)
	}
	if w := e.do("GET", "/api/v1/admin/audit?page=0", tok, nil); w.Code != 400 {
		t.Errorf("audit page=0: %d", w.Code)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.user("root", "admin")
	alice, _ := e.user("alice", "user")
	bob, _ := e.user("bob", "user")
	e.user("carol", "user")
	seed(e, alice.ID, bob.ID)
	// bob signed in 31 days ago, alice 29 days ago, root and carol never.
	e.clock.Set(start.Add(-31 * 24 * time.Hour))
	e.login("bob")
	e.clock.Set(start.Add(-29 * 24 * time.Hour))
	e.login("alice")
	e.clock.Set(start)

	var st admin.Stats
	e.get("/api/v1/admin/stats", tok, &st)
	if st.Users.Total != 4 || st.Users.Active30d != 1 {
		t.Errorf("users %+v, want 4 total, 1 active", st.Users)
	}
	// Every status is listed, 0 where nobody is in it.
	if st.Requests["pending"] != 2 || st.Requests["available"] != 1 || st.Requests["declined"] != 0 || len(st.Requests) != len(media.Statuses) {
		t.Errorf("requests %v", st.Requests)
	}
	if st.Downloads["completed"] != 1 || st.Downloads["queued"] != 1 || st.Downloads["downloading"] != 1 {
		t.Errorf("downloads %v", st.Downloads)
	}
	if st.Storage.DownloadBytes != 1000 {
		t.Errorf("download bytes %d", st.Storage.DownloadBytes)
	}
}

func TestSystem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.user("root", "admin")
	alice, _ := e.user("alice", "user")
	seed(e, alice.ID, alice.ID)
	e.exec(`INSERT INTO downloads (user_id, url, status, created_at, updated_at) VALUES (?, 'https://youtu.be/d', 'processing', 0, 0)`, alice.ID)

	var sys admin.System
	e.get("/api/v1/admin/system", tok, &sys)
	if sys.Version != "1.2.3" || sys.GoVersion != runtime.Version() || sys.UptimeSeconds != 90 {
		t.Errorf("build and uptime: %+v", sys)
	}
	d := sys.Database
	if d.Path != e.db.Path || d.SizeBytes < 4096 || d.SchemaVersion != db.LatestVersion() || d.JournalMode != "wal" {
		t.Errorf("database %+v", d)
	}
	if sys.Queue.Queued != 1 || sys.Queue.Active != 2 {
		t.Errorf("queue %+v, want 1 queued, 2 active", sys.Queue)
	}
	// The admin's own token is cached by now.
	if sys.SessionsCached != 1 {
		t.Errorf("sessionsCached %d", sys.SessionsCached)
	}
}

func TestAdminOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("root", "admin")
	_, tok := e.user("alice", "user")
	for _, rt := range []string{"GET /api/v1/admin/users", "POST /api/v1/admin/users", "PATCH /api/v1/admin/users/1",
		"DELETE /api/v1/admin/users/1", "GET /api/v1/admin/audit", "GET /api/v1/admin/stats", "GET /api/v1/admin/system",
		"GET /api/v1/admin/backups", "POST /api/v1/admin/backups"} {
		method, path, _ := strings.Cut(rt, " ")
		if w := e.do(method, path, tok, "{}"); w.Code != 403 || !strings.Contains(w.Body.String(), `"FORBIDDEN"`) {
			t.Errorf("user %s: %d %s", rt, w.Code, w.Body)
		}
		if w := e.do(method, path, "", "{}"); w.Code != 401 {
			t.Errorf("anonymous %s: %d", rt, w.Code)
		}
	}
}
