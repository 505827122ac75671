package plextest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (f *PMS) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /identity", f.identity)
	mux.HandleFunc("GET /{$}", f.root)
	mux.HandleFunc("GET /library/sections", f.sectionList)
	mux.HandleFunc("GET /library/sections/all", f.sectionList)
	mux.HandleFunc("GET /library/sections/{key}/all", f.sectionAll)
	mux.HandleFunc("GET /library/sections/{key}/collections", f.sectionCollections)
	mux.HandleFunc("/library/sections/{key}/refresh", f.refresh)
	mux.HandleFunc("GET /library/recentlyAdded", f.recentlyAdded)
	mux.HandleFunc("GET /hubs/search", f.search)
	mux.HandleFunc("GET /library/metadata/{key}", f.metadata)
	mux.HandleFunc("GET /library/collections/{key}", f.metadata)
	mux.HandleFunc("GET /library/metadata/{key}/children", f.childList(false))
	mux.HandleFunc("GET /library/collections/{key}/children", f.childList(true))
	mux.HandleFunc("POST /library/collections", f.createCollection)
	mux.HandleFunc("PUT /library/collections/{key}/items", f.addToCollection)
	mux.HandleFunc("GET /photo/:/transcode", f.transcode)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { htmlError(w, http.StatusNotFound) })
	return f.requireToken(mux)
}

// requireToken answers 401 (HTML) to a request without a token the server
// knows, except for /identity, which anyone may ask.
func (f *PMS) requireToken(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/identity" {
			f.mu.Lock()
			tok := tokenOf(r)
			_, shared := f.grants[tok]
			known := tok != "" && (tok == f.ownerToken || shared)
			f.mu.Unlock()
			if !known {
				htmlError(w, http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// canSee reports whether the request's token may see section key; callers
// hold f.mu.
func (f *PMS) canSee(r *http.Request, key string) bool {
	tok := tokenOf(r)
	return tok == f.ownerToken || f.grants[tok][key]
}

// sectionStatus is 0 when section key exists and is visible, else the
// status to answer; callers hold f.mu.
func (f *PMS) sectionStatus(r *http.Request, key string) int {
	switch {
	case f.section(key) == nil:
		return http.StatusNotFound
	case !f.canSee(r, key):
		return f.hiddenStatus
	}
	return 0
}

// itemStatus is like sectionStatus for the item with ratingKey.
func (f *PMS) itemStatus(r *http.Request, ratingKey string) (*Item, int) {
	it := f.items[ratingKey]
	if it == nil {
		return nil, http.StatusNotFound
	}
	if !f.canSee(r, it.SectionKey) {
		return nil, f.hiddenStatus
	}
	return it, 0
}

func (f *PMS) identity(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	id := f.machineID
	f.mu.Unlock()
	write(w, r, http.StatusOK, "MediaContainer", obj{"MediaContainer": obj{
		"size": 0, "claimed": true, "machineIdentifier": id, "version": DefaultPMSVersion}})
}

func (f *PMS) root(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	mc := obj{"size": 3, "allowSync": true, "friendlyName": f.name, "machineIdentifier": f.machineID,
		"version": DefaultPMSVersion, "platform": "Linux", "platformVersion": "6.1.0", "myPlex": true,
		"myPlexUsername": "admin.user", "myPlexSigninState": "ok", "multiuser": true,
		"transcoderActiveVideoSessions": 0, "updatedAt": 1772000000,
		"Directory": []obj{{"count": 1, "key": "library", "title": "library"},
			{"count": 1, "key": "status", "title": "status"}, {"count": 1, "key": "hubs", "title": "hubs"}}}
	f.mu.Unlock()
	write(w, r, http.StatusOK, "MediaContainer", obj{"MediaContainer": mc})
}

func (f *PMS) sectionList(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	var dirs []obj
	for _, s := range f.sections {
		if !f.canSee(r, s.Key) {
			continue
		}
		var locs []obj
		for i, l := range s.Locations {
			locs = append(locs, obj{"id": mustAtoi(s.Key)*10 + i, "path": l})
		}
		d := obj{"allowSync": true, "key": s.Key, "type": s.Type, "title": s.Title, "agent": s.Agent,
			"scanner":  map[string]string{"movie": "Plex Movie", "show": "Plex TV Series"}[s.Type],
			"language": "en-US", "uuid": "0000000" + s.Key + "-ef48-4aba-bb19-d3cc3401e7d6",
			"thumb": "/:/resources/" + s.Type + ".png", "refreshing": false, "updatedAt": 1772000000,
			"createdAt": 1700000000, "scannedAt": 1772000000, "content": true, "directory": true, "hidden": 0}
		if len(locs) > 0 {
			d["Location"] = locs
		}
		dirs = append(dirs, d)
	}
	f.mu.Unlock()
	mc := obj{"size": len(dirs), "allowSync": false, "title1": "Plex Library"}
	if len(dirs) > 0 {
		mc["Directory"] = dirs
	}
	write(w, r, http.StatusOK, "MediaContainer", obj{"MediaContainer": mc})
}

func (f *PMS) sectionAll(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	q := r.URL.Query()
	f.mu.Lock()
	if st := f.sectionStatus(r, key); st != 0 {
		f.mu.Unlock()
		htmlError(w, st)
		return
	}
	s := f.section(key)
	want := map[string]string{"show": "show", "artist": "artist", "photo": "photo"}[s.Type]
	if want == "" {
		want = "movie"
	}
	if t := q.Get("type"); t != "" {
		want = typeNumbers[t]
	}
	var sel []*Item
	for _, k := range f.order {
		it := f.items[k]
		if it.SectionKey == key && it.Type == want &&
			strings.Contains(strings.ToLower(it.Title), strings.ToLower(q.Get("title"))) {
			sel = append(sel, it)
		}
	}
	sortItems(sel, q.Get("sort"))
	list := f.render(sel, itemOpts{guids: q.Get("includeGuids") == "1"})
	extra := obj{"allowSync": true, "art": "/:/resources/movie-fanart.jpg",
		"identifier": "com.plexapp.plugins.library", "librarySectionID": mustAtoi(key),
		"librarySectionTitle": s.Title, "title1": s.Title, "title2": "All " + s.Title, "viewGroup": want,
		"mediaTagPrefix": "/system/bundle/media/flags/", "mediaTagVersion": 1772000000}
	f.mu.Unlock()
	f.container(w, r, true, list, extra)
}

// render converts items; callers hold f.mu.
func (f *PMS) render(its []*Item, o itemOpts) []obj {
	out := make([]obj, 0, len(its))
	for _, it := range its {
		out = append(out, f.itemJSON(it, o))
	}
	return out
}

func (f *PMS) sectionCollections(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	f.mu.Lock()
	if st := f.sectionStatus(r, key); st != 0 {
		f.mu.Unlock()
		htmlError(w, st)
		return
	}
	var sel []*Item
	for _, k := range f.order {
		if it := f.items[k]; it.SectionKey == key && it.Type == "collection" {
			sel = append(sel, it)
		}
	}
	list := f.render(sel, itemOpts{})
	f.mu.Unlock()
	f.container(w, r, false, list, obj{"librarySectionID": mustAtoi(key)})
}

// refresh records a scan. Only the owner may scan; GET and POST start one,
// DELETE cancels (recorded too). The answer is 200 with an empty body.
func (f *PMS) refresh(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodDelete {
		htmlError(w, http.StatusMethodNotAllowed)
		return
	}
	key := r.PathValue("key")
	_ = r.ParseForm()
	dir := r.Form.Get("path")
	f.mu.Lock()
	defer f.mu.Unlock()
	if tokenOf(r) != f.ownerToken {
		htmlError(w, http.StatusUnauthorized)
		return
	}
	s := f.section(key)
	if s == nil && key != "all" {
		htmlError(w, http.StatusNotFound)
		return
	}
	rec := Refresh{Method: r.Method, SectionKey: key, Path: dir, Force: r.Form.Get("force") == "1"}
	if s != nil && dir != "" {
		for _, l := range s.Locations {
			l = strings.TrimSuffix(l, "/")
			if dir == l || strings.HasPrefix(dir, l+"/") {
				rec.InsideLocation = true
			}
		}
	}
	f.refreshes = append(f.refreshes, rec)
	// PMS scans in the background; the fake scans at once, so that a test
	// sees the result as soon as the refresh is answered.
	switch {
	case r.Method == http.MethodDelete:
	case s != nil && (dir == "" || rec.InsideLocation):
		f.scanDisk(s, dir)
	case key == "all":
		for _, s := range f.sections {
			f.scanDisk(s, "")
		}
	}
	w.WriteHeader(http.StatusOK)
}

// recentlyAdded lists new movies and, as PMS does, new TV as seasons.
func (f *PMS) recentlyAdded(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	var sel []*Item
	for _, k := range f.order {
		it := f.items[k]
		if (it.Type == "movie" || it.Type == "season") && f.canSee(r, it.SectionKey) {
			sel = append(sel, it)
		}
	}
	sortItems(sel, "addedAt:desc")
	list := f.render(sel, itemOpts{})
	f.mu.Unlock()
	f.container(w, r, false, list, obj{"mixedParents": true, "allowSync": false})
}

// search answers /hubs/search: a hub per type, empty hubs with size 0 and no
// Metadata, and a genre hub of Directory tags.
func (f *PMS) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := strings.ToLower(strings.TrimSpace(q.Get("query")))
	if query == "" {
		htmlError(w, http.StatusBadRequest)
		return
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 10
	}
	section := q.Get("sectionId")
	f.mu.Lock()
	byType := map[string][]obj{}
	var genres []obj
	seenGenre := map[string]bool{}
	for _, k := range f.order {
		it := f.items[k]
		if !f.canSee(r, it.SectionKey) || (section != "" && it.SectionKey != section) {
			continue
		}
		if strings.Contains(strings.ToLower(it.Title), query) && len(byType[it.Type]) < limit {
			m := f.itemJSON(it, itemOpts{})
			m["reason"], m["reasonTitle"] = "title", it.Title
			byType[it.Type] = append(byType[it.Type], m)
		}
		for _, g := range it.Genres {
			if strings.Contains(strings.ToLower(g), query) && !seenGenre[g] && len(genres) < limit {
				seenGenre[g] = true
				genres = append(genres, obj{"key": "/library/sections/" + it.SectionKey + "/all?genre=" + g,
					"librarySectionID": mustAtoi(it.SectionKey), "tag": g, "type": "tag", "tagType": 1})
			}
		}
	}
	f.mu.Unlock()
	hubs := []obj{}
	for _, h := range []struct{ typ, title string }{
		{"movie", "Movies"}, {"show", "Shows"}, {"season", "Seasons"}, {"episode", "Episodes"},
		{"collection", "Collections"}, {"genre", "Genres"},
	} {
		hub := obj{"title": h.title, "type": h.typ, "hubIdentifier": h.typ, "context": "",
			"more": false, "style": "shelf"}
		items := byType[h.typ]
		if h.typ == "genre" {
			items = genres
		}
		hub["size"] = len(items)
		if len(items) > 0 {
			if h.typ == "genre" {
				hub["Directory"] = items
			} else {
				hub["Metadata"] = items
				hub["hubKey"] = items[0]["key"]
			}
		}
		hubs = append(hubs, hub)
	}
	write(w, r, http.StatusOK, "MediaContainer", obj{"MediaContainer": obj{"size": len(hubs), "Hub": hubs}})
}

// metadata answers /library/metadata/{keys} (a comma list may ask several)
// and /library/collections/{key}.
func (f *PMS) metadata(w http.ResponseWriter, r *http.Request) {
	opts := itemOpts{full: true, guids: true, children: r.URL.Query().Get("includeChildren") == "1"}
	f.mu.Lock()
	var list []obj
	var first *Item
	for k := range strings.SplitSeq(r.PathValue("key"), ",") {
		it, st := f.itemStatus(r, k)
		if st != 0 {
			f.mu.Unlock()
			htmlError(w, st)
			return
		}
		if first == nil {
			first = it
		}
		list = append(list, f.itemJSON(it, opts))
	}
	mc := obj{"size": len(list), "identifier": "com.plexapp.plugins.library", "Metadata": list}
	if s := f.section(first.SectionKey); s != nil {
		mc["librarySectionID"], mc["librarySectionTitle"] = mustAtoi(s.Key), s.Title
	}
	f.mu.Unlock()
	write(w, r, http.StatusOK, "MediaContainer", obj{"MediaContainer": mc})
}

// childList answers a children listing: seasons of a show, episodes of a
// season, items of a collection. Collection children are strict about
// paging like section listings.
func (f *PMS) childList(collections bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		it, st := f.itemStatus(r, r.PathValue("key"))
		if st == 0 && collections && it.Type != "collection" {
			st = http.StatusNotFound
		}
		if st != 0 {
			f.mu.Unlock()
			htmlError(w, st)
			return
		}
		list := f.render(f.children(it), itemOpts{})
		extra := obj{"key": it.RatingKey, "title1": it.Title}
		if s := f.section(it.SectionKey); s != nil {
			extra["librarySectionID"], extra["librarySectionTitle"] = mustAtoi(s.Key), s.Title
		}
		f.mu.Unlock()
		f.container(w, r, collections, list, extra)
	}
}

// transcode is the photo transcoder: url names a /library/ image of an item
// the token may see; width and height are required.
func (f *PMS) transcode(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	u := q.Get("url")
	wd, errW := strconv.Atoi(q.Get("width"))
	ht, errH := strconv.Atoi(q.Get("height"))
	if u == "" || errW != nil || errH != nil || wd <= 0 || ht <= 0 {
		htmlError(w, http.StatusBadRequest)
		return
	}
	parts := strings.Split(strings.TrimPrefix(u, "/"), "/")
	if len(parts) < 3 || parts[0] != "library" || !slices.Contains([]string{"metadata", "collections"}, parts[1]) {
		htmlError(w, http.StatusNotFound)
		return
	}
	f.mu.Lock()
	_, st := f.itemStatus(r, parts[2])
	ct, body := f.imageType, f.image
	f.mu.Unlock()
	if st != 0 {
		htmlError(w, st)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
