package plex

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// collectionChunk is how many rating keys one collection request names, so
// that a long playlist does not make a URL too long for PMS.
const collectionChunk = 100

// collectionTypes are PMS's type numbers for the items a regular collection
// may hold; all items of one collection share a type.
var collectionTypes = map[string]string{"": "1", "movie": "1", "show": "2", "episode": "4", "clip": "12", "track": "10"}

// CreateCollection creates the regular collection title in section key
// holding ratingKeys (at least one, all of itemType: movie, episode, clip,
// …; "" is movie) and returns it (POST /library/collections with a
// server://{machineIdentifier}/… uri, the machine identifier read from
// /identity). Only the owner's token may create collections. Rating keys
// beyond what one request names are added afterwards. An unknown section is
// an ErrNotFound error.
func (p *PMS) CreateCollection(ctx context.Context, conn Conn, key, title, itemType string, ratingKeys []string) (_ Item, err error) {
	defer wrap(&err, "create collection in section %q", key)
	if invalidKey(key) {
		return Item{}, invalid("key", "must be a Plex library key")
	}
	title = strings.TrimSpace(title)
	if title == "" || len(title) > 255 {
		return Item{}, invalid("title", "must be 1 to 255 characters")
	}
	typ, ok := collectionTypes[itemType]
	if !ok {
		return Item{}, invalid("type", "cannot be put into a collection")
	}
	if err := checkKeys(ratingKeys); err != nil {
		return Item{}, err
	}
	uri, err := p.metadataURI(ctx, conn)
	if err != nil {
		return Item{}, err
	}
	first := ratingKeys[:min(len(ratingKeys), collectionChunk)]
	q := url.Values{"uri": {uri(first)}, "type": {typ}, "title": {title}, "smart": {"0"}, "sectionId": {key}}
	var w container
	c := call{method: http.MethodPost, path: "/library/collections", query: q}
	if _, err := p.getJSON(ctx, conn, c, &w); err != nil {
		if StatusCode(err) == http.StatusBadRequest {
			return Item{}, fail(ErrNotFound, err, "The library was not found on Plex.")
		}
		return Item{}, hidden(err, "The library")
	}
	got := items(w.Metadata, 0)
	if len(got) == 0 || got[0].RatingKey == "" {
		return Item{}, fail(ErrNotFound, nil, "Plex did not create the collection.")
	}
	if err := p.addItems(ctx, conn, got[0].RatingKey, uri, ratingKeys[len(first):]); err != nil {
		return Item{}, err
	}
	return got[0], nil
}

// AddToCollection adds ratingKeys to the collection with rating key
// collection (PUT /library/collections/{id}/items). Items already in it stay
// once. An unknown collection is an ErrNotFound error.
func (p *PMS) AddToCollection(ctx context.Context, conn Conn, collection string, ratingKeys []string) (err error) {
	defer wrap(&err, "add to collection %q", collection)
	if invalidKey(collection) {
		return invalid("ratingKey", "must be a Plex rating key")
	}
	if err := checkKeys(ratingKeys); err != nil {
		return err
	}
	uri, err := p.metadataURI(ctx, conn)
	if err != nil {
		return err
	}
	return p.addItems(ctx, conn, collection, uri, ratingKeys)
}

func (p *PMS) addItems(ctx context.Context, conn Conn, collection string, uri func([]string) string, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), collectionChunk)
		c := call{method: http.MethodPut, path: "/library/collections/" + collection + "/items",
			query: url.Values{"uri": {uri(keys[:n])}}}
		if _, err := p.getJSON(ctx, conn, c, &container{}); err != nil {
			return hidden(err, "The collection")
		}
		keys = keys[n:]
	}
	return nil
}

// metadataURI returns the function that writes PMS's item list uri,
// server://{machineIdentifier}/com.plexapp.plugins.library/library/metadata/{rk1},{rk2}.
func (p *PMS) metadataURI(ctx context.Context, conn Conn) (func([]string) string, error) {
	id, err := p.Identity(ctx, conn)
	if err != nil {
		return nil, err
	}
	return func(keys []string) string {
		return "server://" + id.MachineIdentifier + "/com.plexapp.plugins.library/library/metadata/" + strings.Join(keys, ",")
	}, nil
}

func checkKeys(keys []string) error {
	if len(keys) == 0 {
		return invalid("ratingKeys", "must name at least one item")
	}
	for _, k := range keys {
		if invalidKey(k) {
			return invalid("ratingKeys", "must be Plex rating keys")
		}
	}
	return nil
}
