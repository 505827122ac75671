package plextest

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// parseItemsURI reads server://{machineId}/com.plexapp.plugins.library/library/metadata/{rk1},{rk2};
// ok is false when uri has another form.
func parseItemsURI(uri string) (machineID string, keys []string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "server://")
	if !ok {
		return "", nil, false
	}
	machineID, list, ok := strings.Cut(rest, "/com.plexapp.plugins.library/library/metadata/")
	if !ok || machineID == "" || list == "" {
		return "", nil, false
	}
	for k := range strings.SplitSeq(list, ",") {
		if k == "" {
			return "", nil, false
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return machineID, keys, true
}

// membersStatus checks that keys name existing items of type typ (any type
// when "") in section, as PMS requires of one collection; callers hold f.mu.
func (f *PMS) membersStatus(keys []string, section, typ string) int {
	for _, k := range keys {
		it := f.items[k]
		if it == nil || it.SectionKey != section || it.Type == "collection" || (typ != "" && it.Type != typ) {
			return http.StatusBadRequest
		}
	}
	return 0
}

// createCollection answers POST /library/collections: a regular collection
// (smart=0) of the items the uri names, all of the given type and in section
// sectionId. Only the owner may create one; a bad uri, machine identifier,
// section, type or item is a 400 with an HTML body, as PMS answers.
func (f *PMS) createCollection(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	call := CollectionCall{Method: r.Method, SectionKey: q.Get("sectionId"), Title: q.Get("title"), Type: q.Get("type")}
	call.MachineID, call.RatingKeys, _ = parseItemsURI(q.Get("uri"))
	status := func() int {
		typ := typeNumbers[call.Type]
		switch {
		case tokenOf(r) != f.ownerToken:
			return http.StatusUnauthorized
		case call.MachineID != f.machineID, len(call.RatingKeys) == 0, q.Get("smart") != "0",
			strings.TrimSpace(call.Title) == "", typ == "", typ == "collection", f.section(call.SectionKey) == nil:
			return http.StatusBadRequest
		}
		return f.membersStatus(call.RatingKeys, call.SectionKey, typ)
	}()
	if status != 0 {
		call.Status = status
		f.collCalls = append(f.collCalls, call)
		htmlError(w, status)
		return
	}
	coll := f.addItem(Item{Type: "collection", Subtype: typeNumbers[call.Type], Title: call.Title,
		SectionKey: call.SectionKey, Members: call.RatingKeys})
	call.CollectionKey, call.Status = coll.RatingKey, http.StatusOK
	f.collCalls = append(f.collCalls, call)
	list := []obj{f.itemJSON(f.items[coll.RatingKey], itemOpts{})}
	write(w, r, http.StatusOK, "MediaContainer", obj{"MediaContainer": obj{"size": 1, "Metadata": list}})
}

// addToCollection answers PUT /library/collections/{key}/items: the items
// the uri names join the collection (those already in it stay once). Only
// the owner may change a collection; an unknown collection is a 404, a bad
// uri or item a 400.
func (f *PMS) addToCollection(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	f.mu.Lock()
	defer f.mu.Unlock()
	call := CollectionCall{Method: r.Method, CollectionKey: key}
	call.MachineID, call.RatingKeys, _ = parseItemsURI(r.URL.Query().Get("uri"))
	coll := f.items[key]
	status := func() int {
		switch {
		case tokenOf(r) != f.ownerToken:
			return http.StatusUnauthorized
		case coll == nil || coll.Type != "collection":
			return http.StatusNotFound
		case call.MachineID != f.machineID || len(call.RatingKeys) == 0:
			return http.StatusBadRequest
		}
		return f.membersStatus(call.RatingKeys, coll.SectionKey, coll.Subtype)
	}()
	call.Status = cmp.Or(status, http.StatusOK)
	f.collCalls = append(f.collCalls, call)
	if status != 0 {
		htmlError(w, status)
		return
	}
	for _, k := range call.RatingKeys {
		if !slices.Contains(coll.Members, k) {
			coll.Members = append(coll.Members, k)
		}
	}
	list := []obj{f.itemJSON(coll, itemOpts{})}
	write(w, r, http.StatusOK, "MediaContainer", obj{"MediaContainer": obj{"size": 1, "Metadata": list}})
}
