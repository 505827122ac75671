package plextest

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TV is a fake of plex.tv: PIN sign-in, /api/v2/user, /api/v2/resources and
// the admin's friends list /api/users. Point a plex.TV client at its URL.
//
// Users are tokens: AddUser makes a token valid, Share gives it access to a
// server. Every /api/v2 call needs X-Plex-Client-Identifier (400, code 1000
// otherwise) and a PIN answers only the client that created it.
type TV struct {
	*Server
	t testing.TB

	mu        sync.Mutex
	nextPIN   int64
	pins      map[int64]*PIN
	pinOrder  []int64
	users     map[string]Account
	resources map[string][]Resource
	// signedIn is the token of the account the auth page approves as.
	signedIn string
}

// PIN is the fake's view of a sign-in PIN.
type PIN struct {
	ID        int64
	Code      string
	ClientID  string // the X-Plex-Client-Identifier that created it
	Product   string // the X-Plex-Product that created it
	Strong    bool
	AuthToken string // set by Approve
	CreatedAt time.Time
	ExpiresAt time.Time
	// Expired PINs are forgotten: polling them answers 404, code 1020.
	Expired bool
	// Lapsed PINs are past their expiry but still listed (expiresIn 0).
	Lapsed bool
}

// Account is a plex.tv account as the fake serves it from /api/v2/user.
type Account struct {
	ID           int64
	UUID         string
	Username     string
	Title        string
	FriendlyName string
	Email        string
	Thumb        string
	Home         bool
	Guest        bool
	Restricted   bool
}

// Resource is a device on an account as /api/v2/resources lists it.
type Resource struct {
	Name             string
	Product          string
	ProductVersion   string
	Platform         string
	ClientIdentifier string
	Provides         string
	Owned            bool
	OwnerID          int64  // for a shared server; Share fills it in
	SourceTitle      string // for a shared server; Share fills it in
	AccessToken      string
	PublicAddress    string
	Connections      []Connection
}

// Connection is one address of a Resource.
type Connection struct {
	Protocol string
	Address  string
	Port     int
	URI      string
	Local    bool
	Relay    bool
}

// DefaultServerName is the name Share gives a server.
const DefaultServerName = "HomeFlix"

// NewTV starts a plex.tv fake that lives as long as the test.
func NewTV(t testing.TB) *TV {
	f := &TV{
		t: t, nextPIN: 1984731652, pins: map[int64]*PIN{},
		users: map[string]Account{}, resources: map[string][]Resource{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/pins", f.createPIN)
	mux.HandleFunc("GET /api/v2/pins/{id}", f.checkPIN)
	mux.HandleFunc("GET /api/v2/user", f.user)
	mux.HandleFunc("GET /api/v2/resources", f.listResources)
	mux.HandleFunc("GET /api/users", f.friends)
	mux.HandleFunc("GET /auth", f.authPage)
	mux.HandleFunc("POST /auth/approve", f.approveByCode)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		tvError(w, r, http.StatusNotFound, 1002, "Not found")
	})
	f.Server = newServer(t, requireClientID(mux), func(w http.ResponseWriter, status int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"errors":[{"code":%d,"message":%q,"status":%d}]}`, 2000+status, http.StatusText(status), status)
	})
	return f
}

// AddUser makes token a valid plex.tv token for account a. The account also
// gets a player device, as real accounts have, so server lookups must filter
// by what a resource provides.
func (f *TV) AddUser(token string, a Account) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.ID == 0 {
		a.ID = int64(48213377 + len(f.users))
	}
	if a.UUID == "" {
		a.UUID = fmt.Sprintf("%016x", a.ID)
	}
	if a.Username == "" {
		a.Username = "user" + strconv.FormatInt(a.ID, 10)
	}
	if a.Title == "" {
		a.Title = a.Username
	}
	if a.Email == "" {
		a.Email = a.Username + "@example.com"
	}
	if a.Thumb == "" {
		a.Thumb = "https://plex.tv/users/" + a.UUID + "/avatar?c=1700000000"
	}
	f.users[token] = a
	phone := Resource{
		Name: a.Username + "'s iPhone", Product: "Plex for iOS", ProductVersion: "8.30",
		Platform: "iOS", ClientIdentifier: "device-" + a.UUID, Provides: "client,player,pubsub-player",
		Owned: true, AccessToken: "cli" + token,
	}
	rs := slices.DeleteFunc(f.resources[token], func(x Resource) bool { return x.ClientIdentifier == phone.ClientIdentifier })
	f.resources[token] = append(rs, phone)
}

// RemoveUser revokes token: plex.tv answers 401 for it from now on.
func (f *TV) RemoveUser(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.users, token)
	delete(f.resources, token)
}

// Share lists server machineID among token's resources, owned or shared,
// with accessToken as the token the user must use against that server. For
// a shared server the owner is the user who owns machineID, if known.
func (f *TV) Share(token, machineID string, owned bool, accessToken string) {
	f.AddResource(token, Resource{
		Name: DefaultServerName, Product: "Plex Media Server", ProductVersion: "1.41.3.9314-a0bfb8370",
		Platform: "Linux", ClientIdentifier: machineID, Provides: "server", Owned: owned,
		AccessToken: accessToken, PublicAddress: "203.0.113.7",
	})
}

// AddResource adds r to token's resources as given, replacing an earlier
// resource with the same client identifier.
func (f *TV) AddResource(token string, r Resource) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rs := slices.DeleteFunc(f.resources[token], func(x Resource) bool { return x.ClientIdentifier == r.ClientIdentifier })
	f.resources[token] = append(rs, r)
}

// Unshare removes machineID from token's resources.
func (f *TV) Unshare(token, machineID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resources[token] = slices.DeleteFunc(f.resources[token], func(x Resource) bool { return x.ClientIdentifier == machineID })
}

// Approve completes sign-in for PIN id: the next poll returns token.
func (f *TV) Approve(id int64, token string) {
	f.withPIN(id, func(p *PIN) { p.AuthToken = token })
}

// Expire makes plex.tv forget PIN id: polls answer 404 with code 1020.
func (f *TV) Expire(id int64) {
	f.withPIN(id, func(p *PIN) { p.Expired = true })
}

// Lapse puts PIN id past its expiry while plex.tv still lists it: polls
// answer 200 with expiresIn 0, an expiresAt in the past and no token.
func (f *TV) Lapse(id int64) {
	f.withPIN(id, func(p *PIN) {
		p.Lapsed = true
		p.ExpiresAt = time.Now().Add(-time.Second).UTC().Truncate(time.Second)
	})
}

func (f *TV) withPIN(id int64, fn func(*PIN)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pins[id]
	if !ok {
		f.t.Errorf("plextest: no PIN %d was created", id)
		return
	}
	fn(p)
}

// PIN returns PIN id as the fake holds it.
func (f *TV) PIN(id int64) (PIN, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pins[id]
	if !ok {
		return PIN{}, false
	}
	return *p, true
}

// LastPIN returns the most recently created PIN.
func (f *TV) LastPIN() (PIN, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pinOrder) == 0 {
		return PIN{}, false
	}
	return *f.pins[f.pinOrder[len(f.pinOrder)-1]], true
}

// requireClientID refuses /api/v2 calls without a client identifier, as
// plex.tv does.
func requireClientID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) >= 8 && r.URL.Path[:8] == "/api/v2/" && clientID(r) == "" {
			tvError(w, r, http.StatusBadRequest, 1000, "X-Plex-Client-Identifier is missing")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func clientID(r *http.Request) string { return param(r, "X-Plex-Client-Identifier") }
func tokenOf(r *http.Request) string  { return param(r, "X-Plex-Token") }
func param(r *http.Request, k string) string {
	if v := r.Header.Get(k); v != "" {
		return v
	}
	return r.URL.Query().Get(k)
}

// tvError is plex.tv's error body.
func tvError(w http.ResponseWriter, r *http.Request, status, code int, msg string) {
	e := obj{"code": code, "message": msg, "status": status}
	if wantsJSON(r) {
		write(w, r, status, "errors", obj{"errors": []obj{e}})
		return
	}
	write(w, r, status, "errors", obj{"error": []obj{e}})
}

const codeAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomCode(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
