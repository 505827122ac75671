package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/plex"
	"medianest/app/services"
)

// Sort orders a library listing accepts.
var librarySorts = map[string]bool{"titleSort": true, "addedAt:desc": true, "year:desc": true}

// plexSession is one caller's way into Plex: the connection with their own
// token, and the key their cached answers are filed under (a hash of the
// server URL and token, so a new token or server never sees old answers).
type plexSession struct {
	conn plex.Conn
	key  string
}

// plexFor returns u's Plex session. Plex accounts browse with the server
// access token the owner shared with them; local accounts with the
// configured server token. A Plex account without a token of its own gets
// NO_SERVER_ACCESS rather than the owner's view (admins excepted).
func (s *Library) plexFor(ctx context.Context, u principal.User) (plexSession, error) {
	svc, err := s.svcs.Get(ctx, services.Plex)
	if err != nil {
		return plexSession{}, err
	}
	if !svc.Configured() {
		return plexSession{}, apperr.New(apperr.Unavailable, "Plex is not configured.")
	}
	token := ""
	if u.Provider == principal.ProviderPlex && s.tokens != nil {
		if token, err = s.tokens.PlexServerToken(ctx, u.ID); err != nil {
			return plexSession{}, err
		}
	}
	if token == "" {
		if u.Provider == principal.ProviderPlex && !u.IsAdmin() {
			return plexSession{}, apperr.New(apperr.NoServerAccess, "Your Plex account has no access to this Plex server; sign in with Plex again.")
		}
		token = svc.APIKey
	}
	if token == "" {
		return plexSession{}, apperr.New(apperr.Unavailable, "Plex is not configured: no server token is set.")
	}
	h := sha256.Sum256([]byte(svc.URL + "\x00" + token))
	return plexSession{conn: plex.Conn{URL: svc.URL, Token: token}, key: hex.EncodeToString(h[:12])}, nil
}

// plexErr gives a 401 from Plex on a call that is not about one object its
// meaning: the server does not accept the caller's token any more.
func plexErr(err error) error {
	if err != nil && plex.StatusCode(err) == 401 && !errors.Is(err, plex.ErrNotFound) {
		return apperr.Wrap(apperr.NoServerAccess, err, "The Plex server did not accept your access; sign in with Plex again.")
	}
	return err
}

// cached returns the value filed under key, or fetches and files it.
func cached[T any](s *Library, key string, fetch func() (T, error)) (T, error) {
	if v, ok := s.plexCache.Get(key); ok {
		if t, ok := v.(T); ok {
			return t, nil
		}
	}
	t, err := fetch()
	if err != nil {
		return t, plexErr(err)
	}
	s.plexCache.Add(key, t)
	return t, nil
}

// Server describes the Plex server.
func (s *Library) Server(ctx context.Context, u principal.User) (ServerInfo, error) {
	ps, err := s.plexFor(ctx, u)
	if err != nil {
		return ServerInfo{}, err
	}
	return cached(s, ps.key+"|server", func() (ServerInfo, error) {
		si, err := s.pms.ServerInfo(ctx, ps.conn)
		if err != nil {
			return ServerInfo{}, err
		}
		return ServerInfo{Name: si.FriendlyName, MachineIdentifier: si.MachineIdentifier, Version: si.Version, Platform: si.Platform}, nil
	})
}

// sections lists the sections the session may see.
func (s *Library) sections(ctx context.Context, ps plexSession) ([]plex.Section, error) {
	return cached(s, ps.key+"|sections", func() ([]plex.Section, error) {
		return s.pms.Sections(ctx, ps.conn)
	})
}

// visibleSection checks that the session may see section key; any other
// key is NOT_FOUND, whether it exists or not.
func (s *Library) visibleSection(ctx context.Context, ps plexSession, key string) error {
	secs, err := s.sections(ctx, ps)
	if err != nil {
		return err
	}
	for _, sec := range secs {
		if sec.Key == key {
			return nil
		}
	}
	return apperr.New(apperr.NotFound, "No such library.")
}

// visibleSectionID is visibleSection for an item's numeric section id; 0
// (unknown) is left to Plex, which has already answered for the token.
func (s *Library) visibleSectionID(ctx context.Context, ps plexSession, id int64, what string) error {
	if id == 0 {
		return nil
	}
	if err := s.visibleSection(ctx, ps, strconv.FormatInt(id, 10)); err != nil {
		return apperr.New(apperr.NotFound, "No such %s.", what)
	}
	return nil
}

// Libraries lists the caller's libraries with their item counts.
func (s *Library) Libraries(ctx context.Context, u principal.User) ([]LibrarySection, error) {
	ps, err := s.plexFor(ctx, u)
	if err != nil {
		return nil, err
	}
	return cached(s, ps.key+"|libraries", func() ([]LibrarySection, error) {
		secs, err := s.sections(ctx, ps)
		if err != nil {
			return nil, err
		}
		out := make([]LibrarySection, len(secs))
		errs := make([]error, len(secs))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for i, sec := range secs {
			out[i] = LibrarySection{Key: sec.Key, Title: sec.Title, Type: sec.Type}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				out[i].ItemCount, errs[i] = s.pms.SectionCount(ctx, ps.conn, sec.Key)
			}()
		}
		wg.Wait()
		libs := out[:0]
		for i, l := range out {
			switch {
			case errs[i] == nil:
				libs = append(libs, l)
			case errors.Is(errs[i], plex.ErrNotFound):
				// listed but not readable with this token: not shown
			default:
				return nil, errs[i]
			}
		}
		return libs, nil
	})
}

// ItemsPage is a page of a library.
type ItemsPage struct {
	Items  []PlexItem
	Offset int
	Limit  int
	Total  int
}

// LibraryItems returns a page of library key.
func (s *Library) LibraryItems(ctx context.Context, u principal.User, key string, offset, limit int, sort string) (ItemsPage, error) {
	ps, err := s.plexFor(ctx, u)
	if err != nil {
		return ItemsPage{}, err
	}
	if err := s.visibleSection(ctx, ps, key); err != nil {
		return ItemsPage{}, err
	}
	ck := ps.key + "|items|" + key + "|" + strconv.Itoa(offset) + "|" + strconv.Itoa(limit) + "|" + sort
	return cached(s, ck, func() (ItemsPage, error) {
		items, total, err := s.pms.SectionItems(ctx, ps.conn, key, offset, limit, sort)
		if err != nil {
			return ItemsPage{}, err
		}
		return ItemsPage{Items: s.plexItems(items), Offset: offset, Limit: limit, Total: total}, nil
	})
}

// PlexSearch searches the caller's libraries.
func (s *Library) PlexSearch(ctx context.Context, u principal.User, query string, limit int) ([]PlexItem, error) {
	ps, err := s.plexFor(ctx, u)
	if err != nil {
		return nil, err
	}
	return cached(s, ps.key+"|search|"+strconv.Itoa(limit)+"|"+query, func() ([]PlexItem, error) {
		items, err := s.pms.Search(ctx, ps.conn, query, limit)
		if err != nil {
			return nil, err
		}
		return s.plexItems(items), nil
	})
}

// RecentlyAdded returns the newest items of the caller's libraries.
func (s *Library) RecentlyAdded(ctx context.Context, u principal.User, limit int) ([]PlexItem, error) {
	ps, err := s.plexFor(ctx, u)
	if err != nil {
		return nil, err
	}
	return cached(s, ps.key+"|recent|"+strconv.Itoa(limit), func() ([]PlexItem, error) {
		items, err := s.pms.RecentlyAdded(ctx, ps.conn, limit)
		if err != nil {
			return nil, err
		}
		return s.plexItems(items), nil
	})
}

// Collections lists the collections of library key.
func (s *Library) Collections(ctx context.Context, u principal.User, key string) ([]Collection, error) {
	ps, err := s.plexFor(ctx, u)
	if err != nil {
		return nil, err
	}
	if err := s.visibleSection(ctx, ps, key); err != nil {
		return nil, err
	}
	return cached(s, ps.key+"|collections|"+key, func() ([]Collection, error) {
		items, err := s.pms.Collections(ctx, ps.conn, key)
		if err != nil {
			return nil, err
		}
		out := make([]Collection, 0, len(items))
		for _, it := range items {
			out = append(out, s.collection(it))
		}
		return out, nil
	})
}

// CollectionItems returns collection ratingKey with its items.
func (s *Library) CollectionItems(ctx context.Context, u principal.User, ratingKey string) (CollectionPage, error) {
	ps, err := s.plexFor(ctx, u)
	if err != nil {
		return CollectionPage{}, err
	}
	return cached(s, ps.key+"|collection|"+ratingKey, func() (CollectionPage, error) {
		c, err := s.pms.Metadata(ctx, ps.conn, ratingKey)
		if err != nil {
			return CollectionPage{}, err
		}
		if c.Type != "collection" {
			return CollectionPage{}, apperr.New(apperr.NotFound, "No such collection.")
		}
		if err := s.visibleSectionID(ctx, ps, c.LibrarySectionID, "collection"); err != nil {
			return CollectionPage{}, err
		}
		items, err := s.pms.CollectionItems(ctx, ps.conn, ratingKey)
		if err != nil {
			return CollectionPage{}, err
		}
		return CollectionPage{Collection: s.collection(c), Items: s.plexItems(items)}, nil
	})
}

// Item returns one item's page.
func (s *Library) Item(ctx context.Context, u principal.User, ratingKey string) (PlexItemDetail, error) {
	ps, err := s.plexFor(ctx, u)
	if err != nil {
		return PlexItemDetail{}, err
	}
	return cached(s, ps.key+"|item|"+ratingKey, func() (PlexItemDetail, error) {
		it, err := s.pms.Metadata(ctx, ps.conn, ratingKey)
		if err != nil {
			return PlexItemDetail{}, err
		}
		if err := s.visibleSectionID(ctx, ps, it.LibrarySectionID, "item"); err != nil {
			return PlexItemDetail{}, err
		}
		d := PlexItemDetail{PlexItem: s.plexItem(it), Genres: it.Genres, Directors: it.Directors}
		if d.Genres == nil {
			d.Genres = []string{}
		}
		if d.Directors == nil {
			d.Directors = []string{}
		}
		if it.Type == "show" {
			d.Seasons = []PlexSeason{}
			for _, c := range it.Children {
				if c.Type != "season" && c.Type != "" {
					continue
				}
				d.Seasons = append(d.Seasons, PlexSeason{RatingKey: c.RatingKey, Title: c.Title, Index: c.Index,
					EpisodeCount: c.LeafCount, ThumbURL: s.imageURL(c.Thumb)})
			}
		}
		return d, nil
	})
}
