package media

import (
	"bytes"
	"os"
	"testing"
	"time"
)

func TestImageCacheBounded(t *testing.T) {
	dir := t.TempDir()
	// Each use is a second after the one before, so the order of use is
	// unambiguous.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	c, err := newImageCache(dir, 4000, clock)
	if err != nil {
		t.Fatal(err)
	}
	img := bytes.Repeat([]byte{1}, 900)
	for _, n := range []string{"a", "b", "c", "d"} {
		c.put(n, img)
	}
	if _, ok := c.get("a"); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	c.put("e", img) // 5 × 900 > 4000: the least recently used (b) goes
	if _, ok := c.get("b"); ok {
		t.Fatal("b survived eviction")
	}
	for _, n := range []string{"a", "c", "d", "e"} {
		if _, ok := c.get(n); !ok {
			t.Fatalf("%s evicted", n)
		}
	}
	c.put("huge", bytes.Repeat([]byte{1}, 2000)) // over a quarter of the cache: not kept
	if _, ok := c.get("huge"); ok {
		t.Fatal("an oversized image was cached")
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 4 || c.total != 3600 {
		t.Fatalf("%d files, %d bytes", len(files), c.total)
	}
	// A restart finds what is on disk.
	c2, err := newImageCache(dir, 4000, clock)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := c2.get("e"); !ok || len(b) != 900 || c2.total != 3600 {
		t.Fatal("cache not reloaded from disk")
	}
}
