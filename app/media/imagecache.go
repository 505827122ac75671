package media

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultImageCacheBytes bounds the on-disk image cache (shared by Plex
// images and TMDB posters) when no size is given: some thousands of posters.
const DefaultImageCacheBytes = 256 << 20

// imageCache keeps images on disk — Plex images and TMDB posters alike —
// bounded in total size; when full the least recently used files go first.
// Callers name the files by a hash of everything the bytes depend on: for
// Plex that includes who asked (their Plex session key), so one user's
// cached poster is never served to a user the library is not shared with;
// a TMDB poster is the same for everyone and is named by its path and size.
type imageCache struct {
	dir string
	max int64
	now func() time.Time // orders the files by use

	mu      sync.Mutex
	entries map[string]*imageEntry
	total   int64
}

type imageEntry struct {
	size int64
	used time.Time
}

func newImageCache(dir string, maxBytes int64, now func() time.Time) (*imageCache, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultImageCacheBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	c := &imageCache{dir: dir, max: maxBytes, now: now, entries: map[string]*imageEntry{}}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, de := range des {
		if !de.Type().IsRegular() {
			continue
		}
		if strings.HasSuffix(de.Name(), ".tmp") {
			os.Remove(filepath.Join(dir, de.Name()))
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue
		}
		c.entries[de.Name()] = &imageEntry{size: info.Size(), used: info.ModTime()}
		c.total += info.Size()
	}
	c.mu.Lock()
	c.evictLocked()
	c.mu.Unlock()
	return c, nil
}

func (c *imageCache) get(name string) ([]byte, bool) {
	c.mu.Lock()
	e, ok := c.entries[name]
	if ok {
		e.used = c.now()
	}
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		c.mu.Lock()
		if e, ok := c.entries[name]; ok {
			c.total -= e.size
			delete(c.entries, name)
		}
		c.mu.Unlock()
		return nil, false
	}
	return b, true
}

// put stores b under name. A failure only costs a later refetch, so it is
// not reported.
func (c *imageCache) put(name string, b []byte) {
	if int64(len(b)) > c.max/4 {
		return
	}
	f, err := os.CreateTemp(c.dir, "img-*.tmp")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), filepath.Join(c.dir, name)) != nil {
		os.Remove(f.Name())
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[name]; ok {
		c.total -= old.size
	}
	c.entries[name] = &imageEntry{size: int64(len(b)), used: c.now()}
	c.total += int64(len(b))
	c.evictLocked()
}

// evictLocked removes the least recently used files until the total fits.
func (c *imageCache) evictLocked() {
	if c.total <= c.max {
		return
	}
	names := make([]string, 0, len(c.entries))
	for n := range c.entries {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return c.entries[a].used.Compare(c.entries[b].used) })
	for _, n := range names {
		if c.total <= c.max {
			return
		}
		c.total -= c.entries[n].size
		delete(c.entries, n)
		os.Remove(filepath.Join(c.dir, n))
	}
}
