package plex

import (
	"time"

	"medianest/app/upstream"
)

// Item is one entry of a PMS listing (a movie, show, season, episode,
// collection, …), decoded tolerantly: PMS sends ratingKey as a string,
// librarySectionID as a number in listings but a string elsewhere, and a
// collection's childCount, minYear and maxYear as strings.
type Item struct {
	RatingKey string
	Key       string
	GUID      string // Plex's own id, e.g. plex://movie/5d7768ba96b655001fdc0408
	Type      string // movie, show, season, episode, collection, …
	Subtype   string // for a collection: the type of its items
	Title     string
	TitleSort string
	Summary   string
	Thumb     string // a PMS path such as /library/metadata/101/thumb/1771990000
	Art       string
	Year      int
	// AddedAt and UpdatedAt are zero when PMS did not say.
	AddedAt    time.Time
	UpdatedAt  time.Time
	DurationMS int64

	LibrarySectionID    int64
	LibrarySectionTitle string

	ParentRatingKey      string
	ParentTitle          string // for a season: the show; for an episode: the season
	ParentIndex          int    // for an episode: the season number
	GrandparentRatingKey string
	GrandparentTitle     string // for an episode: the show
	Index                int    // season or episode number; a collection's position
	ChildCount           int    // seasons of a show, items of a collection
	LeafCount            int    // episodes of a show or season

	ContentRating         string
	Studio                string
	OriginallyAvailableAt string
	Rating                float64
	MinYear, MaxYear      int  // collections
	Smart                 bool // collections

	// Guids are external ids such as imdb://tt1254207 or tmdb://10378.
	Guids     []string
	Genres    []string
	Directors []string
	Roles     []string
	// Files are the paths of the item's media files as the Plex server
	// sees them (Media[].Part[].file), in PMS's order.
	Files []string
	// Children are the item's children when PMS included them (the seasons
	// of a show from Metadata).
	Children []Item
}

type wireTag struct {
	Tag upstream.FlexString `json:"tag"`
	ID  upstream.FlexString `json:"id"`
}

type wireItem struct {
	RatingKey             upstream.FlexString `json:"ratingKey"`
	Key                   upstream.FlexString `json:"key"`
	Type                  upstream.FlexString `json:"type"`
	Subtype               upstream.FlexString `json:"subtype"`
	Title                 upstream.FlexString `json:"title"`
	TitleSort             upstream.FlexString `json:"titleSort"`
	Summary               upstream.FlexString `json:"summary"`
	Thumb                 upstream.FlexString `json:"thumb"`
	Art                   upstream.FlexString `json:"art"`
	Year                  upstream.FlexInt    `json:"year"`
	AddedAt               upstream.FlexInt    `json:"addedAt"`
	UpdatedAt             upstream.FlexInt    `json:"updatedAt"`
	Duration              upstream.FlexInt    `json:"duration"`
	LibrarySectionID      upstream.FlexInt    `json:"librarySectionID"`
	LibrarySectionTitle   upstream.FlexString `json:"librarySectionTitle"`
	ParentRatingKey       upstream.FlexString `json:"parentRatingKey"`
	ParentTitle           upstream.FlexString `json:"parentTitle"`
	ParentIndex           upstream.FlexInt    `json:"parentIndex"`
	GrandparentRatingKey  upstream.FlexString `json:"grandparentRatingKey"`
	GrandparentTitle      upstream.FlexString `json:"grandparentTitle"`
	Index                 upstream.FlexInt    `json:"index"`
	ChildCount            upstream.FlexInt    `json:"childCount"`
	LeafCount             upstream.FlexInt    `json:"leafCount"`
	ContentRating         upstream.FlexString `json:"contentRating"`
	Studio                upstream.FlexString `json:"studio"`
	OriginallyAvailableAt upstream.FlexString `json:"originallyAvailableAt"`
	Rating                upstream.FlexFloat  `json:"rating"`
	MinYear               upstream.FlexInt    `json:"minYear"`
	MaxYear               upstream.FlexInt    `json:"maxYear"`
	Smart                 upstream.FlexBool   `json:"smart"`
	// GUID must be declared: encoding/json matches keys case-insensitively,
	// so without it the "guid" string would be decoded into the Guid list.
	GUID     upstream.FlexString `json:"guid"`
	Guid     []wireTag           `json:"Guid"`
	Genre    []wireTag           `json:"Genre"`
	Director []wireTag           `json:"Director"`
	Role     []wireTag           `json:"Role"`
	Children *struct {
		Metadata []wireItem `json:"Metadata"`
	} `json:"Children"`
	Media []struct {
		Part []struct {
			File upstream.FlexString `json:"file"`
		} `json:"Part"`
	} `json:"Media"`
}

func (w wireItem) item() Item {
	it := Item{
		RatingKey: string(w.RatingKey), Key: string(w.Key), GUID: string(w.GUID), Type: string(w.Type),
		Subtype: string(w.Subtype), Title: string(w.Title), TitleSort: string(w.TitleSort),
		Summary: string(w.Summary), Thumb: string(w.Thumb), Art: string(w.Art),
		Year: int(w.Year), AddedAt: epoch(w.AddedAt), UpdatedAt: epoch(w.UpdatedAt),
		DurationMS:       int64(w.Duration),
		LibrarySectionID: int64(w.LibrarySectionID), LibrarySectionTitle: string(w.LibrarySectionTitle),
		ParentRatingKey: string(w.ParentRatingKey), ParentTitle: string(w.ParentTitle),
		ParentIndex:          int(w.ParentIndex),
		GrandparentRatingKey: string(w.GrandparentRatingKey), GrandparentTitle: string(w.GrandparentTitle),
		Index: int(w.Index), ChildCount: int(w.ChildCount), LeafCount: int(w.LeafCount),
		ContentRating: string(w.ContentRating), Studio: string(w.Studio),
		OriginallyAvailableAt: string(w.OriginallyAvailableAt), Rating: float64(w.Rating),
		MinYear: int(w.MinYear), MaxYear: int(w.MaxYear), Smart: bool(w.Smart),
		Guids: tags(w.Guid, true), Genres: tags(w.Genre, false),
		Directors: tags(w.Director, false), Roles: tags(w.Role, false),
	}
	if w.Children != nil {
		it.Children = items(w.Children.Metadata, 0)
	}
	for _, m := range w.Media {
		for _, pt := range m.Part {
			if pt.File != "" {
				it.Files = append(it.Files, string(pt.File))
			}
		}
	}
	return it
}

// tags flattens Plex's [{tag:…}] lists; Guid entries carry their value in id.
func tags(ts []wireTag, id bool) []string {
	var out []string
	for _, t := range ts {
		v := t.Tag
		if id {
			v = t.ID
		}
		if v != "" {
			out = append(out, string(v))
		}
	}
	return out
}

// items converts a Metadata list. A container-level librarySectionID (set on
// section listings and metadata answers, not on each entry) fills entries
// that lack their own.
func items(ws []wireItem, sectionID int64) []Item {
	if len(ws) == 0 {
		return nil
	}
	out := make([]Item, 0, len(ws))
	for _, w := range ws {
		it := w.item()
		if it.LibrarySectionID == 0 {
			it.LibrarySectionID = sectionID
		}
		out = append(out, it)
	}
	return out
}

// container is the part of a MediaContainer the listings read.
type container struct {
	Size             upstream.FlexInt  `json:"size"`
	TotalSize        *upstream.FlexInt `json:"totalSize"`
	Offset           upstream.FlexInt  `json:"offset"`
	LibrarySectionID upstream.FlexInt  `json:"librarySectionID"`
	Metadata         []wireItem        `json:"Metadata"`
}
