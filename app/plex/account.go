package plex

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"medianest/app/upstream"
)

// Account is the plex.tv account a token belongs to.
type Account struct {
	ID           int64
	UUID         string
	Username     string
	Title        string
	FriendlyName string
	Email        string
	Thumb        string
	// AuthToken is the account's own token as plex.tv reports it; it is the
	// token that was asked with.
	AuthToken  string
	Home       bool
	Guest      bool
	Restricted bool
	JoinedAt   time.Time
}

// DisplayName is the name to show for the account: plex.tv's friendly name
// when set, else its title, else the username.
func (a Account) DisplayName() string {
	for _, s := range []string{a.FriendlyName, a.Title, a.Username} {
		if s != "" {
			return s
		}
	}
	return ""
}

type wireAccount struct {
	ID           upstream.FlexInt    `json:"id"`
	UUID         upstream.FlexString `json:"uuid"`
	Username     upstream.FlexString `json:"username"`
	Title        upstream.FlexString `json:"title"`
	FriendlyName upstream.FlexString `json:"friendlyName"`
	Email        upstream.FlexString `json:"email"`
	Thumb        upstream.FlexString `json:"thumb"`
	AuthToken    upstream.FlexString `json:"authToken"`
	Home         upstream.FlexBool   `json:"home"`
	Guest        upstream.FlexBool   `json:"guest"`
	Restricted   upstream.FlexBool   `json:"restricted"`
	JoinedAt     upstream.FlexInt    `json:"joinedAt"`
}

// unauthorized turns plex.tv's 401 (error code 1001) into ErrInvalidToken: the
// token was revoked or never valid, and only signing in again helps.
func unauthorized(err error) error {
	if StatusCode(err) == http.StatusUnauthorized {
		return fail(ErrInvalidToken, err, "plex.tv did not accept the Plex sign-in; sign in with Plex again.")
	}
	return err
}

// User returns the account token belongs to (GET /api/v2/user, plex.tv's
// documented token check). An invalid token is an ErrInvalidToken error.
func (t *TV) User(ctx context.Context, token string) (_ Account, err error) {
	defer wrap(&err, "get user")
	if token == "" {
		return Account{}, fail(ErrInvalidToken, nil, "No Plex token was given.")
	}
	req, err := t.newRequest(ctx, http.MethodGet, "/api/v2/user", nil, token)
	if err != nil {
		return Account{}, err
	}
	var w wireAccount
	if err := t.c.DoJSON(req, &w); err != nil {
		return Account{}, unauthorized(err)
	}
	if w.ID == 0 {
		return Account{}, upstream.Unreadable("plex.tv", "plex.tv sent an account MediaNest could not read.", errors.New("account without id"))
	}
	return Account{
		ID: int64(w.ID), UUID: string(w.UUID), Username: string(w.Username), Title: string(w.Title),
		FriendlyName: string(w.FriendlyName), Email: string(w.Email), Thumb: string(w.Thumb),
		AuthToken: string(w.AuthToken), Home: bool(w.Home), Guest: bool(w.Guest),
		Restricted: bool(w.Restricted), JoinedAt: epoch(w.JoinedAt),
	}, nil
}

// Resource is a device on the user's plex.tv account: their own servers and
// players, and the servers other people shared with them.
type Resource struct {
	Name             string
	Product          string
	ProductVersion   string
	Platform         string
	ClientIdentifier string // a server's machine identifier
	Provides         string // comma list: "server", "client,player", …
	Owned            bool
	Home             bool
	Presence         bool
	OwnerID          int64  // the owner's plex.tv id for a shared server
	SourceTitle      string // the owner's username for a shared server
	// AccessToken is the token this user must send to that server. For a
	// shared server it differs from the user's plex.tv token.
	AccessToken   string
	PublicAddress string
	Connections   []Connection
}

// Connection is one address a resource can be reached at.
type Connection struct {
	Protocol string
	Address  string
	Port     int
	URI      string
	Local    bool
	Relay    bool
	IPv6     bool
}

// IsServer reports whether the resource is a Plex Media Server.
func (r Resource) IsServer() bool {
	for p := range strings.SplitSeq(r.Provides, ",") {
		if strings.TrimSpace(p) == "server" {
			return true
		}
	}
	return false
}

type wireResource struct {
	Name             upstream.FlexString `json:"name"`
	Product          upstream.FlexString `json:"product"`
	ProductVersion   upstream.FlexString `json:"productVersion"`
	Platform         upstream.FlexString `json:"platform"`
	ClientIdentifier upstream.FlexString `json:"clientIdentifier"`
	Provides         upstream.FlexString `json:"provides"`
	Owned            upstream.FlexBool   `json:"owned"`
	Home             upstream.FlexBool   `json:"home"`
	Presence         upstream.FlexBool   `json:"presence"`
	OwnerID          upstream.FlexInt    `json:"ownerId"`
	SourceTitle      upstream.FlexString `json:"sourceTitle"`
	AccessToken      upstream.FlexString `json:"accessToken"`
	PublicAddress    upstream.FlexString `json:"publicAddress"`
	Connections      []struct {
		Protocol upstream.FlexString `json:"protocol"`
		Address  upstream.FlexString `json:"address"`
		Port     upstream.FlexInt    `json:"port"`
		URI      upstream.FlexString `json:"uri"`
		Local    upstream.FlexBool   `json:"local"`
		Relay    upstream.FlexBool   `json:"relay"`
		IPv6     upstream.FlexBool   `json:"IPv6"`
	} `json:"connections"`
}

// Resources lists the devices token can use (GET /api/v2/resources with
// includeHttps and includeRelay). It is how MediaNest decides whether a Plex
// user may sign in: with the user's own token, no admin token is needed, and
// a shared server comes with the access token the user browses with. An
// invalid token is an ErrInvalidToken error.
func (t *TV) Resources(ctx context.Context, token string) (_ []Resource, err error) {
	defer wrap(&err, "list resources")
	if token == "" {
		return nil, fail(ErrInvalidToken, nil, "No Plex token was given.")
	}
	q := url.Values{"includeHttps": {"1"}, "includeRelay": {"1"}}
	req, err := t.newRequest(ctx, http.MethodGet, "/api/v2/resources", q, token)
	if err != nil {
		return nil, err
	}
	var ws []wireResource
	if err := t.c.DoJSON(req, &ws); err != nil {
		return nil, unauthorized(err)
	}
	out := make([]Resource, 0, len(ws))
	for _, w := range ws {
		r := Resource{
			Name: string(w.Name), Product: string(w.Product), ProductVersion: string(w.ProductVersion),
			Platform: string(w.Platform), ClientIdentifier: string(w.ClientIdentifier),
			Provides: string(w.Provides), Owned: bool(w.Owned), Home: bool(w.Home),
			Presence: bool(w.Presence), OwnerID: int64(w.OwnerID), SourceTitle: string(w.SourceTitle),
			AccessToken: string(w.AccessToken), PublicAddress: string(w.PublicAddress),
		}
		for _, c := range w.Connections {
			r.Connections = append(r.Connections, Connection{
				Protocol: string(c.Protocol), Address: string(c.Address), Port: int(c.Port),
				URI: string(c.URI), Local: bool(c.Local), Relay: bool(c.Relay), IPv6: bool(c.IPv6),
			})
		}
		out = append(out, r)
	}
	return out, nil
}

// FindServer picks the Plex Media Server with machine identifier machineID
// from resources. A player that happens to share the identifier does not
// count: only a resource that provides "server" grants library access.
func FindServer(resources []Resource, machineID string) (Resource, bool) {
	if machineID == "" {
		return Resource{}, false
	}
	for _, r := range resources {
		if r.IsServer() && strings.EqualFold(r.ClientIdentifier, machineID) {
			return r, true
		}
	}
	return Resource{}, false
}

// epoch converts Plex's epoch seconds to a UTC time; 0 means unknown.
func epoch(s upstream.FlexInt) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}
