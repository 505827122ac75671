package main

import (
	"fmt"
	"strings"
	"testing"
)

// uiTokenSecret is a script answering the value of the "Token secret"
// field, or "" when there is none.
const uiTokenSecret = `(() => {
	const l = [...document.querySelectorAll('label')].find((l) => l.textContent.trim().startsWith('Token secret'));
	return l ? l.querySelector('input').value : '';
})()`

// TestUIAccount drives the account page as jane: an API token is made, its
// secret shown once and working, gone after leaving the page, and the token
// deleted; another session is signed out from here and that page then
// shows the sign-in page; the password is changed (bad input refused per
// field) and the new one signs in; every view passes the quality gate; and
// "Sign out everywhere" signs this page out too.
func TestUIAccount(t *testing.T) {
	s := newUIServer(t)
	const newPassword = "jane-new-password-2"
	p := s.open(t, 1280, 800, false)
	p.signIn("jane", uiJanePassword)
	p.click("link", "Account: jane")
	p.waitRole("heading", "Account")
	p.waitText("a MediaNest password")
	p.waitRole("cell", "This device")

	// A token: the secret once, with the warning, and it works.
	p.fill("Token name", "ci")
	p.fill("Expires after (days)", "30")
	p.click("button", "Create token")
	p.waitRole("textbox", "Token secret")
	p.waitText("you will not see it again")
	var secret string
	p.eval(uiTokenSecret, &secret)
	if !strings.HasPrefix(secret, "mn_") {
		t.Fatalf("secret %q, want one starting with mn_", secret)
	}
	var status int
	p.eval(`fetch('api/v1/auth/session', {credentials: 'omit', headers: {Authorization: 'Bearer ' + `+"`"+secret+"`"+`}}).then((r) => r.status)`, &status)
	if status != 200 {
		t.Errorf("the new token got %d from /auth/session, want 200", status)
	}
	p.click("button", "Copy")
	eventually(t, uiWait, "Copy says it copied or how to", func() (bool, string) {
		txt := p.text()
		return strings.Contains(txt, "Copied.") || strings.Contains(txt, "press Ctrl+C"), ""
	})
	p.waitRole("button", "Delete token ci")
	p.check("account-token")

	p.click("link", "Library")
	p.waitRole("heading", "Library")
	p.click("link", "Account: jane")
	p.waitRole("button", "Delete token ci")
	p.waitGone("textbox", "Token secret")
	if strings.Contains(p.text(), secret) {
		t.Error("the secret is still on the page after leaving it")
	}
	p.click("button", "Delete token ci")
	p.waitRole("dialog", "Delete the token “ci”?")
	p.click("button", "Delete token")
	p.waitGone("button", "Delete token ci")
	p.waitText("You have no API tokens.")

	// A second page signed in as jane is listed, and ends from here.
	t.Run("other session", func(t *testing.T) {
		q := s.open(t, 1280, 800, false)
		q.signIn("jane", uiJanePassword)
		q.click("link", "Library")
		q.waitRole("link", "Movies")

		p := p.with(t)
		p.goTo("/account")
		other := "Sign out session on Chrome on Linux from 127.0.0.1"
		p.click("button", other)
		p.waitRole("dialog", "Sign out this session?")
		p.click("button", "End session")
		p.waitGone("button", other)

		// Its next call answers 401: it shows the sign-in page, saying why.
		q.allowStatus("/api/v1/", 401)
		q.click("link", "Movies")
		q.waitRole("button", "Sign in")
		q.waitText("Your session has ended")
	})

	// The password: checked here first, then by the API, then changed.
	p.fill("Current password", uiJanePassword)
	p.fill("New password", "short")
	p.fill("Repeat the new password", "short")
	p.click("button", "Change password")
	p.waitText("Use at least 10 characters.")
	p.fill("New password", newPassword)
	p.fill("Repeat the new password", newPassword+"x")
	p.click("button", "Change password")
	p.waitText("The two new passwords are not the same.")
	p.fill("Current password", "not-the-password")
	p.fill("Repeat the new password", newPassword)
	p.allowStatus("/api/v1/auth/password", 400)
	p.click("button", "Change password")
	p.waitText("is not your current password")
	p.fill("Current password", uiJanePassword)
	p.fill("New password", newPassword)
	p.fill("Repeat the new password", newPassword)
	p.click("button", "Change password")
	p.waitText("Your password is changed.")
	p.waitRole("cell", "This device")
	// The change ends every event stream of jane's; this page's one
	// reconnects (after the server's retry hint of 5 s).
	p.waitText("Reconnecting…")
	eventually(t, uiWait, "the event stream is back", func() (bool, string) {
		return !strings.Contains(p.text(), "Reconnecting…"), ""
	})
	p.check("account")

	for _, v := range uiViewports[:3] {
		t.Run(v.String(), func(t *testing.T) {
			q := s.open(t, v.w, v.h, v.dark)
			q.signIn("jane", newPassword)
			q.goTo("/account")
			q.waitRole("heading", "Account")
			q.waitRole("cell", "This device")
			q.waitText("You have no API tokens.")
			q.check("account")
		})
	}

	p.goTo("/account")
	p.click("button", "Sign out everywhere")
	p.waitRole("dialog", "Sign out everywhere?")
	p.click("button", "Yes, sign out everywhere")
	p.waitRole("button", "Sign in")
	var left int
	p.eval(`fetch('api/v1/auth/session?optional=true').then((r) => r.json()).then((b) => b.data.user === null ? 0 : 1)`, &left)
	if left != 0 {
		t.Error("after Sign out everywhere the page is still signed in")
	}
}

// TestUIAccountPlex signs in with Plex as jane.doe, whom the owner shared
// only the Movies library: the account page says why there is no password
// to change here, and the library shows only what was shared.
func TestUIAccountPlex(t *testing.T) {
	s := newUIServer(t)
	p := s.open(t, 390, 844, true)
	// Signing in with Plex has tests of its own; this one takes the API's
	// way from the page, so the browser holds the session cookie.
	p.goTo("/login")
	var pinID int64
	p.eval(`fetch('api/v1/auth/plex/pin', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'}).then((r) => r.json()).then((b) => b.data.id)`, &pinID)
	s.TV.Approve(pinID, e2eJaneTVToken)
	var status int
	p.eval(fmt.Sprintf(`fetch('api/v1/auth/plex/verify', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({pinId: %d})}).then((r) => r.status)`, pinID), &status)
	if status != 200 {
		t.Fatalf("verify answered %d, want 200", status)
	}

	p.goTo("/account")
	p.waitRole("heading", "Account")
	p.waitText("jane@example.com")
	p.waitText("Your account signs in with Plex, so it has no MediaNest password.")
	if strings.Contains(p.text(), "Current password") {
		t.Error("a Plex account is offered a password form")
	}
	p.check("account-plex")

	p.goTo("/library")
	p.waitRole("link", "Movies")
	p.waitText("57 movies")
	if strings.Contains(p.text(), "TV Shows") {
		t.Error("jane.doe sees TV Shows, which was not shared with her")
	}
}
