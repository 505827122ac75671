package plex

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"medianest/app/upstream"
)

// DefaultSearchLimit is how many results Search returns when asked for none.
const DefaultSearchLimit = 20

// searchable are the item types a search result may be. Hubs of other kinds
// (actors, genres, playlists, …) list tags or things MediaNest cannot open
// as an item, so they are left out.
var searchable = map[string]bool{
	"movie": true, "show": true, "season": true, "episode": true,
	"artist": true, "album": true, "track": true,
	"collection": true, "clip": true, "photo": true,
}

// Search finds items whose titles match query across the sections conn.Token
// may see (GET /hubs/search). PMS answers one hub per type, empty hubs
// without a Metadata list and tag hubs with Directory entries; Search
// flattens the item hubs in PMS's order (best hubs first), drops duplicates
// and returns at most limit items (DefaultSearchLimit when limit <= 0).
func (p *PMS) Search(ctx context.Context, conn Conn, query string, limit int) (_ []Item, err error) {
	defer wrap(&err, "search")
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, invalid("query", "is required")
	}
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxPageSize)
	q := url.Values{
		"query":              {query},
		"limit":              {strconv.Itoa(limit)},
		"includeCollections": {"1"},
	}
	var w struct {
		Hub []struct {
			Type     upstream.FlexString `json:"type"`
			Metadata []wireItem          `json:"Metadata"`
		} `json:"Hub"`
	}
	if _, err := p.getJSON(ctx, conn, call{path: "/hubs/search", query: q}, &w); err != nil {
		return nil, err
	}
	var out []Item
	seen := map[string]bool{}
	for _, h := range w.Hub {
		for _, m := range h.Metadata {
			it := m.item()
			if it.Type == "" {
				it.Type = string(h.Type)
			}
			if !searchable[it.Type] || it.RatingKey == "" || seen[it.RatingKey] {
				continue
			}
			seen[it.RatingKey] = true
			out = append(out, it)
			if len(out) == limit {
				return out, nil
			}
		}
	}
	return out, nil
}

// Collections lists the collections of section key (GET
// /library/sections/{key}/collections, paged until complete). Their
// ChildCount is how many items each holds. A section conn.Token may not see
// is an ErrNotFound error.
func (p *PMS) Collections(ctx context.Context, conn Conn, sectionKey string) (_ []Item, err error) {
	defer wrap(&err, "list collections of section %q", sectionKey)
	pth, err := sectionPath(sectionKey, "/collections")
	if err != nil {
		return nil, err
	}
	got, err := p.listAll(ctx, conn, call{path: pth})
	if err != nil {
		return nil, hidden(err, "The library")
	}
	return got, nil
}

// CollectionItems returns the items of collection ratingKey in the
// collection's own order (GET /library/collections/{key}/children, paged
// until complete). An unknown collection, or one in a section conn.Token may
// not see, is an ErrNotFound error.
func (p *PMS) CollectionItems(ctx context.Context, conn Conn, ratingKey string) (_ []Item, err error) {
	defer wrap(&err, "list collection %q", ratingKey)
	if invalidKey(ratingKey) {
		return nil, invalid("ratingKey", "must be a Plex rating key")
	}
	got, err := p.listAll(ctx, conn, call{path: "/library/collections/" + ratingKey + "/children"})
	if err != nil {
		return nil, hidden(err, "The collection")
	}
	return got, nil
}
