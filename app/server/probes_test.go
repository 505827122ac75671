package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"

	"medianest/app/config"
	"medianest/app/secret"
	"medianest/app/server"
	"medianest/db/dbtest"
)

// A writer that cannot get the write lock makes the instance not ready:
// reads still answer, so a read check alone would stay green.
func TestReadyFailsWhileTheWriterIsHeld(t *testing.T) {
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	d := dbtest.New(t)
	box, _ := secret.NewBox(make([]byte, 32))
	s, err := server.New(context.Background(), cfg, d, server.Options{Version: "test", Box: box})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	var ready struct {
		Status string                    `json:"status"`
		Checks map[string]map[string]any `json:"checks"`
	}
	if w := get(h, "/health/ready"); w.Code != 200 {
		t.Fatalf("before: %d %s", w.Code, w.Body)
	}

	other, err := sql.Open("sqlite", "file:"+d.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	w := get(h, "/health/ready")
	json.Unmarshal(w.Body.Bytes(), &ready)
	if w.Code != 503 || ready.Status != "not_ready" || ready.Checks["database"]["status"] != "fail" {
		t.Fatalf("with the writer held: %d %s", w.Code, w.Body)
	}

	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if w := get(h, "/health/ready"); w.Code != 200 {
		t.Fatalf("after: %d %s", w.Code, w.Body)
	}
}
