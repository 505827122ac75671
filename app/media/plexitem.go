package media

import (
	"net/url"
	"time"

	"medianest/app/plex"
)

// PlexItem is a library item as the API shows it. The thumbnail goes
// through our image proxy, so the Plex token never reaches the browser.
type PlexItem struct {
	RatingKey        string     `json:"ratingKey"`
	Type             string     `json:"type"`
	Title            string     `json:"title"`
	Year             *int       `json:"year"`
	Summary          string     `json:"summary"`
	ThumbURL         *string    `json:"thumbUrl"`
	AddedAt          *time.Time `json:"addedAt"`
	DurationMs       int64      `json:"durationMs"`
	LibrarySectionID int64      `json:"librarySectionId"`
	ParentTitle      string     `json:"parentTitle,omitempty"`
}

// PlexItemDetail is one item's page.
type PlexItemDetail struct {
	PlexItem
	Genres    []string `json:"genres"`
	Directors []string `json:"directors"`
	// Seasons is set for shows.
	Seasons []PlexSeason `json:"seasons,omitempty"`
}

// PlexSeason is one season of a show.
type PlexSeason struct {
	RatingKey    string  `json:"ratingKey"`
	Title        string  `json:"title"`
	Index        int     `json:"index"`
	EpisodeCount int     `json:"episodeCount"`
	ThumbURL     *string `json:"thumbUrl"`
}

// LibrarySection is a library section the caller can see.
type LibrarySection struct {
	Key       string `json:"key"`
	Title     string `json:"title"`
	Type      string `json:"type"`
	ItemCount int    `json:"itemCount"`
}

// Collection is a collection of a library.
type Collection struct {
	RatingKey  string     `json:"ratingKey"`
	Title      string     `json:"title"`
	ChildCount int        `json:"childCount"`
	ThumbURL   *string    `json:"thumbUrl"`
	AddedAt    *time.Time `json:"addedAt"`
}

// CollectionPage is a collection with its items in Plex's order.
type CollectionPage struct {
	Collection Collection `json:"collection"`
	Items      []PlexItem `json:"items"`
}

// ServerInfo is the Plex server as the API shows it.
type ServerInfo struct {
	Name              string `json:"name"`
	MachineIdentifier string `json:"machineIdentifier"`
	Version           string `json:"version"`
	Platform          string `json:"platform"`
}

// imageURL is the proxy URL of a Plex image path, nil for none (or for a
// path the proxy would refuse, such as Plex's own /:/resources icons).
func (ln links) imageURL(path string) *string {
	if path == "" || !plex.ValidImagePath(path) {
		return nil
	}
	u := ln.basePath + "/api/v1/plex/image?path=" + url.QueryEscape(path)
	return &u
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func (s *Library) plexItem(it plex.Item) PlexItem {
	parent := it.ParentTitle
	if it.Type == "episode" && it.GrandparentTitle != "" {
		parent = it.GrandparentTitle
	}
	return PlexItem{
		RatingKey: it.RatingKey, Type: it.Type, Title: it.Title, Year: intPtr(it.Year),
		Summary: it.Summary, ThumbURL: s.imageURL(it.Thumb), AddedAt: timePtr(it.AddedAt),
		DurationMs: it.DurationMS, LibrarySectionID: it.LibrarySectionID, ParentTitle: parent,
	}
}

func (s *Library) plexItems(in []plex.Item) []PlexItem {
	out := make([]PlexItem, 0, len(in))
	for _, it := range in {
		out = append(out, s.plexItem(it))
	}
	return out
}

func (s *Library) collection(it plex.Item) Collection {
	return Collection{RatingKey: it.RatingKey, Title: it.Title, ChildCount: it.ChildCount,
		ThumbURL: s.imageURL(it.Thumb), AddedAt: timePtr(it.AddedAt)}
}
