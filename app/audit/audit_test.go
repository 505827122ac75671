package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"medianest/app/audit"
	"medianest/db/dbtest"
)

func TestRecordAndList(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := audit.New(d, func() time.Time { now = now.Add(time.Second); return now })
	ctx := context.Background()
	if _, err := d.W.Exec(`INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (7, 'root', 'local', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	r.Record(ctx, audit.Entry{ActorID: 7, ActorName: "root", Action: "user.create", Target: "user:8", Details: "local account", IP: "192.0.2.1"})
	r.Record(ctx, audit.Entry{Action: "auth.login_failed", Details: strings.Repeat("é", 5000), IP: "192.0.2.2"})
	r.Record(ctx, audit.Entry{ActorID: 7, ActorName: "root", Action: "auth.login"})
	r.Record(ctx, audit.Entry{ActorID: 7, ActorName: "root", Action: "service.update", Target: "service:plex"})

	list, total, err := r.List(ctx, 1, 2, "")
	if err != nil || total != 4 || len(list) != 2 || list[0].Action != "service.update" || list[1].Action != "auth.login" {
		t.Fatalf("page 1: %+v %d %v", list, total, err)
	}
	list, _, _ = r.List(ctx, 2, 2, "")
	if len(list) != 2 || list[1].Action != "user.create" || list[1].ActorID == nil || *list[1].ActorID != 7 ||
		list[1].Target != "user:8" || list[1].IP != "192.0.2.1" || !list[1].CreatedAt.Equal(time.Date(2026, 3, 1, 10, 0, 1, 0, time.UTC)) {
		t.Errorf("page 2: %+v", list)
	}
	if list[0].ActorID != nil || len(list[0].Details) > 4096 || !json.Valid([]byte(`"`+list[0].Details+`"`)) {
		t.Errorf("anonymous, long entry: actor %v, %d bytes", list[0].ActorID, len(list[0].Details))
	}
	for action, want := range map[string]int64{"auth.login": 1, "auth.": 2, "auth.*": 2, "auth.login*": 2, "auth.login_failed": 1,
		"auth": 0, "user.create": 1, "nothing": 0, ".": 0} {
		if _, n, err := r.List(ctx, 1, 20, action); err != nil || n != want {
			t.Errorf("filter %q: %d (%v), want %d", action, n, err, want)
		}
	}
	// Deleting the actor keeps the entry.
	if _, err := d.W.Exec(`DELETE FROM users WHERE id = 7`); err != nil {
		t.Fatal(err)
	}
	list, _, _ = r.List(ctx, 1, 1, "service.update")
	if list[0].ActorID != nil || list[0].ActorName != "root" {
		t.Errorf("after actor deletion: %+v", list[0])
	}
	if n, err := r.Prune(ctx, now.Add(-time.Second)); err != nil || n != 2 {
		t.Errorf("prune: %d %v", n, err)
	}
}

func TestRecordNeverFails(t *testing.T) {
	t.Parallel()
	var nilRec *audit.Recorder
	nilRec.Record(context.Background(), audit.Entry{Action: "x"}) // no panic

	d := dbtest.New(t)
	var logs bytes.Buffer
	r := audit.New(d, nil).WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	d.W.Close()
	r.Record(context.Background(), audit.Entry{Action: "user.update", Target: "user:1"})
	if !strings.Contains(logs.String(), "user.update") {
		t.Errorf("the failure was not logged: %q", logs.String())
	}
}
