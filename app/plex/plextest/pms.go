package plextest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Defaults of a new PMS fake.
const (
	DefaultMachineID  = "9c1b0e7f5a2d4e6b8c3a1f0d2e4b6a8c0d1e2f3a"
	DefaultOwnerToken = "pms-owner-token"
	DefaultPMSVersion = "1.41.3.9314-a0bfb8370"
)

// PMS is a fake Plex Media Server. Point a plex.PMS client at its URL.
//
// Tokens decide what is visible: the owner token sees every section, a token
// given sections with Grant sees only those, and any other token (or none)
// gets 401 with an HTML body. A section, item, collection or image the token
// may not see answers the hidden status (401 by default, see
// SetHiddenStatus); an unknown one answers 404. /identity needs no token.
type PMS struct {
	*Server
	t testing.TB

	mu           sync.Mutex
	machineID    string
	name         string
	ownerToken   string
	grants       map[string]map[string]bool
	sections     []*Section
	items        map[string]*Item
	order        []string
	nextKey      int
	nextColl     int
	refreshes    []Refresh
	collCalls    []CollectionCall
	disks        []diskMap
	hiddenStatus int
	strictPaging bool
	stringIDs    bool
	imageType    string
	image        []byte
}

// Section is a library section of the fake.
type Section struct {
	Key       string // "1", "2", …; AddSection assigns one when empty
	Title     string
	Type      string // movie, show, artist, photo
	Locations []string
	Agent     string
}

// Item is a movie, show, season, episode or collection of the fake. Titles
// of parents (a season's show, an episode's season and show) are derived
// from ParentKey.
type Item struct {
	RatingKey  string // assigned when empty
	Type       string // movie, show, season, episode, collection
	Subtype    string // a collection's item type
	Title      string
	Year       int
	Summary    string
	SectionKey string
	ParentKey  string // a season's show, an episode's season
	Index      int    // season or episode number
	AddedAt    time.Time
	DurationMS int64
	Genres     []string
	Directors  []string
	Guids      []string
	Members    []string // a collection's items, in order
	Smart      bool
	// File is the item's media file as the server sees it (Part.file). A
	// movie without one gets a made-up path under its section's location.
	File string
}

// Refresh is one scan request the fake received.
type Refresh struct {
	Method     string
	SectionKey string // "all" for /library/sections/all/refresh
	Path       string // the path parameter, "" for a whole-section scan
	Force      bool
	// InsideLocation reports whether Path lies in one of the section's
	// locations; PMS skips (but still answers 200 to) a path outside them.
	InsideLocation bool
}

// CollectionCall is one collection change the fake received: a create
// (POST /library/collections) or an addition (PUT
// /library/collections/{key}/items). Refused calls are recorded too, with
// Status saying how they were answered.
type CollectionCall struct {
	Method        string
	CollectionKey string // the created or extended collection
	SectionKey    string // sectionId of a create
	Title         string
	Type          string // type of a create ("1", "12", …)
	MachineID     string // from the uri
	RatingKeys    []string
	Status        int
}

// NewPMS starts a Plex Media Server fake with machine identifier
// DefaultMachineID, owner token DefaultOwnerToken and no sections; add
// content with AddSection/AddItem/AddItems/AddShow/AddCollection or Seed.
func NewPMS(t testing.TB) *PMS {
	f := &PMS{
		t: t, machineID: DefaultMachineID, name: DefaultServerName, ownerToken: DefaultOwnerToken,
		grants: map[string]map[string]bool{}, items: map[string]*Item{},
		nextKey: 101, nextColl: 5001, hiddenStatus: http.StatusUnauthorized, strictPaging: true,
		imageType: "image/png", image: tinyPNG(),
	}
	f.Server = newServer(t, f.routes(), htmlError)
	return f
}

// MachineID is the server's machine identifier.
func (f *PMS) MachineID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.machineID
}

// SetMachineID changes the machine identifier (e.g. to simulate the URL now
// pointing at another server).
func (f *PMS) SetMachineID(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.machineID = id
}

// SetName changes the server's friendly name.
func (f *PMS) SetName(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.name = name
}

// OwnerToken is the token that sees every section and may scan.
func (f *PMS) OwnerToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ownerToken
}

// SetOwnerToken replaces the owner token.
func (f *PMS) SetOwnerToken(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ownerToken = token
}

// Grant lets token (a shared user's server access token) see sectionKeys, in
// addition to any granted before. Grant with no keys makes the token valid
// but shows it nothing.
func (f *PMS) Grant(token string, sectionKeys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.grants[token]
	if g == nil {
		g = map[string]bool{}
		f.grants[token] = g
	}
	for _, k := range sectionKeys {
		g[k] = true
	}
}

// Revoke makes token unknown to the server again (401 everywhere).
func (f *PMS) Revoke(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.grants, token)
}

// SetHiddenStatus sets what a known token gets for a section, item or image
// it may not see: 401 (the default), 403 or 404.
func (f *PMS) SetHiddenStatus(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hiddenStatus = status
}

// SetStrictPaging decides whether section and collection listings without
// X-Plex-Container-Size are refused with 400, as newer servers announce they
// will. It is on by default so that a client that forgets the size fails.
func (f *PMS) SetStrictPaging(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.strictPaging = on
}

// SetStringSectionIDs makes every item carry librarySectionID as a string
// ("1"), as /status/sessions does, instead of a number.
func (f *PMS) SetStringSectionIDs(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stringIDs = on
}

// SetImage replaces what the photo transcoder serves (default: a small PNG).
func (f *PMS) SetImage(contentType string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.imageType, f.image = contentType, slices.Clone(body)
}

// Refreshes returns the scan requests received so far, oldest first.
func (f *PMS) Refreshes() []Refresh {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.refreshes)
}

// CollectionCalls returns the collection changes received so far, oldest
// first.
func (f *PMS) CollectionCalls() []CollectionCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.collCalls)
	for i := range out {
		out[i].RatingKeys = slices.Clone(out[i].RatingKeys)
	}
	return out
}

// AddSection adds a library section and returns it with its key.
func (f *PMS) AddSection(s Section) Section {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.Key == "" {
		s.Key = strconv.Itoa(len(f.sections) + 1)
	}
	if s.Type == "" {
		s.Type = "movie"
	}
	if s.Agent == "" {
		s.Agent = map[string]string{"movie": "tv.plex.agents.movie", "show": "tv.plex.agents.series"}[s.Type]
	}
	s.Locations = slices.Clone(s.Locations)
	f.sections = append(f.sections, &s)
	return s
}

// RemoveSection deletes section key and everything in it, as when an admin
// removes a library (a new one gets a new key).
func (f *PMS) RemoveSection(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sections = slices.DeleteFunc(f.sections, func(s *Section) bool { return s.Key == key })
	f.order = slices.DeleteFunc(f.order, func(k string) bool {
		if f.items[k].SectionKey == key {
			delete(f.items, k)
			return true
		}
		return false
	})
}

// AddItem adds it and returns it with its rating key and defaults filled in.
func (f *PMS) AddItem(it Item) Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addItem(it)
}

func (f *PMS) addItem(it Item) Item {
	if it.RatingKey == "" {
		if it.Type == "collection" {
			it.RatingKey = strconv.Itoa(f.nextColl)
			f.nextColl++
		} else {
			it.RatingKey = strconv.Itoa(f.nextKey)
			f.nextKey++
		}
	}
	if it.Type == "" {
		it.Type = "movie"
	}
	if it.AddedAt.IsZero() {
		it.AddedAt = time.Unix(1771990000+int64(len(f.order))*60, 0).UTC()
	}
	if p, ok := f.items[it.ParentKey]; ok && it.SectionKey == "" {
		it.SectionKey = p.SectionKey
	}
	it.Genres, it.Directors, it.Guids, it.Members = slices.Clone(it.Genres), slices.Clone(it.Directors), slices.Clone(it.Guids), slices.Clone(it.Members)
	if _, dup := f.items[it.RatingKey]; !dup {
		f.order = append(f.order, it.RatingKey)
	}
	c := it
	f.items[it.RatingKey] = &c
	return it
}

// AddItems fills section sectionKey with n generated top-level items for
// paging tests: movies in a movie section, shows (one season of two
// episodes each) in a show section. It returns the top-level items.
func (f *PMS) AddItems(sectionKey string, n int) []Item {
	f.mu.Lock()
	s := f.section(sectionKey)
	f.mu.Unlock()
	if s == nil {
		f.t.Fatalf("plextest: AddItems: no section %q", sectionKey)
	}
	out := make([]Item, 0, n)
	for i := range n {
		if s.Type == "show" {
			out = append(out, f.AddShow(sectionKey, fmt.Sprintf("Show %03d", i+1), 1, 2))
			continue
		}
		out = append(out, f.AddItem(Item{
			Type: "movie", Title: fmt.Sprintf("Movie %03d", i+1), Year: 1990 + i%35,
			SectionKey: sectionKey, DurationMS: int64(90+i%60) * 60000,
			Summary: "A generated movie.", Genres: []string{[]string{"Drama", "Comedy", "Animation"}[i%3]},
			Guids: []string{fmt.Sprintf("tmdb://%d", 10000+i)},
		}))
	}
	return out
}

// AddShow adds a show with seasons × episodes and returns the show.
func (f *PMS) AddShow(sectionKey, title string, seasons, episodes int) Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	show := f.addItem(Item{Type: "show", Title: title, Year: 2020, SectionKey: sectionKey,
		Summary: "A generated show.", Genres: []string{"Drama"}})
	for s := 1; s <= seasons; s++ {
		season := f.addItem(Item{Type: "season", Title: fmt.Sprintf("Season %d", s), Index: s, ParentKey: show.RatingKey})
		for e := 1; e <= episodes; e++ {
			f.addItem(Item{Type: "episode", Title: fmt.Sprintf("Episode %d", e), Index: e,
				ParentKey: season.RatingKey, DurationMS: 45 * 60000, Year: 2020})
		}
	}
	return show
}

// AddCollection adds a regular collection of ratingKeys to section
// sectionKey and returns it.
func (f *PMS) AddCollection(sectionKey, title string, ratingKeys ...string) Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	sub := "movie"
	if len(ratingKeys) > 0 {
		if m, ok := f.items[ratingKeys[0]]; ok {
			sub = m.Type
		}
	}
	return f.addItem(Item{Type: "collection", Subtype: sub, Title: title, SectionKey: sectionKey, Members: ratingKeys})
}

// Item returns the item with ratingKey.
func (f *PMS) Item(ratingKey string) (Item, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	it, ok := f.items[ratingKey]
	if !ok {
		return Item{}, false
	}
	return *it, true
}

// Seed fills the fake with a small library: section "1" Movies (/data/movies)
// with 57 movies, the first two "Big Buck Bunny" (rating key "101") and
// "Sintel" ("102"); section "2" TV Shows (/data/tv) with "Example Show" (2
// seasons of 3 episodes) and "Another Show" (1 season of 2); and the
// collection "Blender Films" (rating key "5001") holding 101 and 102.
func (f *PMS) Seed() {
	f.AddSection(Section{Key: "1", Title: "Movies", Type: "movie", Locations: []string{"/data/movies"}})
	f.AddSection(Section{Key: "2", Title: "TV Shows", Type: "show", Locations: []string{"/data/tv"}})
	f.AddItem(Item{Type: "movie", Title: "Big Buck Bunny", Year: 2008, SectionKey: "1", DurationMS: 596000,
		Summary: "A giant rabbit takes revenge.", Genres: []string{"Animation", "Comedy"},
		Directors: []string{"Sacha Goedegebure"}, Guids: []string{"imdb://tt1254207", "tmdb://10378"}})
	f.AddItem(Item{Type: "movie", Title: "Sintel", Year: 2010, SectionKey: "1", DurationMS: 888000,
		Summary: "A girl searches for her dragon.", Genres: []string{"Animation", "Fantasy"},
		Directors: []string{"Colin Levy"}, Guids: []string{"imdb://tt1727587", "tmdb://45745"}})
	f.AddItems("1", 55)
	f.AddShow("2", "Example Show", 2, 3)
	f.AddShow("2", "Another Show", 1, 2)
	f.AddCollection("1", "Blender Films", "101", "102")
}

// section finds a section by key; callers hold f.mu.
func (f *PMS) section(key string) *Section {
	for _, s := range f.sections {
		if s.Key == key {
			return s
		}
	}
	return nil
}
