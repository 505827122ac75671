package notice_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"medianest/app/audit"
	"medianest/app/events"
	"medianest/app/httpx"
	"medianest/app/notice"
	"medianest/app/principal"
	"medianest/db/dbtest"
)

// published hands each event to the test as it is sent.
type published chan events.Event

func (p published) Publish(e events.Event) { p <- e }

func (p published) next(t *testing.T) events.Event {
	t.Helper()
	select {
	case e := <-p:
		return e
	case <-time.After(3 * time.Second):
		t.Fatal("no event was published")
		return events.Event{}
	}
}

type admin struct{}

func (admin) RequireAdmin(h http.Handler) http.Handler {
	u := principal.User{ID: 9, Username: "root", Role: principal.RoleAdmin, Status: principal.StatusActive}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(principal.WithUser(r.Context(), u)))
	})
}

func TestNotice(t *testing.T) {
	d := dbtest.New(t)
	// The audit log refers to the acting admin's row.
	if _, err := d.W.Exec(`INSERT INTO users (id, username, role, provider, created_at, updated_at)
		VALUES (9, 'root', 'admin', 'local', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	rec := audit.New(d, nil)
	pub := make(published, 8)
	mux := http.NewServeMux()
	notice.New(notice.Deps{DB: d, Events: pub, Audit: rec}).Routes(mux, admin{})
	h := httpx.Wrap(mux, httpx.Options{})
	call := func(method, path, body string, out any) (int, string) {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
		if out != nil {
			var env struct {
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(env.Data, out); err != nil {
				t.Fatal(err)
			}
		}
		return w.Code, w.Body.String()
	}

	if code, body := call("GET", "/api/v1/notice", "", nil); code != 200 || !strings.Contains(body, `"data":null`) {
		t.Fatal(code, body)
	}
	bad := []struct{ body, field string }{
		{`{"message":"","level":"info"}`, "message"},
		{`{"message":"   ","level":"info"}`, "message"},
		{`{"message":"` + strings.Repeat("é", 501) + `","level":"info"}`, "message"},
		{`{"message":"hi","level":"urgent"}`, "level"},
		{`{"message":"hi"}`, "level"},
		{`{"message":"hi","level":"info","extra":1}`, "extra"},
	}
	for _, b := range bad {
		code, body := call("PUT", "/api/v1/admin/notice", b.body, nil)
		if code != 400 || !strings.Contains(body, `"field":"`+b.field+`"`) {
			t.Errorf("%s: %d %s", b.body, code, body)
		}
	}
	var n notice.Notice
	msg := strings.Repeat("é", 500)
	if code, body := call("PUT", "/api/v1/admin/notice", `{"message":"`+msg+`","level":"critical"}`, &n); code != 200 {
		t.Fatal(body)
	}
	if n.Message != msg || n.Level != "critical" || n.UpdatedAt.IsZero() {
		t.Fatalf("%+v", n)
	}
	if e := pub.next(t); e.Type != events.Notice || e.Data.(*notice.Notice).Message != msg {
		t.Fatalf("event %+v", e)
	}
	if code, body := call("PUT", "/api/v1/admin/notice", `{"message":"Plex is down until 20:00","level":"warning"}`, &n); code != 200 {
		t.Fatal(body)
	}
	if e := pub.next(t); e.Data.(*notice.Notice).Message != "Plex is down until 20:00" {
		t.Fatalf("event %+v", e)
	}
	var got notice.Notice
	call("GET", "/api/v1/notice", "", &got)
	if got.Message != "Plex is down until 20:00" || got.Level != "warning" {
		t.Fatalf("%+v", got)
	}
	// A fresh service over the same database reads it back.
	if n2, err := notice.New(notice.Deps{DB: d}).Get(context.Background()); err != nil || n2 == nil || n2.Message != got.Message || !n2.UpdatedAt.Equal(got.UpdatedAt) {
		t.Fatalf("stored notice %+v %v", n2, err)
	}

	if code, body := call("DELETE", "/api/v1/admin/notice", "", nil); code != 204 {
		t.Fatal(code, body)
	}
	if e := pub.next(t); e.Type != events.Notice || e.Data.(*notice.Notice) != nil {
		t.Fatalf("clear event %+v", e)
	}
	if code, body := call("GET", "/api/v1/notice", "", nil); code != 200 || !strings.Contains(body, `"data":null`) {
		t.Fatal(code, body)
	}
	recs, _, err := rec.List(context.Background(), 1, 10, "notice.update")
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d audit entries, %v", len(recs), err)
	}
	if recs[0].ActorName != "root" || recs[0].Target != "notice" {
		t.Errorf("audit %+v", recs[0])
	}
}
