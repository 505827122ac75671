package plextest

import (
	"bytes"
	"cmp"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

// typeNumbers are PMS's numeric item types, used by the type= filter.
var typeNumbers = map[string]string{
	"1": "movie", "2": "show", "3": "season", "4": "episode", "8": "artist",
	"9": "album", "10": "track", "12": "clip", "13": "photo", "18": "collection",
}

// itemOpts say how much of an item a listing shows.
type itemOpts struct {
	guids    bool // includeGuids=1, and always in metadata answers
	full     bool // a metadata answer
	children bool // includeChildren=1
}

// itemJSON renders it as PMS does; callers hold f.mu. The quirks are
// deliberate: ratingKey is a string, librarySectionID a number (a string
// with SetStringSectionIDs), a collection's childCount/minYear/maxYear are
// strings and smart is "0"/"1", and empty lists are left out.
func (f *PMS) itemJSON(it *Item, o itemOpts) obj {
	ts := strconv.FormatInt(it.AddedAt.Unix(), 10)
	m := obj{
		"ratingKey": it.RatingKey, "key": "/library/metadata/" + it.RatingKey,
		"guid": "plex://" + it.Type + "/" + it.RatingKey, "type": it.Type, "title": it.Title,
		"titleSort": it.Title, "addedAt": it.AddedAt.Unix(), "updatedAt": it.AddedAt.Unix() + 100,
		"thumb": "/library/metadata/" + it.RatingKey + "/thumb/" + ts,
		"art":   "/library/metadata/" + it.RatingKey + "/art/" + ts,
	}
	if it.Summary != "" || o.full {
		m["summary"] = it.Summary
	}
	if it.Year != 0 {
		m["year"] = it.Year
	}
	if it.DurationMS != 0 {
		m["duration"] = it.DurationMS
	}
	if s := f.section(it.SectionKey); s != nil {
		var id any = mustAtoi(s.Key)
		if f.stringIDs {
			id = s.Key
		}
		m["librarySectionID"], m["librarySectionTitle"], m["librarySectionKey"] = id, s.Title, "/library/sections/"+s.Key
	}
	kids := f.children(it)
	switch it.Type {
	case "show":
		m["key"] = "/library/metadata/" + it.RatingKey + "/children"
		m["childCount"], m["leafCount"], m["viewedLeafCount"] = len(kids), f.leaves(it), 0
	case "season":
		m["key"] = "/library/metadata/" + it.RatingKey + "/children"
		m["index"], m["leafCount"], m["viewedLeafCount"] = it.Index, len(kids), 0
		if p := f.items[it.ParentKey]; p != nil {
			m["parentRatingKey"], m["parentTitle"], m["parentYear"] = p.RatingKey, p.Title, p.Year
			m["parentThumb"] = "/library/metadata/" + p.RatingKey + "/thumb/" + strconv.FormatInt(p.AddedAt.Unix(), 10)
		}
	case "episode":
		m["index"] = it.Index
		if s := f.items[it.ParentKey]; s != nil {
			m["parentRatingKey"], m["parentTitle"], m["parentIndex"] = s.RatingKey, s.Title, s.Index
			if g := f.items[s.ParentKey]; g != nil {
				m["grandparentRatingKey"], m["grandparentTitle"] = g.RatingKey, g.Title
				m["grandparentThumb"] = "/library/metadata/" + g.RatingKey + "/thumb/" + strconv.FormatInt(g.AddedAt.Unix(), 10)
			}
		}
	case "collection":
		m["key"] = "/library/collections/" + it.RatingKey + "/children"
		m["guid"] = "collection://" + it.RatingKey
		m["subtype"], m["index"] = it.Subtype, 1
		m["thumb"] = "/library/collections/" + it.RatingKey + "/composite/" + ts
		m["childCount"] = strconv.Itoa(len(it.Members))
		m["smart"] = map[bool]string{true: "1", false: "0"}[it.Smart]
		var years []int
		for _, k := range it.Members {
			if c := f.items[k]; c != nil && c.Year != 0 {
				years = append(years, c.Year)
			}
		}
		if len(years) > 0 {
			m["minYear"], m["maxYear"] = strconv.Itoa(slices.Min(years)), strconv.Itoa(slices.Max(years))
		}
		delete(m, "art")
	}
	if it.Type == "movie" || it.Type == "clip" || it.Type == "episode" {
		file := it.File
		if s := f.section(it.SectionKey); file == "" && it.Type == "movie" && s != nil && len(s.Locations) > 0 {
			file = path.Join(s.Locations[0], it.Title+" ("+strconv.Itoa(it.Year)+")", it.Title+".mp4")
		}
		if file != "" {
			m["Media"] = []obj{{"id": mustAtoi(it.RatingKey) + 2000, "duration": it.DurationMS, "container": "mp4",
				"videoCodec": "h264", "audioCodec": "aac", "videoResolution": "1080", "width": 1920, "height": 1080,
				"Part": []obj{{"id": mustAtoi(it.RatingKey) + 3000, "file": file, "size": 186000000,
					"key": "/library/parts/" + it.RatingKey + "/file.mp4", "container": "mp4"}}}}
		}
	}
	addTags(m, "Genre", "tag", it.Genres)
	addTags(m, "Director", "tag", it.Directors)
	if o.guids || o.full {
		addTags(m, "Guid", "id", it.Guids)
	}
	if o.children && len(kids) > 0 && it.Type != "collection" {
		var cs []obj
		for _, c := range kids {
			cs = append(cs, f.itemJSON(c, itemOpts{}))
		}
		m["Children"] = obj{"size": len(cs), "Metadata": cs}
	}
	return m
}

// addTags adds a [{tag: …}] list, leaving it out when empty as PMS does.
func addTags(m obj, name, field string, vals []string) {
	if len(vals) == 0 {
		return
	}
	var l []obj
	for _, v := range vals {
		l = append(l, obj{field: v})
	}
	m[name] = l
}

// children are a show's seasons, a season's episodes (by index) or a
// collection's members (in collection order); callers hold f.mu.
func (f *PMS) children(it *Item) []*Item {
	var out []*Item
	if it.Type == "collection" {
		for _, k := range it.Members {
			if c := f.items[k]; c != nil {
				out = append(out, c)
			}
		}
		return out
	}
	for _, k := range f.order {
		if c := f.items[k]; c.ParentKey == it.RatingKey {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *Item) int { return cmp.Compare(a.Index, b.Index) })
	return out
}

// leaves counts a show's episodes; callers hold f.mu.
func (f *PMS) leaves(it *Item) int {
	n := 0
	for _, s := range f.children(it) {
		n += len(f.children(s))
	}
	return n
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// paging reads X-Plex-Container-Start/Size from the headers, else the query.
func paging(r *http.Request) (start, size int, ok bool, err error) {
	get := func(k string) string {
		if v := r.Header.Get(k); v != "" {
			return v
		}
		return r.URL.Query().Get(k)
	}
	if v := get("X-Plex-Container-Start"); v != "" {
		if start, err = strconv.Atoi(v); err != nil || start < 0 {
			return 0, 0, false, strconv.ErrSyntax
		}
	}
	v := get("X-Plex-Container-Size")
	if v == "" {
		return start, 0, false, nil
	}
	if size, err = strconv.Atoi(v); err != nil || size < 0 {
		return 0, 0, false, strconv.ErrSyntax
	}
	return start, size, true, nil
}

// container answers a listing, paged when the request asked for a page:
// then the container carries offset and totalSize and the answer the
// X-Plex-Container-Start and X-Plex-Container-Total-Size headers. An empty
// page has no Metadata at all.
func (f *PMS) container(w http.ResponseWriter, r *http.Request, strict bool, list []obj, extra obj) {
	start, size, paged, err := paging(r)
	if err != nil {
		htmlError(w, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	strict = strict && f.strictPaging
	f.mu.Unlock()
	if !paged && strict {
		htmlError(w, http.StatusBadRequest)
		return
	}
	mc := obj{}
	for k, v := range extra {
		mc[k] = v
	}
	total := len(list)
	if paged {
		lo := min(start, total)
		hi := min(lo+size, total)
		list = list[lo:hi]
		mc["offset"], mc["totalSize"] = start, total
		w.Header().Set("X-Plex-Container-Start", strconv.Itoa(start))
		w.Header().Set("X-Plex-Container-Total-Size", strconv.Itoa(total))
	}
	mc["size"] = len(list)
	if len(list) > 0 {
		mc["Metadata"] = list
	}
	write(w, r, http.StatusOK, "MediaContainer", obj{"MediaContainer": mc})
}

// sortItems applies a PMS sort such as "titleSort", "addedAt:desc" or
// "year:desc"; an unknown field leaves the order alone.
func sortItems(list []*Item, spec string) {
	field, dir, _ := strings.Cut(spec, ":")
	var by func(a, b *Item) int
	switch field {
	case "titleSort", "title":
		by = func(a, b *Item) int { return cmp.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)) }
	case "addedAt":
		by = func(a, b *Item) int { return a.AddedAt.Compare(b.AddedAt) }
	case "year", "originallyAvailableAt":
		by = func(a, b *Item) int { return cmp.Compare(a.Year, b.Year) }
	default:
		return
	}
	slices.SortStableFunc(list, func(a, b *Item) int {
		if dir == "desc" {
			return by(b, a)
		}
		return by(a, b)
	})
}

// tinyPNG is what the photo transcoder serves: a 2×3 PNG.
func tinyPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 3))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(0, 0, color.RGBA{R: 0xe5, G: 0xa0, B: 0x0d, A: 0xff})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
