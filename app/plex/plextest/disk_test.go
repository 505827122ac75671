package plextest_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medianest/app/plex/plextest"
)

func writeFiles(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(root, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("video"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPMSFakeMapDisk: a refresh of a mapped folder adds its new video files
// as items whose Part.file is the server-side path; other files, folders
// outside the refreshed path and paths outside the section are left out.
func TestPMSFakeMapDisk(t *testing.T) {
	pms := plextest.NewPMS(t)
	pms.AddSection(plextest.Section{Key: "1", Title: "YouTube", Locations: []string{"/data/youtube"}})
	pms.AddSection(plextest.Section{Key: "2", Title: "Movies", Locations: []string{"/data/movies"}})
	local := t.TempDir()
	writeFiles(t, local, "Chan/a.mp4", "Chan/b.MKV", "Chan/notes.txt", "Chan/c.part", "Other/c.webm")
	pms.MapDisk("/data/youtube", local)
	owner := map[string]string{"X-Plex-Token": pms.OwnerToken(), "Accept": "application/json"}
	refresh := func(section, dir string) {
		t.Helper()
		u := pms.URL + "/library/sections/" + section + "/refresh"
		if dir != "" {
			u += "?path=" + url.QueryEscape(dir)
		}
		if a := do(t, "GET", u, owner); a.status != 200 {
			t.Fatalf("refresh: %d %s", a.status, a.body)
		}
	}
	listing := func() string {
		t.Helper()
		return do(t, "GET", pms.URL+"/library/sections/1/all?X-Plex-Container-Size=100", owner).body
	}
	if strings.Contains(listing(), `"Metadata"`) {
		t.Fatal("items before any scan")
	}

	refresh("1", "/data/youtube/Chan")
	body := listing()
	for _, want := range []string{`"title":"a"`, `"file":"/data/youtube/Chan/a.mp4"`, `"title":"b"`, `"file":"/data/youtube/Chan/b.MKV"`, `"size":2`} {
		if !strings.Contains(body, want) {
			t.Errorf("after scanning Chan the listing lacks %s: %s", want, body)
		}
	}
	if strings.Contains(body, "notes") || strings.Contains(body, "c.part") || strings.Contains(body, "Other") {
		t.Errorf("scan picked up more than the folder's videos: %s", body)
	}

	refresh("1", "/data/youtube/Chan")  // nothing new
	refresh("2", "/data/youtube/Other") // outside section 2: PMS skips it
	if body := listing(); !strings.Contains(body, `"size":2`) {
		t.Errorf("repeat or foreign scan changed the section: %s", body)
	}
	if body := do(t, "GET", pms.URL+"/library/sections/2/all?X-Plex-Container-Size=100", owner).body; strings.Contains(body, "Metadata") {
		t.Errorf("section 2 got items: %s", body)
	}

	refresh("1", "") // the whole section
	if body := listing(); !strings.Contains(body, `"file":"/data/youtube/Other/c.webm"`) || !strings.Contains(body, `"size":3`) {
		t.Errorf("whole-section scan: %s", body)
	}
	if n := len(pms.Refreshes()); n != 4 {
		t.Errorf("%d refreshes recorded, want 4", n)
	}
}

// TestPMSFakeCollections: creating and extending a collection validate the
// server:// uri as PMS does, and every call is recorded.
func TestPMSFakeCollections(t *testing.T) {
	pms := plextest.NewPMS(t)
	pms.Seed()
	owner := map[string]string{"X-Plex-Token": pms.OwnerToken(), "Accept": "application/json"}
	uri := func(machine, keys string) string {
		return url.QueryEscape("server://" + machine + "/com.plexapp.plugins.library/library/metadata/" + keys)
	}
	create := pms.URL + "/library/collections?type=1&smart=0&sectionId=1&title=Mine&uri="
	for name, c := range map[string]struct {
		url    string
		hdr    map[string]string
		status int
	}{
		"other machine":   {create + uri("other", "101"), owner, 400},
		"no items":        {create + uri(pms.MachineID(), ""), owner, 400},
		"unknown item":    {create + uri(pms.MachineID(), "101,999"), owner, 400},
		"item elsewhere":  {create + uri(pms.MachineID(), "101,"+firstEpisode(t, pms)), owner, 400},
		"wrong type":      {strings.Replace(create, "type=1", "type=4", 1) + uri(pms.MachineID(), "101"), owner, 400},
		"unknown section": {strings.Replace(create, "sectionId=1", "sectionId=9", 1) + uri(pms.MachineID(), "101"), owner, 400},
		"smart":           {strings.Replace(create, "smart=0", "smart=1", 1) + uri(pms.MachineID(), "101"), owner, 400},
		"shared token": {create + uri(pms.MachineID(), "101"),
			map[string]string{"X-Plex-Token": "jane", "Accept": "application/json"}, 401},
	} {
		pms.Grant("jane", "1")
		if a := do(t, "POST", c.url, c.hdr); a.status != c.status {
			t.Errorf("%s: %d %s, want %d", name, a.status, a.body, c.status)
		}
	}
	a := do(t, "POST", create+uri(pms.MachineID(), "101,102,101"), owner)
	if a.status != 200 || !strings.Contains(a.body, `"type":"collection"`) || !strings.Contains(a.body, `"title":"Mine"`) ||
		!strings.Contains(a.body, `"childCount":"2"`) {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	calls := pms.CollectionCalls()
	last := calls[len(calls)-1]
	if len(calls) != 9 || last.Status != 200 || last.CollectionKey == "" || last.SectionKey != "1" || last.Type != "1" ||
		last.Title != "Mine" || last.MachineID != pms.MachineID() || strings.Join(last.RatingKeys, ",") != "101,102" {
		t.Fatalf("calls = %d, last %+v", len(calls), last)
	}
	key := last.CollectionKey
	a = do(t, "PUT", pms.URL+"/library/collections/"+key+"/items?uri="+uri(pms.MachineID(), "102,103"), owner)
	if a.status != 200 || !strings.Contains(a.body, `"childCount":"3"`) {
		t.Errorf("add: %d %s", a.status, a.body)
	}
	if it, _ := pms.Item(key); strings.Join(it.Members, ",") != "101,102,103" {
		t.Errorf("members = %v", it.Members)
	}
	if a = do(t, "PUT", pms.URL+"/library/collections/101/items?uri="+uri(pms.MachineID(), "102"), owner); a.status != 404 {
		t.Errorf("add to a movie: %d", a.status)
	}
	if a = do(t, "PUT", pms.URL+"/library/collections/"+key+"/items?uri="+uri("other", "104"), owner); a.status != 400 {
		t.Errorf("add from another machine: %d", a.status)
	}
	if c := pms.CollectionCalls(); len(c) != 12 || c[9].Method != "PUT" || c[9].Status != 200 || c[11].Status != 400 {
		t.Errorf("calls = %+v", c[9:])
	}
}

func firstEpisode(t *testing.T, pms *plextest.PMS) string {
	t.Helper()
	for k := int64(101); k < 300; k++ {
		if it, ok := pms.Item(itoa(k)); ok && it.Type == "episode" {
			return it.RatingKey
		}
	}
	t.Fatal("no episode")
	return ""
}
