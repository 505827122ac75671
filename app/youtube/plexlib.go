package youtube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"medianest/app/plex"
)

// PlexPMS is the part of *plex.PMS a finished download needs.
type PlexPMS interface {
	Sections(ctx context.Context, conn plex.Conn) ([]plex.Section, error)
	Refresh(ctx context.Context, conn plex.Conn, key, dir string) error
	ItemsByFile(ctx context.Context, conn plex.Conn, key, sectionType string, files []string) ([]plex.Item, error)
	Collections(ctx context.Context, conn plex.Conn, sectionKey string) ([]plex.Item, error)
	CollectionItems(ctx context.Context, conn plex.Conn, ratingKey string) ([]plex.Item, error)
	CreateCollection(ctx context.Context, conn plex.Conn, key, title, itemType string, ratingKeys []string) (plex.Item, error)
	AddToCollection(ctx context.Context, conn plex.Conn, collection string, ratingKeys []string) error
}

// sectionTTL is how long the section found for the download folder is
// reused. Sections rarely change; one that was deleted or re-keyed answers
// "not found" and is looked up again at once.
const sectionTTL = 5 * time.Minute

// PlexLibraryDeps are what a PlexLibrary is built from.
type PlexLibraryDeps struct {
	PMS PlexPMS
	// Owner returns the server URL and the owner's token (the configured
	// Plex service), ok false when Plex is not configured or disabled. Only
	// the owner may scan and edit collections.
	Owner func(ctx context.Context) (conn plex.Conn, ok bool, err error)
	// DownloadDir is youtube.download_dir, where files are written.
	DownloadDir string
	// PlexPath is youtube.plex_path: DownloadDir as the Plex server sees it
	// ("" = Plex sees the same paths, and scans cover the whole section).
	PlexPath string
	// PlexLibrary is youtube.plex_library: a section key or title; "" = the
	// section whose location holds PlexPath.
	PlexLibrary string
	Logger      *slog.Logger
	Now         func() time.Time
}

// PlexLibrary tells Plex about finished downloads: it scans the folder a
// file landed in and gathers a playlist's files into a collection.
type PlexLibrary struct {
	d PlexLibraryDeps

	mu      sync.Mutex
	section plex.Section
	server  string // the conn.URL the section was found on
	until   time.Time
}

// NewPlexLibrary returns the library for deps.
func NewPlexLibrary(deps PlexLibraryDeps) *PlexLibrary {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	deps.PlexPath = strings.TrimSpace(strings.ReplaceAll(deps.PlexPath, "\\", "/"))
	deps.PlexLibrary = strings.TrimSpace(deps.PlexLibrary)
	return &PlexLibrary{d: deps}
}

// Scan asks Plex to scan the folder holding file. With youtube.plex_path
// set only that folder (as Plex sees it) is scanned; without it the whole
// configured section is.
func (l *PlexLibrary) Scan(ctx context.Context, file string) (err error) {
	defer wrapErr(&err, "plex scan")
	dir := ""
	if l.d.PlexPath != "" {
		if dir, err = l.plexPath(filepath.Dir(file)); err != nil {
			return err
		}
	} else if _, err := l.rel(file); err != nil {
		return err
	}
	conn, err := l.owner(ctx)
	if err != nil {
		return err
	}
	return l.withSection(ctx, conn, func(s plex.Section) error {
		return l.d.PMS.Refresh(ctx, conn, s.Key, dir)
	})
}

// Collect puts the Plex items of files into the collection named title,
// creating it or adding what it lacks. Until Plex has every file it returns
// ErrNotInPlexYet and changes nothing.
func (l *PlexLibrary) Collect(ctx context.Context, title string, files []string) (_ Collection, err error) {
	defer wrapErr(&err, "plex collection")
	title = strings.TrimSpace(title)
	if title == "" || len(files) == 0 {
		return Collection{}, errors.New("a collection needs a title and files")
	}
	var want []string // Plex-side paths, in playlist order, once each
	for _, f := range files {
		p, err := l.plexPath(f)
		if err != nil {
			return Collection{}, err
		}
		if !slices.Contains(want, p) {
			want = append(want, p)
		}
	}
	conn, err := l.owner(ctx)
	if err != nil {
		return Collection{}, err
	}
	var out Collection
	err = l.withSection(ctx, conn, func(s plex.Section) error {
		c, err := l.collect(ctx, conn, s, title, want)
		out = c
		return err
	})
	return out, err
}

func (l *PlexLibrary) collect(ctx context.Context, conn plex.Conn, s plex.Section, title string, want []string) (Collection, error) {
	found, err := l.d.PMS.ItemsByFile(ctx, conn, s.Key, s.Type, want)
	if err != nil {
		return Collection{}, err
	}
	byFile := map[string]plex.Item{}
	for _, it := range found {
		for _, f := range it.Files {
			byFile[path.Clean(strings.ReplaceAll(f, "\\", "/"))] = it
		}
	}
	missing := 0
	for _, f := range want {
		if _, ok := byFile[f]; !ok {
			missing++
		}
	}
	if missing > 0 {
		return Collection{}, fmt.Errorf("%d of %d files are not in section %q yet: %w", missing, len(want), s.Title, ErrNotInPlexYet)
	}
	var keys []string
	itemType := ""
	for _, f := range want {
		it := byFile[f]
		if !slices.Contains(keys, it.RatingKey) {
			keys = append(keys, it.RatingKey)
		}
		if itemType == "" {
			itemType = it.Type
		}
	}
	colls, err := l.d.PMS.Collections(ctx, conn, s.Key)
	if err != nil {
		return Collection{}, err
	}
	for _, c := range colls {
		if c.Title != title || c.Smart {
			continue
		}
		have, err := l.d.PMS.CollectionItems(ctx, conn, c.RatingKey)
		if err != nil {
			return Collection{}, err
		}
		var missing []string
		for _, k := range keys {
			if !slices.ContainsFunc(have, func(it plex.Item) bool { return it.RatingKey == k }) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			if err := l.d.PMS.AddToCollection(ctx, conn, c.RatingKey, missing); err != nil {
				return Collection{}, err
			}
		}
		return Collection{RatingKey: c.RatingKey, Title: c.Title}, nil
	}
	c, err := l.d.PMS.CreateCollection(ctx, conn, s.Key, title, itemType, keys)
	if err != nil {
		return Collection{}, err
	}
	l.d.Logger.Info("plex collection created", "title", title, "ratingKey", c.RatingKey, "section", s.Key, "items", len(keys))
	return Collection{RatingKey: c.RatingKey, Title: c.Title}, nil
}

// owner returns the owner's connection, or ErrPlexNotConfigured.
func (l *PlexLibrary) owner(ctx context.Context) (plex.Conn, error) {
	if l.d.PlexPath == "" && l.d.PlexLibrary == "" {
		return plex.Conn{}, fmt.Errorf("neither youtube.plex_path nor youtube.plex_library is set: %w", ErrPlexNotConfigured)
	}
	if l.d.Owner == nil {
		return plex.Conn{}, ErrPlexNotConfigured
	}
	conn, ok, err := l.d.Owner(ctx)
	if err != nil {
		return plex.Conn{}, err
	}
	if !ok || conn.URL == "" {
		return plex.Conn{}, ErrPlexNotConfigured
	}
	return conn, nil
}

// withSection runs fn with the download section. When a remembered section
// turns out to be gone (not found), it is looked up again and fn retried
// once.
func (l *PlexLibrary) withSection(ctx context.Context, conn plex.Conn, fn func(plex.Section) error) error {
	s, cached, err := l.findSection(ctx, conn)
	if err != nil {
		return err
	}
	err = fn(s)
	if cached && errors.Is(err, plex.ErrNotFound) {
		l.forget()
		if s, _, err = l.findSection(ctx, conn); err != nil {
			return err
		}
		err = fn(s)
	}
	return err
}

func (l *PlexLibrary) findSection(ctx context.Context, conn plex.Conn) (plex.Section, bool, error) {
	now := l.d.Now()
	l.mu.Lock()
	if l.server == conn.URL && now.Before(l.until) {
		s := l.section
		l.mu.Unlock()
		return s, true, nil
	}
	l.mu.Unlock()

	sections, err := l.d.PMS.Sections(ctx, conn)
	if err != nil {
		return plex.Section{}, false, err
	}
	s, ok := l.pick(sections)
	if !ok {
		l.d.Logger.Warn("no Plex library for downloads", "plex_library", l.d.PlexLibrary, "plex_path", l.d.PlexPath)
		if l.d.PlexLibrary != "" {
			return plex.Section{}, false, fmt.Errorf("no Plex library is called or has the key %q: %w", l.d.PlexLibrary, ErrPlexNotConfigured)
		}
		return plex.Section{}, false, fmt.Errorf("no Plex library holds %s: %w", l.d.PlexPath, ErrPlexNotConfigured)
	}
	l.mu.Lock()
	l.section, l.server, l.until = s, conn.URL, now.Add(sectionTTL)
	l.mu.Unlock()
	return s, false, nil
}

func (l *PlexLibrary) forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.server, l.until = "", time.Time{}
}

// pick chooses the section: the one youtube.plex_library names by key (or
// else by title, ignoring case), or the one whose location holds PlexPath.
func (l *PlexLibrary) pick(sections []plex.Section) (plex.Section, bool) {
	if name := l.d.PlexLibrary; name != "" {
		for _, s := range sections {
			if s.Key == name {
				return s, true
			}
		}
		for _, s := range sections {
			if strings.EqualFold(s.Title, name) {
				return s, true
			}
		}
		return plex.Section{}, false
	}
	return plex.SectionForPath(sections, l.d.PlexPath)
}

// rel is p relative to the download folder, with forward slashes; a path
// outside it is an error.
func (l *PlexLibrary) rel(p string) (string, error) {
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%q is not an absolute path", p)
	}
	r, err := filepath.Rel(filepath.Clean(l.d.DownloadDir), filepath.Clean(p))
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(r) {
		return "", fmt.Errorf("%q is outside the download folder", p)
	}
	return filepath.ToSlash(r), nil
}

// plexPath is p (under the download folder) as the Plex server sees it:
// under PlexPath, or the path itself when no PlexPath is set (Plex on the
// same machine).
func (l *PlexLibrary) plexPath(p string) (string, error) {
	r, err := l.rel(p)
	if err != nil {
		return "", err
	}
	base := l.d.PlexPath
	if base == "" {
		base = filepath.ToSlash(filepath.Clean(l.d.DownloadDir))
	}
	return path.Join(base, r), nil
}

// wrapErr prefixes a returned error with "youtube: <op>: ".
func wrapErr(err *error, op string) {
	if *err != nil {
		*err = fmt.Errorf("youtube: %s: %w", op, *err)
	}
}
