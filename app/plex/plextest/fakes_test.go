package plextest_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/plex/plextest"
)

type answer struct {
	status int
	ctype  string
	header http.Header
	body   string
}

func do(t *testing.T, method, url string, headers map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header, string(b)}
}

func TestTVFake(t *testing.T) {
	tv := plextest.NewTV(t)
	cid := map[string]string{"X-Plex-Client-Identifier": "c1", "Accept": "application/json"}

	a := do(t, "POST", tv.URL+"/api/v2/pins?strong=true", map[string]string{"Accept": "application/json"})
	if a.status != 400 || !strings.Contains(a.body, `"code":1000`) {
		t.Errorf("without client id: %d %s", a.status, a.body)
	}
	a = do(t, "POST", tv.URL+"/api/v2/pins?strong=true", cid)
	if a.status != 201 || !strings.Contains(a.body, `"authToken":null`) || !strings.Contains(a.body, `"expiresIn":1800`) {
		t.Errorf("create: %d %s", a.status, a.body)
	}
	pin, _ := tv.LastPIN()
	if !pin.Strong || len(pin.Code) != 25 || pin.ClientID != "c1" {
		t.Errorf("pin = %+v", pin)
	}
	// The client identifier may come as a query parameter too; XML is the
	// default answer.
	a = do(t, "POST", tv.URL+"/api/v2/pins?X-Plex-Client-Identifier=c1", nil)
	if a.status != 201 || !strings.HasPrefix(a.ctype, "application/xml") || !strings.Contains(a.body, "<pin ") {
		t.Errorf("xml create: %d %s %s", a.status, a.ctype, a.body)
	}
	if p, _ := tv.LastPIN(); p.Strong || len(p.Code) != 4 {
		t.Errorf("non-strong pin = %+v", p)
	}
	a = do(t, "GET", tv.URL+"/api/v2/pins/"+itoa(pin.ID), cid)
	if a.status != 200 || !strings.Contains(a.body, `"authToken":null`) {
		t.Errorf("poll: %d %s", a.status, a.body)
	}
	tv.Approve(pin.ID, "tok-1")
	a = do(t, "GET", tv.URL+"/api/v2/pins/"+itoa(pin.ID), cid)
	if !strings.Contains(a.body, `"authToken":"tok-1"`) {
		t.Errorf("approved poll: %s", a.body)
	}
	tv.Expire(pin.ID)
	a = do(t, "GET", tv.URL+"/api/v2/pins/"+itoa(pin.ID), cid)
	if a.status != 404 || !strings.Contains(a.body, `"code":1020`) {
		t.Errorf("expired poll: %d %s", a.status, a.body)
	}

	tv.AddUser("admin", plextest.Account{ID: 1, Username: "admin.user"})
	tv.AddUser("jane", plextest.Account{ID: 2, Username: "jane"})
	tv.Share("admin", "m1", true, "admin")
	tv.Share("jane", "m1", false, "jane-srv")
	a = do(t, "GET", tv.URL+"/api/v2/user?X-Plex-Token=jane", cid)
	if a.status != 200 || !strings.Contains(a.body, `"username":"jane"`) {
		t.Errorf("user by query token: %d %s", a.status, a.body)
	}
	a = do(t, "GET", tv.URL+"/api/v2/user", map[string]string{"X-Plex-Client-Identifier": "c1", "Accept": "application/json", "X-Plex-Token": "nope"})
	if a.status != 401 || !strings.Contains(a.body, `"code":1001`) {
		t.Errorf("bad token: %d %s", a.status, a.body)
	}
	a = do(t, "GET", tv.URL+"/api/v2/resources", map[string]string{"X-Plex-Client-Identifier": "c1", "Accept": "application/json", "X-Plex-Token": "jane"})
	if a.status != 200 || !strings.HasPrefix(a.body, "[") || !strings.Contains(a.body, `"accessToken":"jane-srv"`) ||
		!strings.Contains(a.body, `"sourceTitle":"admin.user"`) || !strings.Contains(a.body, `"connections":[]`) {
		t.Errorf("resources: %d %s", a.status, a.body)
	}
	// The friends list is XML whatever the Accept header says.
	a = do(t, "GET", tv.URL+"/api/users", map[string]string{"X-Plex-Token": "admin", "Accept": "application/json"})
	var mc struct {
		Users []struct {
			ID      string `xml:"id,attr"`
			Servers []struct {
				MachineIdentifier string `xml:"machineIdentifier,attr"`
				Owned             string `xml:"owned,attr"`
			} `xml:"Server"`
		} `xml:"User"`
	}
	if err := xml.Unmarshal([]byte(a.body), &mc); err != nil || len(mc.Users) != 1 || mc.Users[0].ID != "2" ||
		mc.Users[0].Servers[0].MachineIdentifier != "m1" || mc.Users[0].Servers[0].Owned != "0" {
		t.Errorf("friends: %v %s", err, a.body)
	}

	tv.SetDown(503)
	if a = do(t, "GET", tv.URL+"/api/v2/user", cid); a.status != 503 {
		t.Errorf("down: %d", a.status)
	}
	tv.SetDown(0)
	if n := len(tv.RequestsTo("/api/v2/user")); n != 3 {
		t.Errorf("recorded %d user requests, want 3", n)
	}
}

func TestPMSFake(t *testing.T) {
	pms := plextest.NewPMS(t)
	pms.Seed()
	owner := map[string]string{"X-Plex-Token": pms.OwnerToken(), "Accept": "application/json"}

	a := do(t, "GET", pms.URL+"/identity", nil)
	if a.status != 200 || !strings.Contains(a.body, `machineIdentifier="`+plextest.DefaultMachineID+`"`) {
		t.Errorf("identity xml: %d %s", a.status, a.body)
	}
	a = do(t, "GET", pms.URL+"/library/sections", map[string]string{"X-Plex-Token": "nope"})
	if a.status != 401 || !strings.HasPrefix(a.ctype, "text/html") || !strings.Contains(a.body, "<title>Unauthorized</title>") {
		t.Errorf("bad token: %d %s %s", a.status, a.ctype, a.body)
	}
	// Strict paging: a listing without a size is refused.
	if a = do(t, "GET", pms.URL+"/library/sections/1/all", owner); a.status != 400 {
		t.Errorf("listing without size: %d", a.status)
	}
	// Paging from the query works as well as from headers.
	a = do(t, "GET", pms.URL+"/library/sections/1/all?X-Plex-Container-Start=55&X-Plex-Container-Size=10", owner)
	if a.status != 200 || a.header.Get("X-Plex-Container-Total-Size") != "57" || a.header.Get("X-Plex-Container-Start") != "55" ||
		!strings.Contains(a.body, `"totalSize":57`) || !strings.Contains(a.body, `"size":2`) || !strings.Contains(a.body, `"offset":55`) {
		t.Errorf("query paging: %d %v %s", a.status, a.header, a.body)
	}
	// An empty page has no Metadata at all.
	a = do(t, "GET", pms.URL+"/library/sections/1/all?X-Plex-Container-Size=0", owner)
	if strings.Contains(a.body, "Metadata") || !strings.Contains(a.body, `"size":0`) {
		t.Errorf("empty page: %s", a.body)
	}
	pms.SetStrictPaging(false)
	if a = do(t, "GET", pms.URL+"/library/sections/1/all?type=18", owner); a.status != 200 || !strings.Contains(a.body, `"childCount":"2"`) {
		t.Errorf("lenient type=18 listing: %d %s", a.status, a.body)
	}
	// XML by default, with string booleans.
	a = do(t, "GET", pms.URL+"/library/collections/5001", map[string]string{"X-Plex-Token": pms.OwnerToken()})
	if !strings.Contains(a.body, `<Metadata `) || !strings.Contains(a.body, `smart="0"`) {
		t.Errorf("xml metadata: %s", a.body)
	}
	if a = do(t, "GET", pms.URL+"/hubs/search", owner); a.status != 400 {
		t.Errorf("search without query: %d", a.status)
	}
	if a = do(t, "GET", pms.URL+"/photo/:/transcode?url=/library/metadata/101/thumb/1", owner); a.status != 400 {
		t.Errorf("transcode without size: %d", a.status)
	}
	if a = do(t, "POST", pms.URL+"/library/sections/1/refresh?force=1&path=/elsewhere", owner); a.status != 200 || a.body != "" {
		t.Errorf("refresh: %d %q", a.status, a.body)
	}
	if r := pms.Refreshes(); len(r) != 1 || r[0].Method != "POST" || !r[0].Force || r[0].InsideLocation {
		t.Errorf("refreshes = %+v", r)
	}
	pms.Grant("jane", "2")
	a = do(t, "GET", pms.URL+"/library/metadata/101", map[string]string{"X-Plex-Token": "jane"})
	if a.status != 401 {
		t.Errorf("hidden item: %d", a.status)
	}
	pms.Revoke("jane")
	if a = do(t, "GET", pms.URL+"/library/sections", map[string]string{"X-Plex-Token": "jane"}); a.status != 401 {
		t.Errorf("revoked token: %d", a.status)
	}
}

// TestHangReleasedAtCleanup: a hung fake must not keep the test from ending.
func TestHangReleasedAtCleanup(t *testing.T) {
	t.Run("inner", func(t *testing.T) {
		pms := plextest.NewPMS(t)
		pms.Hang()
		c := &http.Client{Timeout: 50 * time.Millisecond}
		if _, err := c.Get(pms.URL + "/identity"); err == nil {
			t.Error("a hung fake answered")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
