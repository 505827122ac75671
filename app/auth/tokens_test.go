package auth_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/auth"
	"medianest/app/principal"
)

type createdToken struct {
	Token  auth.Token `json:"token"`
	Secret string     `json:"secret"`
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	c, u := e.signedIn("alice", "user")

	var ct createdToken
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "ci", "expiresInDays": 90}).want(t, 201).decode(t, &ct)
	if !strings.HasPrefix(ct.Secret, "mn_") || len(ct.Secret) != 46 || ct.Token.Name != "ci" || ct.Token.ID == 0 ||
		ct.Token.ExpiresAt == nil || !ct.Token.ExpiresAt.Equal(e.clock.Now().Add(90*24*time.Hour)) || ct.Token.LastUsedAt != nil {
		t.Fatalf("created %+v", ct)
	}
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": ""}).want(t, 400, "VALIDATION_ERROR")
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "x", "expiresInDays": 0}).want(t, 400, "VALIDATION_ERROR")
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "x", "extra": 1}).want(t, 400, "VALIDATION_ERROR")

	script := e.client()
	script.bearer = ct.Secret
	var sess struct {
		User    principal.User
		Session auth.Session
	}
	script.do("GET", "/api/v1/auth/session", nil).want(t, 200).decode(t, &sess)
	if sess.User.ID != u.ID || sess.Session.Via != "token" || sess.Session.ID != ct.Token.ID {
		t.Errorf("token session %+v", sess)
	}
	var list []auth.Token
	c.do("GET", "/api/v1/auth/tokens", nil).want(t, 200).decode(t, &list)
	if len(list) != 1 || list[0].LastUsedAt == nil {
		t.Errorf("tokens %+v", list)
	}
	if strings.Contains(c.do("GET", "/api/v1/auth/tokens", nil).Body, ct.Secret) {
		t.Error("the secret is listed")
	}

	// A wrong or malformed Bearer token is 401 even with a valid cookie.
	c.bearer = "mn_" + strings.Repeat("A", 43)
	c.do("GET", "/api/v1/auth/session", nil).want(t, 401, "UNAUTHORIZED")
	c.bearer = "nonsense"
	c.do("GET", "/api/v1/auth/session", nil).want(t, 401, "UNAUTHORIZED")
	c.bearer = ""

	c.do("DELETE", "/api/v1/auth/tokens/"+strconv.FormatInt(ct.Token.ID, 10), nil).want(t, 204)
	script.do("GET", "/api/v1/auth/session", nil).want(t, 401, "UNAUTHORIZED")
	c.do("DELETE", "/api/v1/auth/tokens/"+strconv.FormatInt(ct.Token.ID, 10), nil).want(t, 404, "NOT_FOUND")

	// An expired token stops working.
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "short", "expiresInDays": 1}).want(t, 201).decode(t, &ct)
	script.bearer = ct.Secret
	script.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	e.clock.Advance(25 * time.Hour)
	script.do("GET", "/api/v1/auth/session", nil).want(t, 401)

	// A token without expiry.
	c2, _ := e.signedIn("bob", "user")
	c2.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "forever"}).want(t, 201).decode(t, &ct)
	if ct.Token.ExpiresAt != nil {
		t.Errorf("expiresAt %v", ct.Token.ExpiresAt)
	}
	script.bearer = ct.Secret
	script.do("GET", "/api/v1/auth/session", nil).want(t, 200).decode(t, &sess)
	if sess.Session.ExpiresAt != nil {
		t.Errorf("session expiresAt %v", sess.Session.ExpiresAt)
	}
	// Disabling the owner signs them out everywhere for good: the token is
	// revoked, and enabling the account again revives neither it nor the
	// sessions.
	if err := e.svc.SetStatus(context.Background(), "bob", principal.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	script.do("GET", "/api/v1/auth/session", nil).want(t, 401)
	if err := e.svc.SetStatus(context.Background(), "bob", principal.StatusActive); err != nil {
		t.Fatal(err)
	}
	script.do("GET", "/api/v1/auth/session", nil).want(t, 401)
	c2.do("GET", "/api/v1/auth/session", nil).want(t, 401)
}

// An API token cannot create, list or delete API tokens: a stolen token
// could otherwise mint ones that outlive its own revocation or expiry.
func TestAPITokensNeedACookieSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	c, _ := e.signedIn("alice", "user")
	var ct createdToken
	c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "ci", "expiresInDays": 1}).want(t, 201).decode(t, &ct)

	script := e.client()
	script.bearer = ct.Secret
	id := "/api/v1/auth/tokens/" + strconv.FormatInt(ct.Token.ID, 10)
	for _, r := range []*response{
		script.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "forever"}),
		script.do("GET", "/api/v1/auth/tokens", nil),
		script.do("DELETE", id, nil),
	} {
		r.want(t, 403, "FORBIDDEN")
		if !strings.Contains(r.Env.Error.Message, "signed-in browser session") {
			t.Errorf("message %q does not say what to do", r.Env.Error.Message)
		}
	}
	var list []auth.Token
	c.do("GET", "/api/v1/auth/tokens", nil).want(t, 200).decode(t, &list)
	if len(list) != 1 {
		t.Fatalf("tokens after the refused calls: %+v", list)
	}
	// The token still works for everything else, and the cookie session
	// manages tokens.
	script.do("GET", "/api/v1/auth/session", nil).want(t, 200)
	c.do("DELETE", id, nil).want(t, 204)
}
