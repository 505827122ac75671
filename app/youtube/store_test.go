package youtube_test

import (
	"context"
	"testing"

	"medianest/app/youtube"
	"medianest/db/dbtest"
)

func TestCounts(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.W.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int64{1, 2} {
		exec(`INSERT INTO users (id, username, role, status, provider, created_at, updated_at) VALUES (?, ?, 'user', 'active', 'local', 0, 0)`, id, "u"+string(rune('0'+id)))
	}
	for i, st := range []string{"queued", "completed", "completed", "failed"} {
		exec(`INSERT INTO downloads (id, user_id, url, status, created_at, updated_at) VALUES (?, 1, ?, ?, 0, 0)`, i+1, "https://youtu.be/"+st, st)
	}
	exec(`INSERT INTO downloads (id, user_id, url, status, created_at, updated_at) VALUES (9, 2, 'https://youtu.be/z', 'completed', 0, 0)`)
	exec(`INSERT INTO download_items (download_id, idx, status, file_path, size_bytes) VALUES (2, 1, 'completed', 'a/b.mp4', 100), (3, 1, 'completed', 'a/c.mp4', 20), (4, 1, 'failed', '', 999), (9, 1, 'completed', 'z.mp4', 5)`)

	s := youtube.NewStore(d)
	mine, err := s.StatusCounts(ctx, 1)
	if err != nil || mine["completed"] != 2 || mine["queued"] != 1 || mine["failed"] != 1 || mine["cancelled"] != 0 || mine["pending_approval"] != 0 || len(mine) != 8 {
		t.Fatalf("user 1 counts %v %v", mine, err)
	}
	all, err := s.StatusCounts(ctx, 0)
	if err != nil || all["completed"] != 3 {
		t.Fatalf("everyone's counts %v %v", all, err)
	}
	by, err := s.CountsByUser(ctx, []int64{1, 2, 3})
	if err != nil || by[1] != 4 || by[2] != 1 || by[3] != 0 {
		t.Fatalf("by user %v %v", by, err)
	}
	if n, err := s.StoredBytes(ctx, 1); n != 120 || err != nil {
		t.Fatalf("user 1 bytes %d %v", n, err)
	}
	if n, err := s.StoredBytes(ctx, 0); n != 125 || err != nil {
		t.Fatalf("all bytes %d %v", n, err)
	}
}
