package main

import (
	"slices"
	"strings"
	"testing"

	"medianest/app/plex/plextest"
)

// Signing in with a local account: a wrong password is refused in words, a
// signed-out deep link comes back after sign-in, and signing out returns
// to the sign-in page.
func TestUISignIn(t *testing.T) {
	s := newUIServer(t)
	p := s.open(t, 390, 844, false)

	p.goTo("/requests?status=pending")
	p.waitRole("heading", "Sign in to MediaNest")
	if got := p.url(); got != "/login?next=%2Frequests%3Fstatus%3Dpending" {
		t.Fatalf("a signed-out deep link went to %q, want the sign-in page with the way back", got)
	}
	p.allowStatus("/api/v1/auth/login", 401)
	p.fill("Username", "jane")
	p.fill("Password", "not-her-password")
	p.click("button", "Sign in")
	p.waitText("The username or password is wrong.")
	p.fill("Password", uiJanePassword)
	p.click("button", "Sign in")
	p.waitRole("banner", "")
	if got := p.url(); got != "/requests?status=pending" {
		t.Fatalf("after sign-in the page is %q, want the deep link", got)
	}
	// A user's navigation has no Admin entry.
	if p.has("link", "Admin") {
		t.Fatal("jane sees the Admin link")
	}

	// On a phone the navigation sits behind the Menu button.
	p.click("button", "Menu")
	p.click("link", "Account")
	p.waitRole("heading", "Account")
	p.click("button", "Menu")
	p.click("button", "Sign out")
	p.waitRole("heading", "Sign in to MediaNest")
	p.allowStatus("/api/v1/auth/session", 401)
	if got := p.url(); got != "/login" {
		t.Fatalf("after sign-out the page is %q", got)
	}
	var status int
	p.eval(`fetch("api/v1/auth/session").then(r => r.status)`, &status)
	if status != 401 {
		t.Fatalf("the session still answers %d after sign-out", status)
	}
}

// The sign-in page passes the quality gate in every mode, and so does the
// first-run hint a fresh instance shows before an admin exists.
func TestUISignInPageEveryMode(t *testing.T) {
	s := newUIServer(t)
	for _, v := range uiViewports {
		t.Run(v.String(), func(t *testing.T) {
			p := s.open(t, v.w, v.h, v.dark)
			p.goTo("/login")
			p.waitRole("button", "Sign in with Plex")
			p.waitRole("button", "Sign in")
			p.check("login")
		})
	}
}

// Signing in with Plex: the button opens plex.tv's auth page in a popup,
// the person approves there, and the page signs in by itself — the server's
// owner as an admin. A Plex account the server is not shared with is told
// so in words.
func TestUIPlexSignIn(t *testing.T) {
	s := newUIServer(t)

	t.Run("owner", func(t *testing.T) {
		p := s.open(t, 1280, 800, false)
		s.TV.SignInAs(e2eOwnerTVToken)
		p.goTo("/login")
		w := p.popup(func() { p.click("button", "Sign in with Plex") })
		w.waitRole("button", "Approve")
		w.waitText("MediaNest wants to sign in with your Plex account.")
		w.click("button", "Approve")
		p.waitRole("navigation", "Main")
		p.waitRole("link", "Admin")
		p.waitRole("heading", "Dashboard")
		var who string
		p.eval(`fetch("api/v1/auth/session").then(r => r.json()).then(b => b.data.user.provider + " " + b.data.user.role)`, &who)
		if who != "plex admin" {
			t.Fatalf("signed in as %q, want the Plex owner as admin", who)
		}
	})

	t.Run("no access to the server", func(t *testing.T) {
		s.TV.AddUser(e2eStrangerToken, plextest.Account{ID: e2eStrangerPlexID, UUID: "stranger-uuid", Username: "stranger"})
		s.TV.SignInAs(e2eStrangerToken)
		p := s.open(t, 390, 844, true)
		p.allowStatus("/api/v1/auth/plex/verify", 403)
		p.goTo("/login")
		w := p.popup(func() { p.click("button", "Sign in with Plex") })
		w.click("button", "Approve")
		p.waitText("Your Plex account has no access to this Plex server.")
		if p.has("banner", "") {
			t.Fatal("signed in without access to the server")
		}
		p.check("login-plex-refused")
	})

	t.Run("expired", func(t *testing.T) {
		p := s.open(t, 390, 844, false)
		p.allowStatus("/api/v1/auth/plex/verify", 410)
		p.goTo("/login")
		w := p.popup(func() { p.click("button", "Sign in with Plex") })
		w.waitRole("button", "Approve")
		pin, ok := s.TV.LastPIN()
		if !ok {
			t.Fatal("no PIN was created")
		}
		s.TV.Expire(pin.ID)
		p.waitText("The Plex sign-in took too long and expired.")
		p.waitRole("button", "Sign in with Plex")
	})
}

// The shell: a notice banner for everyone, the theme toggle remembered in
// the browser, and the dashboard's first load within its budget with a
// cold cache; a second visit fetches no module, style or icon again.
func TestUIShell(t *testing.T) {
	s := newUIServer(t)
	s.Admin.expect(t, "PUT", "/api/v1/admin/notice", map[string]any{"message": "Plex restarts at 20:00", "level": "warning"}, 200)

	// Everything from a cold cache until the dashboard is idle, the
	// sign-in page included, is within the dashboard's budget.
	p := s.open(t, 1280, 800, false)
	p.signIn("jane", uiJanePassword)
	p.waitText("Warning: Plex restarts at 20:00")
	p.waitRole("heading", "Dashboard")
	p.settle()
	bytes, requests := p.transfer()
	t.Logf("sign-in and dashboard, cold cache: %d bytes in %d requests", bytes, requests)
	if bytes > 150<<10 {
		t.Errorf("sign-in and the dashboard's first load transferred %d bytes, over the 150 KB budget", bytes)
	}

	// A second visit asks the network only for the document (revalidated)
	// and the API: modules, styles and icons come from the cache.
	p.resetTransfer()
	p.goTo("/")
	p.waitRole("heading", "Dashboard")
	p.settle()
	fetched := p.revalidated()
	t.Logf("dashboard, second visit: from the network %v", fetched)
	for _, u := range fetched {
		if u != "/" && !strings.HasPrefix(u, "/api/v1/") {
			t.Errorf("a repeat visit fetched %s again", u)
		}
	}

	// The theme toggle overrides the system's preference and sticks.
	p.click("button", "Dark theme")
	var theme string
	p.eval(`document.documentElement.dataset.theme`, &theme)
	if theme != "dark" {
		t.Fatalf("after the toggle the theme is %q", theme)
	}
	p.goTo("/")
	p.waitRole("heading", "Dashboard")
	p.eval(`document.documentElement.dataset.theme + " " + document.querySelector('[aria-label="Dark theme"]').getAttribute("aria-pressed")`, &theme)
	if theme != "dark true" {
		t.Fatalf("after a reload the theme is %q", theme)
	}

	// An unknown address inside the app is a page of its own.
	p.goTo("/no/such/page")
	p.waitRole("heading", "Page not found")
	// A user on an admin page is told it is for admins.
	p.goTo("/admin/users")
	p.waitRole("heading", "Admins only")
	if !slices.Contains([]string{"/admin/users"}, p.url()) {
		t.Fatalf("url %q", p.url())
	}
}

// Every page fits a 360 px phone: nothing makes the page scroll sideways
// (a wide table scrolls inside its own box).
func TestUIEveryPageAt360(t *testing.T) {
	s := newUIServer(t)
	s.Admin.expect(t, "PUT", "/api/v1/admin/notice", map[string]any{"message": "Plex restarts at 20:00 for an update of its database", "level": "info"}, 200)
	s.Admin.expect(t, "POST", "/api/v1/admin/backups", nil, 201)
	s.Jane.expect(t, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}, 201)
	p := s.open(t, 360, 740, false)
	p.allowStatus("/api/v1/media/image", 502)
	p.allowStatus("/api/v1/media/image", 503)
	p.allowStatus("/api/v1/media/image", 504)
	p.signIn("admin", uiAdminPassword)
	for _, path := range []string{
		"/", "/search?q=e", "/requests", "/library", "/library/1", "/library/1?tab=collections",
		"/library/1/items/101", "/downloads", "/notifications", "/account", "/admin", "/admin/users",
		"/admin/services", "/admin/requests", "/admin/downloads", "/admin/audit", "/admin/system", "/admin/backups",
	} {
		p.goTo(path)
		p.waitRole("heading", "")
		p.settle()
		var w struct{ Scroll, Inner int }
		p.eval(`({Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth})`, &w)
		if w.Scroll > w.Inner || w.Inner != 360 {
			t.Errorf("%s at 360 px: the page is %d px wide in a %d px window", path, w.Scroll, w.Inner)
		}
	}
}
