package plextest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medianest/app/plex/plextest"
)

// The auth page approves a PIN by its code as the account signed in to it,
// and refuses while nobody is or for a code plex.tv never issued.
func TestTVAuthPage(t *testing.T) {
	tv := plextest.NewTV(t)
	tv.AddUser("tok-1", plextest.Account{Username: "jane"})
	cid := map[string]string{"X-Plex-Client-Identifier": "c1", "Accept": "application/json"}
	do(t, "POST", tv.URL+"/api/v2/pins?strong=true", cid)
	pin, _ := tv.LastPIN()

	if a := do(t, "GET", tv.URL+"/auth", nil); a.status != 200 || !strings.Contains(a.body, "Approve") {
		t.Fatalf("auth page: %d %s", a.status, a.body)
	}
	approve := func(code string) int {
		resp, err := http.PostForm(tv.URL+"/auth/approve", url.Values{"code": {code}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := approve(pin.Code); c != 401 {
		t.Fatalf("approve with nobody signed in: %d", c)
	}
	tv.SignInAs("tok-1")
	if c := approve("NOPE"); c != 404 {
		t.Fatalf("approve an unknown code: %d", c)
	}
	if c := approve(pin.Code); c != 204 {
		t.Fatalf("approve: %d", c)
	}
	if p, _ := tv.PIN(pin.ID); p.AuthToken != "tok-1" {
		t.Fatalf("PIN after approval: %+v", p)
	}
}
