package db

import (
	"context"
	"path/filepath"
	"testing"
)

// TestDownloadsQueueMigration migrates a database holding downloads and
// items in 00001's shape to 00002 and back. downloads is rebuilt while
// foreign_keys is on, which would cascade-delete every item if the
// migration dropped the table under them.
func TestDownloadsQueueMigration(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m, err := NewMigrator(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.p.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.W.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := d.W.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	exec(`INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (1, 'a', 'local', 0, 0)`)
	exec(`INSERT INTO downloads (id, user_id, url, status, title, created_at, updated_at) VALUES
		(1, 1, 'https://youtu.be/a', 'completed', 'A', 1, 1),
		(2, 1, 'https://youtu.be/b', 'queued', 'B', 2, 2),
		(3, 1, 'https://youtu.be/b', 'queued', 'B again', 3, 3),
		(9, 1, 'https://youtu.be/c', 'failed', 'C', 4, 4)`)
	exec(`DELETE FROM downloads WHERE id = 9`) // the high-water mark is 9 now
	exec(`INSERT INTO download_items (download_id, idx, status, file_path, size_bytes) VALUES
		(1, 1, 'completed', 'x/a.mp4', 10), (1, 2, 'completed', 'x/b.mp4', 20), (2, 1, 'queued', '', 0)`)

	if _, err := m.p.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM download_items`); n != 3 {
		t.Fatalf("items after up = %d, want 3", n)
	}
	if n := count(`SELECT count(*) FROM downloads`); n != 3 {
		t.Fatalf("downloads after up = %d, want 3", n)
	}
	if n := count(`SELECT sum(size_bytes) FROM download_items WHERE download_id = 1`); n != 30 {
		t.Fatalf("item sizes after up = %d", n)
	}
	// The later of two active copies of one URL is stopped so that the
	// unique index holds.
	if n := count(`SELECT count(*) FROM downloads WHERE id = 3 AND status = 'failed'`); n != 1 {
		t.Fatal("duplicate active download not stopped")
	}
	exec(`INSERT INTO downloads (user_id, url, status, created_at, updated_at) VALUES (1, 'https://youtu.be/d', 'pending_approval', 5, 5)`)
	if n := count(`SELECT max(id) FROM downloads`); n != 10 {
		t.Fatalf("new id = %d, want 10 (ids are never reused)", n)
	}
	if _, err := d.W.ExecContext(ctx, `INSERT INTO downloads (user_id, url, status, created_at, updated_at) VALUES (1, 'https://youtu.be/d', 'queued', 6, 6)`); !IsUnique(err) {
		t.Fatalf("second active download of one URL: %v, want a unique violation", err)
	}
	exec(`UPDATE users SET download_approval = 1 WHERE id = 1`)
	if n := count(`SELECT count(*) FROM pragma_foreign_key_check`); n != 0 {
		t.Fatalf("%d foreign key violations", n)
	}

	if _, err := m.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM download_items`); n != 3 {
		t.Fatalf("items after down = %d, want 3", n)
	}
	if n := count(`SELECT count(*) FROM downloads WHERE id = 10 AND status = 'queued'`); n != 1 {
		t.Fatal("a pending_approval download is not queued after down")
	}
	if n := count(`SELECT count(*) FROM pragma_table_info('users') WHERE name = 'download_approval'`); n != 0 {
		t.Fatal("users.download_approval survived down")
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
