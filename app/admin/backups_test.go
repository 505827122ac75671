package admin_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medianest/app/admin"
	"medianest/app/audit"
	"medianest/app/backup"
	"medianest/db"
)

func TestBackups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.user("root", "admin")

	var list []backup.File
	meta := e.get("/api/v1/admin/backups", tok, &list)
	if list == nil || len(list) != 0 {
		t.Fatalf("before any backup: %v", list)
	}
	dir, _ := meta["dir"].(string)
	if !strings.HasSuffix(dir, "backups") || meta["secretKeyPath"] != "/keys/secret.key" {
		t.Fatalf("meta %v", meta)
	}

	var made []admin.BackupAnswer
	for i := range 3 {
		e.clock.Set(start.Add(time.Duration(i) * time.Minute))
		w := e.do("POST", "/api/v1/admin/backups", tok, nil)
		if w.Code != 201 {
			t.Fatalf("POST: %d %s", w.Code, w.Body)
		}
		var env struct{ Data admin.BackupAnswer }
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
			t.Fatal(err)
		}
		made = append(made, env.Data)
	}
	b := made[2]
	if b.Name != "medianest-20260301T100200.000Z.db" || b.SizeBytes < 4096 || !b.CreatedAt.Equal(start.Add(2*time.Minute)) {
		t.Errorf("answer %+v", b)
	}
	if b.SecretKeyPath != "/keys/secret.key" || !strings.Contains(b.Note, "/keys/secret.key") || !strings.Contains(b.Note, "cannot be read") {
		t.Errorf("the answer does not say to keep the key: %+v", b)
	}
	if _, err := db.VerifyBackup(t.Context(), filepath.Join(dir, b.Name)); err != nil {
		t.Errorf("the backup does not verify: %v", err)
	}

	// A backup made on demand is not pruned: all three are listed, newest
	// first.
	e.get("/api/v1/admin/backups", tok, &list)
	if len(list) != 3 || list[0].Name != b.Name || list[0].SizeBytes != b.SizeBytes || list[2].Name != made[0].Name {
		t.Errorf("list %+v", list)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Errorf("backup dir holds %d entries", len(ents))
	}

	var entries []audit.Record
	e.get("/api/v1/admin/audit?action=backup.create", tok, &entries)
	if len(entries) != 3 || entries[0].ActorName != "root" || entries[0].Target != b.Name || entries[0].IP != "192.0.2.10" {
		t.Errorf("audit %+v", entries)
	}
}
