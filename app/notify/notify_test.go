package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/events"
	"medianest/app/httpx"
	"medianest/db/dbtest"
)

type guard struct{ users map[int64]principal.User }

func (g guard) RequireUser(next http.Handler) http.Handler {
	return httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		id, _ := strconv.ParseInt(r.Header.Get("X-Test-User"), 10, 64)
		u, ok := g.users[id]
		if !ok {
			return apperr.New(apperr.Unauthorized, "Sign in first.")
		}
		next.ServeHTTP(w, r.WithContext(principal.WithUser(r.Context(), u)))
		return nil
	})
}

type pub struct {
	mu sync.Mutex
	ev []events.Event
}

func (p *pub) Publish(e events.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ev = append(p.ev, e)
}

func TestNotifications(t *testing.T) {
	d := dbtest.New(t)
	for _, id := range []int64{1, 2} {
		if _, err := d.W.Exec(`INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (?, ?, 'local', 0, 0)`,
			id, "user"+strconv.FormatInt(id, 10)); err != nil {
			t.Fatal(err)
		}
	}
	p := &pub{}
	clock := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s := New(d, p, func() time.Time { clock = clock.Add(time.Second); return clock })
	mux := http.NewServeMux()
	s.Routes(mux, guard{users: map[int64]principal.User{1: {ID: 1}, 2: {ID: 2}}})
	h := httpx.Wrap(mux, httpx.Options{})
	do := func(user int64, method, path string) (int, map[string]any, []Notification) {
		t.Helper()
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("X-Test-User", strconv.FormatInt(user, 10))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var env struct {
			Data json.RawMessage `json:"data"`
			Meta map[string]any  `json:"meta"`
		}
		var list []Notification
		if rec.Code == http.StatusOK {
			json.Unmarshal(rec.Body.Bytes(), &env)
			if err := json.Unmarshal(env.Data, &list); err != nil {
				t.Fatalf("%s: %v", rec.Body, err)
			}
		}
		return rec.Code, env.Meta, list
	}

	ctx := context.Background()
	var ids []int64
	for i := range 3 {
		n, err := s.Notify(ctx, 1, Notification{Type: RequestAvailable, Title: "Now available", Message: "Sintel " + strconv.Itoa(i), Link: "/requests/1"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	if _, err := s.Notify(ctx, 2, Notification{Type: DownloadFailed, Title: "Download failed"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notify(ctx, 1, Notification{Title: "no type"}); err == nil {
		t.Fatal("a notification without a type was stored")
	}
	if len(p.ev) != 4 || p.ev[0].Type != events.Notification || p.ev[0].UserID != 1 || p.ev[0].Admins || p.ev[3].UserID != 2 {
		t.Fatalf("events %+v", p.ev)
	}
	if n := p.ev[0].Data.(Notification); n.ID != ids[0] || n.Read || n.CreatedAt.IsZero() {
		t.Fatalf("event data %+v", n)
	}

	code, meta, list := do(1, "GET", "/api/v1/notifications?pageSize=2")
	if code != 200 || len(list) != 2 || list[0].ID != ids[2] || meta["total"] != float64(3) || meta["unread"] != float64(3) || meta["totalPages"] != float64(2) {
		t.Fatalf("list: %d %v %+v", code, meta, list)
	}
	if list[0].Type != RequestAvailable || list[0].Link != "/requests/1" || list[0].Title != "Now available" {
		t.Fatalf("notification %+v", list[0])
	}

	if code, _, _ := do(2, "POST", "/api/v1/notifications/"+strconv.FormatInt(ids[0], 10)+"/read"); code != http.StatusNotFound {
		t.Fatalf("someone else's notification: %d", code)
	}
	for range 2 {
		if code, _, _ := do(1, "POST", "/api/v1/notifications/"+strconv.FormatInt(ids[0], 10)+"/read"); code != http.StatusNoContent {
			t.Fatalf("mark read: %d", code)
		}
	}
	code, meta, list = do(1, "GET", "/api/v1/notifications?unread=true")
	if code != 200 || len(list) != 2 || meta["unread"] != float64(2) || meta["total"] != float64(2) {
		t.Fatalf("unread: %v %+v", meta, list)
	}
	if code, _, _ := do(1, "GET", "/api/v1/notifications?unread=maybe"); code != http.StatusBadRequest {
		t.Fatalf("unread=maybe: %d", code)
	}
	if code, _, _ := do(1, "POST", "/api/v1/notifications/read-all"); code != http.StatusNoContent {
		t.Fatalf("read all: %d", code)
	}
	_, meta, list = do(1, "GET", "/api/v1/notifications")
	if len(list) != 3 || meta["unread"] != float64(0) || !list[0].Read {
		t.Fatalf("after read-all: %v %+v", meta, list)
	}
	_, meta, list = do(2, "GET", "/api/v1/notifications")
	if len(list) != 1 || meta["unread"] != float64(1) {
		t.Fatalf("user 2 was touched: %v %+v", meta, list)
	}
	if code, _, _ := do(9, "GET", "/api/v1/notifications"); code != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", code)
	}
}

func TestClip(t *testing.T) {
	if got := clip("héllo", 2); got != "h" {
		t.Fatalf("clip split a rune: %q", got)
	}
	if got := clip("abc", 5); got != "abc" {
		t.Fatal(got)
	}
}

// Prune deletes the notifications created before the cut-off, read or not,
// of every user, and says how many went.
func TestPrune(t *testing.T) {
	d := dbtest.New(t)
	for _, id := range []int64{1, 2} {
		if _, err := d.W.Exec(`INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (?, ?, 'local', 0, 0)`,
			id, "user"+strconv.FormatInt(id, 10)); err != nil {
			t.Fatal(err)
		}
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(d, nil, func() time.Time { return clock })
	ctx := context.Background()
	add := func(user int64, at time.Time) int64 {
		t.Helper()
		clock = at
		n, err := s.Notify(ctx, user, Notification{Type: DownloadCompleted, Title: "Done"})
		if err != nil {
			t.Fatal(err)
		}
		return n.ID
	}
	cutoff := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	old := add(1, cutoff.Add(-48*time.Hour))
	add(2, cutoff.Add(-time.Millisecond))
	add(1, cutoff)
	add(2, cutoff.Add(time.Hour))
	if err := s.MarkRead(ctx, 1, old); err != nil {
		t.Fatal(err)
	}
	n, err := s.Prune(ctx, cutoff)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want 2 gone", n, err)
	}
	for user, want := range map[int64]int64{1: 1, 2: 1} {
		p, err := s.List(ctx, user, false, 1, 10)
		if err != nil || p.Total != want {
			t.Fatalf("user %d keeps %d (%v), want %d", user, p.Total, err, want)
		}
		if p.Items[0].CreatedAt.Before(cutoff) {
			t.Fatalf("user %d kept an old one: %+v", user, p.Items[0])
		}
	}
	if n, err := s.Prune(ctx, cutoff); err != nil || n != 0 {
		t.Fatalf("second Prune = %d, %v; want 0", n, err)
	}
}
