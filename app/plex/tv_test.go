package plex_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"medianest/app/plex"
	"medianest/app/plex/plextest"
	"medianest/app/upstream"
)

func TestIdentitySetHeaders(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	testID.SetHeaders(req)
	want := map[string]string{
		"X-Plex-Client-Identifier": testID.ClientID, "X-Plex-Product": "MediaNest",
		"X-Plex-Version": "1.0.0", "X-Plex-Platform": "Linux", "X-Plex-Platform-Version": "6.1.0",
		"X-Plex-Device": "Server", "X-Plex-Device-Name": "MediaNest Test", "Accept": "application/json",
	}
	for k, v := range want {
		if got := req.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	plex.Identity{ClientID: "x"}.SetHeaders(req)
	if _, ok := req.Header["X-Plex-Device"]; ok {
		t.Error("empty identity fields must not be sent")
	}
}

func TestCreatePIN(t *testing.T) {
	fake, tv := newTV(t)
	pin, err := tv.CreatePIN(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if pin.ID == 0 || len(pin.Code) != 25 || pin.AuthToken != "" || pin.Approved() {
		t.Fatalf("pin = %+v, want a pending strong pin", pin)
	}
	if d := time.Until(pin.ExpiresAt); d < 29*time.Minute || d > 31*time.Minute {
		t.Errorf("expiresAt in %v, want about 30m", d)
	}
	reqs := fake.RequestsTo("/api/v2/pins")
	if len(reqs) != 1 {
		t.Fatalf("got %d pin requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Query.Get("strong") != "true" {
		t.Errorf("request = %s ?%s, want POST ?strong=true", r.Method, r.Query.Encode())
	}
	if r.Get("X-Plex-Client-Identifier") != testID.ClientID || r.Get("X-Plex-Product") != "MediaNest" ||
		r.Header.Get("Accept") != "application/json" {
		t.Errorf("identification headers missing: %v", r.Header)
	}
	if r.Token() != "" {
		t.Error("a PIN is created without a token")
	}
	if got, _ := fake.LastPIN(); got.ID != pin.ID || got.Code != pin.Code || !got.Strong {
		t.Errorf("fake pin = %+v, client pin = %+v", got, pin)
	}
}

func TestCheckPIN(t *testing.T) {
	tests := []struct {
		name      string
		act       func(f *plextest.TV, id int64)
		pinID     func(id int64) int64
		wantToken string
		wantKind  error
		wantCode  int // upstream status in the chain
	}{
		{name: "pending", act: func(*plextest.TV, int64) {}},
		{name: "approved", act: func(f *plextest.TV, id int64) { f.Approve(id, "user-token") }, wantToken: "user-token"},
		{name: "expired answers 404 code 1020", act: func(f *plextest.TV, id int64) { f.Expire(id) },
			wantKind: plex.ErrPINExpired, wantCode: 404},
		{name: "lapsed without token", act: func(f *plextest.TV, id int64) { f.Lapse(id) }, wantKind: plex.ErrPINExpired},
		{name: "unknown id", act: func(*plextest.TV, int64) {}, pinID: func(id int64) int64 { return id + 1000 },
			wantKind: plex.ErrPINExpired, wantCode: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, tv := newTV(t)
			pin, err := tv.CreatePIN(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tt.act(fake, pin.ID)
			id := pin.ID
			if tt.pinID != nil {
				id = tt.pinID(id)
			}
			got, err := tv.CheckPIN(context.Background(), id)
			if tt.wantKind != nil {
				wantKind(t, err, tt.wantKind)
				if e, _ := errors.AsType[*plex.Error](err); e == nil || e.Message() != "The Plex sign-in code expired; start again." {
					t.Errorf("error = %v", err)
				}
				if plex.StatusCode(err) != tt.wantCode {
					t.Errorf("status = %d, want %d", plex.StatusCode(err), tt.wantCode)
				}
				if tt.wantCode == 404 {
					se, _ := errors.AsType[*upstream.StatusError](err)
					if !strings.Contains(string(se.Body), "1020") {
						t.Errorf("fake body = %s, want code 1020", se.Body)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != pin.ID || got.Code != pin.Code || got.AuthToken != tt.wantToken {
				t.Errorf("pin = %+v, want token %q", got, tt.wantToken)
			}
			if r := fake.LastRequest(t); r.Method != http.MethodGet || r.Token() != "" {
				t.Errorf("poll = %s with token %q", r.Method, r.Token())
			}
		})
	}
}

func TestCheckPINOtherClient(t *testing.T) {
	fake, tv := newTV(t)
	pin, err := tv.CreatePIN(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fake.Approve(pin.ID, "tok")
	other := testID
	other.ClientID = "another-install"
	_, err = plex.NewTV(fake.URL, other, client(t)).CheckPIN(context.Background(), pin.ID)
	wantKind(t, err, plex.ErrPINExpired)
}

// TestCheckPINClock covers a PIN whose expiresAt passed while plex.tv still
// answers 200 with a positive expiresIn (clock skew): the client's clock
// decides.
func TestCheckPINClock(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":"77","code":"abc","expiresIn":"5","expiresAt":"2026-03-01T10:30:00Z","authToken":null}`))
	}))
	t.Cleanup(srv.Close)
	tv := plex.NewTV(srv.URL, testID, client(t))
	before := func() time.Time { return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) }
	pin, err := tv.WithClock(before).CheckPIN(context.Background(), 77)
	if err != nil || pin.ID != 77 || pin.Approved() {
		t.Fatalf("pin = %+v, err = %v", pin, err)
	}
	after := func() time.Time { return time.Date(2026, 3, 1, 10, 31, 0, 0, time.UTC) }
	_, err = tv.WithClock(after).CheckPIN(context.Background(), 77)
	wantKind(t, err, plex.ErrPINExpired)
}

func TestMissingClientIdentifier(t *testing.T) {
	fake := plextest.NewTV(t)
	tv := plex.NewTV(fake.URL, plex.Identity{Product: "MediaNest"}, client(t))
	_, err := tv.CreatePIN(context.Background())
	wantKind(t, err, errStatus)
	wantPrefix(t, err)
	if plex.StatusCode(err) != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", plex.StatusCode(err))
	}
	se, _ := errors.AsType[*upstream.StatusError](err)
	var body struct {
		Errors []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(se.Body, &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Code != 1000 {
		t.Fatalf("body = %s, want code 1000", se.Body)
	}
	if _, ok := fake.LastPIN(); ok {
		t.Error("a PIN was created without a client identifier")
	}
}

func TestAuthURL(t *testing.T) {
	tv := plex.NewTV("", plex.Identity{ClientID: "5f1c2a9e-7d3b", Product: "MediaNest"}, client(t))
	pin := plex.PIN{Code: "k3j9x2mqv7d8w1z4p6r5t0ybn"}
	tests := []struct{ app, fwd, want string }{
		{"", "https://hub.example/auth/plex/done",
			"https://app.plex.tv/auth#?clientID=5f1c2a9e-7d3b&code=k3j9x2mqv7d8w1z4p6r5t0ybn&context%5Bdevice%5D%5Bproduct%5D=MediaNest&forwardUrl=https%3A%2F%2Fhub.example%2Fauth%2Fplex%2Fdone"},
		{"http://127.0.0.1:9/auth", "",
			"http://127.0.0.1:9/auth#?clientID=5f1c2a9e-7d3b&code=k3j9x2mqv7d8w1z4p6r5t0ybn&context%5Bdevice%5D%5Bproduct%5D=MediaNest"},
		{"https://app.plex.tv/auth#?", "", "https://app.plex.tv/auth#?clientID=5f1c2a9e-7d3b&code=k3j9x2mqv7d8w1z4p6r5t0ybn&context%5Bdevice%5D%5Bproduct%5D=MediaNest"},
	}
	for _, tt := range tests {
		if got := tv.AuthURL(tt.app, pin, tt.fwd); got != tt.want {
			t.Errorf("AuthURL(%q, %q)\n got %s\nwant %s", tt.app, tt.fwd, got, tt.want)
		}
	}
	full := plex.NewTV("", testID, client(t)).AuthURL("", pin, "")
	for _, part := range []string{"context%5Bdevice%5D%5Bversion%5D=1.0.0", "context%5Bdevice%5D%5BdeviceName%5D=MediaNest%20Test",
		"context%5Bdevice%5D%5Bplatform%5D=Linux"} {
		if !strings.Contains(full, part) {
			t.Errorf("%s lacks %s", full, part)
		}
	}
}

func TestUser(t *testing.T) {
	fake, tv := newTV(t)
	fake.AddUser("jane-token", plextest.Account{ID: 48213377, Username: "jane.doe", Email: "jane@example.com", FriendlyName: "Jane"})
	a, err := tv.User(context.Background(), "jane-token")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 48213377 || a.Username != "jane.doe" || a.Email != "jane@example.com" || a.UUID == "" ||
		a.Thumb == "" || a.DisplayName() != "Jane" || a.AuthToken != "jane-token" || a.JoinedAt.IsZero() {
		t.Errorf("account = %+v", a)
	}
	if r := fake.LastRequest(t); r.Header.Get("X-Plex-Token") != "jane-token" || r.Query.Has("X-Plex-Token") {
		t.Error("the token must travel in the header only")
	}
	for _, tok := range []string{"wrong-token", ""} {
		_, err = tv.User(context.Background(), tok)
		wantKind(t, err, plex.ErrInvalidToken)
		noToken(t, err, "wrong-token")
	}
}

func TestResourcesAndFindServer(t *testing.T) {
	fake, tv := newTV(t)
	const mid = plextest.DefaultMachineID
	fake.AddUser("admin-token", plextest.Account{ID: 1, Username: "admin.user"})
	fake.AddUser("jane-token", plextest.Account{ID: 2, Username: "jane"})
	fake.AddUser("bob-token", plextest.Account{ID: 3, Username: "bob"})
	fake.Share("admin-token", mid, true, "admin-token")
	fake.Share("jane-token", mid, false, "srvTokForJane")
	fake.Share("bob-token", "another-server", false, "srvTokForBob")

	tests := []struct {
		token      string
		wantFound  bool
		wantOwned  bool
		wantAccess string
	}{
		{"admin-token", true, true, "admin-token"},
		{"jane-token", true, false, "srvTokForJane"},
		{"bob-token", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			rs, err := tv.Resources(context.Background(), tt.token)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 2 {
				t.Fatalf("got %d resources, want a player and a server", len(rs))
			}
			r, ok := plex.FindServer(rs, mid)
			if ok != tt.wantFound || r.Owned != tt.wantOwned || r.AccessToken != tt.wantAccess {
				t.Fatalf("FindServer = %+v, %v", r, ok)
			}
			if ok && !tt.wantOwned && (r.OwnerID != 1 || r.SourceTitle != "admin.user") {
				t.Errorf("shared server owner = %d %q, want 1 admin.user", r.OwnerID, r.SourceTitle)
			}
			req := fake.LastRequest(t)
			if req.Query.Get("includeHttps") != "1" || req.Query.Get("includeRelay") != "1" || req.Header.Get("X-Plex-Token") != tt.token {
				t.Errorf("resources request = %v %v", req.Query, req.Header)
			}
		})
	}
	_, err := tv.Resources(context.Background(), "revoked")
	wantKind(t, err, plex.ErrInvalidToken)
	wantPrefix(t, err)
}

func TestFindServer(t *testing.T) {
	rs := []plex.Resource{
		{Name: "phone", ClientIdentifier: "abc", Provides: "client,player"},
		{Name: "srv", ClientIdentifier: "ABC", Provides: "server,provider"},
		{Name: "other", ClientIdentifier: "def", Provides: "server"},
	}
	tests := []struct {
		id, want string
		ok       bool
	}{
		{"abc", "srv", true}, {"def", "other", true}, {"zzz", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		r, ok := plex.FindServer(rs, tt.id)
		if ok != tt.ok || r.Name != tt.want {
			t.Errorf("FindServer(%q) = %q, %v; want %q, %v", tt.id, r.Name, ok, tt.want, tt.ok)
		}
	}
	if _, ok := plex.FindServer(nil, "abc"); ok {
		t.Error("found a server in no resources")
	}
}

// TestTVQuirks decodes plex.tv answers as they vary in the wild.
func TestTVQuirks(t *testing.T) {
	bodies := map[string]string{
		"/api/v2/resources": `[{"name":"HomeFlix","clientIdentifier":"m1","provides":"server","owned":"0","ownerId":"77","accessToken":"a"},
			{"name":"Phone","clientIdentifier":"p1","provides":"client","owned":true,"ownerId":null,"sourceTitle":null,"connections":null},
			{"clientIdentifier":"m2","provides":"server","connections":[{"uri":"http://10.0.0.2:32400","port":"32400","local":1}]}]`,
		"/api/v2/user": `{"id":"48213377","uuid":"a4f4","username":"jane","title":"Jane D","locale":null,"joinedAt":"1556281940","home":"1","subscription":{"features":[]}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(bodies[r.URL.Path]))
	}))
	t.Cleanup(srv.Close)
	tv := plex.NewTV(srv.URL, testID, client(t))
	rs, err := tv.Resources(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Owned || rs[0].OwnerID != 77 || rs[1].OwnerID != 0 || rs[1].Connections != nil {
		t.Fatalf("resources = %+v", rs)
	}
	if c := rs[2].Connections; len(c) != 1 || c[0].Port != 32400 || !c[0].Local || c[0].URI != "http://10.0.0.2:32400" {
		t.Errorf("connections = %+v", c)
	}
	a, err := tv.User(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 48213377 || !a.Home || a.JoinedAt.Unix() != 1556281940 || a.DisplayName() != "Jane D" {
		t.Errorf("account = %+v", a)
	}
	bodies["/api/v2/resources"] = `null`
	if rs, err := tv.Resources(context.Background(), "tok"); err != nil || len(rs) != 0 {
		t.Errorf("null resources = %v, %v", rs, err)
	}
	bodies["/api/v2/user"] = `<user id="1"/>`
	_, err = tv.User(context.Background(), "tok")
	wantKind(t, err, upstream.ErrUnreadable)
}

func TestTVFailures(t *testing.T) {
	t.Run("down", func(t *testing.T) {
		fake, tv := newTV(t, retries(1))
		fake.SetDown(http.StatusServiceUnavailable)
		_, err := tv.CheckPIN(context.Background(), 1)
		wantKind(t, err, errStatus)
		if plex.StatusCode(err) != 503 {
			t.Errorf("status = %d", plex.StatusCode(err))
		}
		if n := len(fake.Requests()); n != 2 {
			t.Errorf("a poll was sent %d times, want 2 (one retry)", n)
		}
		fake.ClearRequests()
		_, err = tv.CreatePIN(context.Background())
		wantKind(t, err, errStatus)
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("a PIN create was sent %d times; a POST must not be retried", n)
		}
		fake.SetDown(0)
		if _, err := tv.CreatePIN(context.Background()); err != nil {
			t.Errorf("after SetDown(0): %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		fake, tv := newTV(t, timeout(100*time.Millisecond))
		fake.AddUser("slow-token", plextest.Account{})
		fake.Hang()
		start := time.Now()
		_, err := tv.User(context.Background(), "slow-token")
		wantKind(t, err, upstream.ErrTimeout)
		wantPrefix(t, err)
		noToken(t, err, "slow-token")
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("timed out after %v", d)
		}
	})
}
