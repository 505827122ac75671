package plex

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"medianest/app/upstream"
)

// Section is a library section ("library" in Plex's UI).
type Section struct {
	Key        string // "1": a string, as PMS sends it
	Title      string
	Type       string // movie, show, artist, photo
	Agent      string
	Scanner    string
	Language   string
	UUID       string
	Thumb      string
	Refreshing bool // a scan is running
	Hidden     bool
	Locations  []Location
	UpdatedAt  time.Time
	ScannedAt  time.Time
}

// Location is one folder of a section, as the Plex server sees it.
type Location struct {
	ID   int64
	Path string
}

type wireSection struct {
	Key        upstream.FlexString `json:"key"`
	Title      upstream.FlexString `json:"title"`
	Type       upstream.FlexString `json:"type"`
	Agent      upstream.FlexString `json:"agent"`
	Scanner    upstream.FlexString `json:"scanner"`
	Language   upstream.FlexString `json:"language"`
	UUID       upstream.FlexString `json:"uuid"`
	Thumb      upstream.FlexString `json:"thumb"`
	Refreshing upstream.FlexBool   `json:"refreshing"`
	Hidden     upstream.FlexBool   `json:"hidden"`
	UpdatedAt  upstream.FlexInt    `json:"updatedAt"`
	ScannedAt  upstream.FlexInt    `json:"scannedAt"`
	Location   []struct {
		ID   upstream.FlexInt    `json:"id"`
		Path upstream.FlexString `json:"path"`
	} `json:"Location"`
}

// Sections lists the library sections conn.Token may see (GET
// /library/sections): everything for the owner, the shared sections for
// anyone else.
func (p *PMS) Sections(ctx context.Context, conn Conn) (_ []Section, err error) {
	defer wrap(&err, "list sections")
	var w struct {
		Directory []wireSection `json:"Directory"`
	}
	if _, err := p.getJSON(ctx, conn, call{path: "/library/sections"}, &w); err != nil {
		return nil, err
	}
	out := make([]Section, 0, len(w.Directory))
	for _, d := range w.Directory {
		s := Section{
			Key: string(d.Key), Title: string(d.Title), Type: string(d.Type), Agent: string(d.Agent),
			Scanner: string(d.Scanner), Language: string(d.Language), UUID: string(d.UUID),
			Thumb: string(d.Thumb), Refreshing: bool(d.Refreshing), Hidden: bool(d.Hidden),
			UpdatedAt: epoch(d.UpdatedAt), ScannedAt: epoch(d.ScannedAt),
		}
		for _, l := range d.Location {
			s.Locations = append(s.Locations, Location{ID: int64(l.ID), Path: string(l.Path)})
		}
		out = append(out, s)
	}
	return out, nil
}

// SectionForPath returns the section with a location that holds dir (the
// folder as the Plex server sees it), preferring the deepest location when
// several nest. Comparison is by whole path elements, so /data/movies does
// not hold /data/movies2.
func SectionForPath(sections []Section, dir string) (Section, bool) {
	dir = cleanDir(dir)
	best, bestLen := Section{}, -1
	for _, s := range sections {
		for _, l := range s.Locations {
			loc := cleanDir(l.Path)
			if loc == "" {
				continue
			}
			if dir == loc || strings.HasPrefix(dir, strings.TrimSuffix(loc, "/")+"/") {
				if len(loc) > bestLen {
					best, bestLen = s, len(loc)
				}
			}
		}
	}
	return best, bestLen >= 0
}

func cleanDir(p string) string {
	p = strings.TrimSpace(strings.ReplaceAll(p, "\\", "/"))
	if p == "" {
		return ""
	}
	return path.Clean(p)
}

// sectionPath checks key and returns /library/sections/{key}{rest}.
func sectionPath(key, rest string) (string, error) {
	if invalidKey(key) {
		return "", invalid("key", "must be a Plex library key")
	}
	return "/library/sections/" + key + rest, nil
}

// list fetches one page of a Metadata listing and its total.
func (p *PMS) list(ctx context.Context, conn Conn, c call) ([]Item, int, error) {
	var w container
	h, err := p.getJSON(ctx, conn, c, &w)
	if err != nil {
		return nil, 0, err
	}
	got := items(w.Metadata, int64(w.LibrarySectionID))
	return got, total(w, h, c.page, len(got)), nil
}

// total is the listing's full length: totalSize from the container, else the
// X-Plex-Container-Total-Size header, else what is known to exist.
func total(w container, h http.Header, pg *page, n int) int {
	if w.TotalSize != nil {
		return int(*w.TotalSize)
	}
	if v, err := strconv.Atoi(h.Get("X-Plex-Container-Total-Size")); err == nil {
		return v
	}
	if pg != nil {
		return pg.start + n
	}
	return n
}

// listAll gathers a whole listing page by page, up to maxListed entries.
func (p *PMS) listAll(ctx context.Context, conn Conn, c call) ([]Item, error) {
	var out []Item
	for len(out) < maxListed {
		c.page = &page{start: len(out), size: min(MaxPageSize, maxListed-len(out))}
		got, n, err := p.list(ctx, conn, c)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		if len(got) == 0 || len(out) >= n {
			break
		}
	}
	return out, nil
}

// clampPage applies DefaultPageSize and MaxPageSize.
func clampPage(offset, limit int) *page {
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 {
		limit = DefaultPageSize
	}
	return &page{start: offset, size: min(limit, MaxPageSize)}
}

// SectionCount returns how many items section key holds without listing
// them: a page of size 0 still carries totalSize. The paging values go in
// the query as well as the headers, as python-plexapi does for counts.
// A section conn.Token may not see is an ErrNotFound error.
func (p *PMS) SectionCount(ctx context.Context, conn Conn, key string) (_ int, err error) {
	defer wrap(&err, "count section %q", key)
	pth, err := sectionPath(key, "/all")
	if err != nil {
		return 0, err
	}
	q := url.Values{"X-Plex-Container-Start": {"0"}, "X-Plex-Container-Size": {"0"}}
	_, n, err := p.list(ctx, conn, call{path: pth, query: q, page: &page{0, 0}})
	if err != nil {
		return 0, hidden(err, "The library")
	}
	return n, nil
}

// SectionItems returns one page of section key's top-level items (movies of
// a movie section, shows of a show section) and the section's total. limit
// defaults to DefaultPageSize and is capped at MaxPageSize; sort is passed to
// PMS as is (titleSort, addedAt:desc, year:desc, …) and omitted when empty. A
// section conn.Token may not see is an ErrNotFound error.
func (p *PMS) SectionItems(ctx context.Context, conn Conn, key string, offset, limit int, sort string) (_ []Item, _ int, err error) {
	defer wrap(&err, "list section %q", key)
	pth, err := sectionPath(key, "/all")
	if err != nil {
		return nil, 0, err
	}
	var q url.Values
	if sort != "" {
		q = url.Values{"sort": {sort}}
	}
	got, n, err := p.list(ctx, conn, call{path: pth, query: q, page: clampPage(offset, limit)})
	if err != nil {
		return nil, 0, hidden(err, "The library")
	}
	return got, n, nil
}

// RecentlyAdded returns up to limit items newest first across the sections
// conn.Token may see (GET /library/recentlyAdded). As in Plex's own UI, new
// TV arrives as seasons (type "season", ParentTitle the show).
func (p *PMS) RecentlyAdded(ctx context.Context, conn Conn, limit int) (_ []Item, err error) {
	defer wrap(&err, "recently added")
	got, _, err := p.list(ctx, conn, call{path: "/library/recentlyAdded", page: clampPage(0, limit)})
	if err != nil {
		return nil, err
	}
	// PMS already sorts; sorting again keeps "newest first" true should a
	// server version mix its hubs.
	slices.SortStableFunc(got, func(a, b Item) int { return b.AddedAt.Compare(a.AddedAt) })
	return got, nil
}

// Metadata returns one item with its genres, directors, guids and, for a
// show, its seasons as Children (includeChildren=1 costs no extra request).
// An unknown item, or one in a section conn.Token may not see, is an
// ErrNotFound error.
func (p *PMS) Metadata(ctx context.Context, conn Conn, ratingKey string) (_ Item, err error) {
	defer wrap(&err, "metadata %q", ratingKey)
	if invalidKey(ratingKey) {
		return Item{}, invalid("ratingKey", "must be a Plex rating key")
	}
	var w container
	c := call{path: "/library/metadata/" + ratingKey, query: url.Values{"includeChildren": {"1"}}}
	if _, err := p.getJSON(ctx, conn, c, &w); err != nil {
		return Item{}, hidden(err, "The item")
	}
	got := items(w.Metadata, int64(w.LibrarySectionID))
	if len(got) == 0 {
		return Item{}, fail(ErrNotFound, nil, "The item was not found on Plex.")
	}
	return got[0], nil
}

// Refresh asks PMS to scan section key. With dir set the scan is limited to
// that folder (as the Plex server sees it), which is what a finished download
// needs; without it the whole section is scanned. PMS answers at once and
// scans in the background. An unknown section is an ErrNotFound error; a
// token that may not scan (only the owner may) is an *upstream.StatusError
// with status 401.
func (p *PMS) Refresh(ctx context.Context, conn Conn, key, dir string) (err error) {
	defer wrap(&err, "refresh section %q", key)
	pth, err := sectionPath(key, "/refresh")
	if err != nil {
		return err
	}
	var q url.Values
	if dir != "" {
		q = url.Values{"path": {dir}}
	}
	req, err := p.request(ctx, http.MethodGet, conn, call{path: pth, query: q})
	if err != nil {
		return err
	}
	resp, err := p.c.Do(req)
	if err != nil {
		if StatusCode(err) == http.StatusNotFound {
			err = hidden(err, "The library")
		}
		return err
	}
	_, _ = upstream.ReadBody(resp)
	return nil
}

// filePageSize is the page ItemsByFile reads a section in: the files it
// looks for were just downloaded, so they are almost always on the first
// page of a newest-first listing.
const filePageSize = 200

// ItemsByFile returns the items of section key with a media file among
// files (paths as the Plex server sees them), newest first. It reads the
// section newest first page by page and stops once every file is found or
// maxListed items were read, so a file Plex has not picked up yet costs a
// bounded listing. Paths are compared after cleaning (forward slashes, no
// trailing slash); a file never yields more than one item. For a show
// section the episodes are searched. A section conn.Token may not see is an
// ErrNotFound error.
func (p *PMS) ItemsByFile(ctx context.Context, conn Conn, key, sectionType string, files []string) (_ []Item, err error) {
	defer wrap(&err, "find files in section %q", key)
	pth, err := sectionPath(key, "/all")
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(files))
	for _, f := range files {
		if f = cleanDir(f); f != "" {
			want[f] = true
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	q := url.Values{"sort": {"addedAt:desc"}}
	if sectionType == "show" {
		q.Set("type", "4")
	}
	var out []Item
	for read := 0; read < maxListed && len(want) > 0; {
		c := call{path: pth, query: q, page: &page{start: read, size: min(filePageSize, maxListed-read)}}
		got, n, err := p.list(ctx, conn, c)
		if err != nil {
			return nil, hidden(err, "The library")
		}
		for _, it := range got {
			hit := false
			for _, f := range it.Files {
				if f = cleanDir(f); want[f] {
					delete(want, f)
					hit = true
				}
			}
			if hit {
				out = append(out, it)
			}
		}
		read += len(got)
		if len(got) == 0 || read >= n {
			break
		}
	}
	return out, nil
}
