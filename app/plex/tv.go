package plex

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"medianest/app/upstream"
)

// DefaultTVURL and DefaultAuthAppURL are plex.tv's real addresses; both are
// configurable so tests can point them at a fake.
const (
	DefaultTVURL      = "https://plex.tv"
	DefaultAuthAppURL = "https://app.plex.tv/auth"
)

// TV is a client for plex.tv: PIN sign-in, the signed-in account and the
// servers it can reach. It is safe for concurrent use.
type TV struct {
	base string
	id   Identity
	c    *upstream.Client
	now  func() time.Time
}

// NewTV returns a plex.tv client for baseURL (DefaultTVURL when empty) that
// introduces itself as id and sends its requests through c.
func NewTV(baseURL string, id Identity, c *upstream.Client) *TV {
	if baseURL == "" {
		baseURL = DefaultTVURL
	}
	return &TV{base: strings.TrimRight(baseURL, "/"), id: id, c: c, now: time.Now}
}

// WithClock makes the client judge PIN expiry by now instead of the wall
// clock. It is meant to be called once, while wiring, and returns t.
func (t *TV) WithClock(now func() time.Time) *TV {
	t.now = now
	return t
}

// PIN is a plex.tv sign-in PIN. AuthToken stays empty until the user approves
// the sign-in in the Plex auth app.
type PIN struct {
	ID        int64
	Code      string
	ExpiresAt time.Time
	AuthToken string
}

// Approved reports whether the user has approved the sign-in.
func (p PIN) Approved() bool { return p.AuthToken != "" }

// wirePIN is plex.tv's PIN object. expiresIn is a pointer because only its
// presence makes a zero meaningful.
type wirePIN struct {
	ID        upstream.FlexInt    `json:"id"`
	Code      upstream.FlexString `json:"code"`
	ExpiresIn *upstream.FlexInt   `json:"expiresIn"`
	ExpiresAt upstream.FlexString `json:"expiresAt"`
	AuthToken upstream.FlexString `json:"authToken"`
}

func (w wirePIN) pin() PIN {
	p := PIN{ID: int64(w.ID), Code: string(w.Code), AuthToken: string(w.AuthToken)}
	if at, err := time.Parse(time.RFC3339, string(w.ExpiresAt)); err == nil {
		p.ExpiresAt = at.UTC()
	}
	return p
}

const pinExpiredMsg = "The Plex sign-in code expired; start again."

func (t *TV) newRequest(ctx context.Context, method, path string, q url.Values, token string) (*http.Request, error) {
	u := t.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	t.id.SetHeaders(req)
	if token != "" {
		req.Header.Set("X-Plex-Token", token)
	}
	return req, nil
}

// CreatePIN asks plex.tv for a strong PIN, the long code the hosted auth app
// takes (a 4-character code is for typing at plex.tv/link, which we do not
// offer). plex.tv answers 201.
func (t *TV) CreatePIN(ctx context.Context) (_ PIN, err error) {
	defer wrap(&err, "create pin")
	req, err := t.newRequest(ctx, http.MethodPost, "/api/v2/pins", url.Values{"strong": {"true"}}, "")
	if err != nil {
		return PIN{}, err
	}
	var w wirePIN
	if err := t.c.DoJSON(req, &w); err != nil {
		return PIN{}, err
	}
	p := w.pin()
	if p.ID == 0 || p.Code == "" {
		return PIN{}, upstream.Unreadable("plex.tv", "plex.tv sent a sign-in code MediaNest could not read.", errors.New("pin without id or code"))
	}
	return p, nil
}

// CheckPIN polls PIN id. plex.tv forgets a PIN when it expires and then
// answers 404 (error code 1020); that, and a PIN that is still listed but past
// its expiry without a token, is an ErrPINExpired error. A pending PIN
// comes back with an empty AuthToken.
func (t *TV) CheckPIN(ctx context.Context, id int64) (_ PIN, err error) {
	defer wrap(&err, "check pin %d", id)
	req, err := t.newRequest(ctx, http.MethodGet, "/api/v2/pins/"+strconv.FormatInt(id, 10), nil, "")
	if err != nil {
		return PIN{}, err
	}
	var w wirePIN
	if err := t.c.DoJSON(req, &w); err != nil {
		if StatusCode(err) == http.StatusNotFound {
			return PIN{}, fail(ErrPINExpired, err, pinExpiredMsg)
		}
		return PIN{}, err
	}
	p := w.pin()
	if p.AuthToken == "" {
		lapsed := w.ExpiresIn != nil && *w.ExpiresIn <= 0
		if !p.ExpiresAt.IsZero() && !t.now().Before(p.ExpiresAt) {
			lapsed = true
		}
		if lapsed {
			return PIN{}, fail(ErrPINExpired, nil, pinExpiredMsg)
		}
	}
	if p.ID == 0 {
		p.ID = id
	}
	return p, nil
}

// AuthURL is the address of Plex's hosted sign-in page for pin. The
// parameters go in the fragment ("#?"), where the auth app reads them, so
// they never reach a server log; brackets and the forward URL are
// percent-encoded and spaces are %20 because the page decodes with
// decodeURIComponent, which does not turn "+" into a space. authAppURL
// defaults to DefaultAuthAppURL; forwardURL, when set, is where Plex sends
// the browser after approval.
func (t *TV) AuthURL(authAppURL string, pin PIN, forwardURL string) string {
	if authAppURL == "" {
		authAppURL = DefaultAuthAppURL
	}
	authAppURL = strings.TrimRight(authAppURL, "#?!")
	var b strings.Builder
	add := func(k, v string) {
		if v == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(k))
		b.WriteByte('=')
		b.WriteString(escape(v))
	}
	add("clientID", t.id.ClientID)
	add("code", pin.Code)
	add("context[device][product]", t.id.Product)
	add("context[device][version]", t.id.Version)
	add("context[device][platform]", t.id.Platform)
	add("context[device][platformVersion]", t.id.PlatformVersion)
	add("context[device][device]", t.id.Device)
	add("context[device][deviceName]", t.id.DeviceName)
	add("forwardUrl", forwardURL)
	return authAppURL + "#?" + b.String()
}

func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
