package auth

import (
	"encoding/json"
	"testing"
	"time"

	"medianest/app/principal"
)

// The hand-built GET /auth/session answer must be byte for byte what
// encoding/json makes of the same user and session.
func TestAppendSessionJSONMatchesEncodingJSON(t *testing.T) {
	login := time.Date(2025, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	u := principal.User{ID: 7, Username: `a"nn<&>`, Email: "ann@example.com", DisplayName: "Ann \u2028 Ö", Role: principal.RoleAdmin,
		Status: "active", Provider: "plex", CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), LastLoginAt: &login}
	cookie := &entry{kind: kindSession, id: 42, user: u}
	cookie.expires.Store(time.Date(2030, 1, 1, 0, 0, 0, 123_000_000, time.UTC).UnixMilli())
	token := &entry{kind: kindToken, id: 9, user: principal.User{ID: 3, Username: "bob"}}
	for name, e := range map[string]*entry{"cookie": cookie, "token without expiry": token, "user only": {user: u}} {
		sess, _ := e.session()
		want, err := json.Marshal(struct {
			User    *principal.User `json:"user"`
			Session Session         `json:"session"`
		}{&e.user, sess})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second time from the cached user encoding
			if got := e.appendSessionJSON(nil); string(got) != string(want) {
				t.Errorf("%s:\n got %s\nwant %s", name, got, want)
			}
		}
	}
}
