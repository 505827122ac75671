package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"medianest/app/kuma/kumatest"
)

// waitNoText waits until the visible text of the page no longer contains
// text.
func (p *uiPage) waitNoText(text string) {
	p.t.Helper()
	p.poll(fmt.Sprintf("waiting for the text %q to go", text), func(ctx context.Context) (bool, string) {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err != nil {
			return false, err.Error()
		}
		return !strings.Contains(s, text), "still there"
	})
}

// rowText is the visible text of the table row that holds a cell whose
// text is cell, or "" when there is none.
func (p *uiPage) rowText(cell string) string {
	p.t.Helper()
	var s string
	p.eval(fmt.Sprintf(`(() => {
		const td = [...document.querySelectorAll("td")].find((c) => c.innerText.trim().split("\n")[0] === %q);
		return td ? td.closest("tr").innerText : "";
	})()`, cell), &s)
	return s
}

// TestUIAdminDisableSignsOut: an admin disables jane on the Users page, and
// jane's open page goes to the sign-in page by itself: the server ends her
// event stream, and the page finds out from its session that she is out.
func TestUIAdminDisableSignsOut(t *testing.T) {
	s := newUIServer(t)
	jane := s.open(t, 1280, 800, false)
	jane.signIn("jane", uiJanePassword)
	jane.waitRole("link", "Dashboard")
	// Her stream, reopened after the server ends it, and the session check
	// that follows are refused: that is how the page learns it.
	jane.allowStatus("/api/v1/events", http.StatusUnauthorized)
	jane.allowStatus("/api/v1/auth/session", http.StatusUnauthorized)
	// Whatever the dashboard was loading at that moment is refused too.
	jane.allowStatus("/api/v1/", http.StatusUnauthorized)

	admin := s.open(t, 1280, 800, true)
	admin.signIn("admin", uiAdminPassword)
	admin.goTo("/admin/users")
	admin.click("button", "Edit jane")
	admin.waitRole("dialog", "Edit jane")
	admin.selectOption("Status", "disabled")
	admin.click("button", "Save")
	admin.waitGone("dialog", "Edit jane")
	if row := admin.rowText("jane"); !strings.Contains(row, "Disabled") {
		t.Errorf("jane's row after disabling: %q", row)
	}

	jane.waitRole("button", "Sign in")
	jane.waitText("Your session has ended")
	if u := jane.url(); !strings.HasPrefix(u, "/login") {
		t.Errorf("jane's page is at %s, want the sign-in page", u)
	}
}

// TestUIAdminUsers adds a user through the dialog, finds them with the
// search, changes their download quota, deletes them, and shows the API's
// refusal when the admin tries to disable their own account.
func TestUIAdminUsers(t *testing.T) {
	s := newUIServer(t)
	p := s.open(t, 1280, 800, false)
	p.signIn("admin", uiAdminPassword)
	p.goTo("/admin/users")
	p.waitRole("button", "Edit jane")

	p.click("button", "Add user")
	p.waitRole("dialog", "Add user")
	p.fill("Username", "bob")
	p.fill("Password", "bob-password-123")
	p.selectOption("Role", "user")
	p.fill("E-mail", "bob@example.com")
	p.click("button", "Create user")
	p.waitGone("dialog", "Add user")
	p.waitRole("button", "Edit bob")

	// The same username again: the dialog says so and stays open.
	p.allowStatus("/api/v1/admin/users", http.StatusConflict)
	p.click("button", "Add user")
	p.fill("Username", "bob")
	p.fill("Password", "another-password-1")
	p.click("button", "Create user")
	p.waitText("A user called bob exists already")
	p.click("button", "Cancel")
	p.waitGone("dialog", "Add user")

	p.fill("Search users", "bob")
	p.waitGone("button", "Edit jane")
	p.waitRole("button", "Edit bob")
	if u := p.url(); u != "/admin/users?search=bob" {
		t.Errorf("url after searching: %s", u)
	}
	if row := p.rowText("bob"); !strings.Contains(row, "bob@example.com") || !strings.Contains(row, "Local") ||
		!strings.Contains(row, "Active") || strings.Count(row, "default") != 2 || !strings.Contains(row, "never") {
		t.Errorf("bob's row: %q", row)
	}

	p.click("button", "Edit bob")
	p.waitRole("dialog", "Edit bob")
	p.fill("Download quota", "3")
	p.click("button", "Save")
	p.waitGone("dialog", "Edit bob")
	if row := p.rowText("bob"); strings.Count(row, "default") != 1 || !strings.Contains(row, "3") {
		t.Errorf("bob's row after setting the download quota: %q", row)
	}
	r := s.Admin.expect(t, "GET", "/api/v1/admin/users?search=bob", nil, 200)
	if !strings.Contains(string(r.Body), `"downloadQuota":3`) || !strings.Contains(string(r.Body), `"requestQuota":null`) {
		t.Errorf("bob as the API has him: %s", r.Body)
	}

	p.click("button", "Delete bob")
	p.waitRole("dialog", "Delete bob?")
	p.waitText("Downloaded files are kept")
	p.click("button", "Delete user")
	p.waitGone("button", "Edit bob")
	p.waitText("No user matches these filters.")

	// Disabling oneself is refused by the API, in words, in the dialog.
	p.allowStatus("/api/v1/admin/users/", http.StatusBadRequest)
	p.fill("Search users", "admin")
	p.click("button", "Edit admin")
	p.waitRole("dialog", "Edit admin")
	p.selectOption("Status", "disabled")
	p.click("button", "Save")
	p.waitText("Status: you cannot disable your own account.")
	p.click("button", "Cancel")
	p.waitGone("dialog", "Edit admin")
}

// TestUIAdminServices: Plex and Overseerr, set in the config file, are
// read-only; Uptime Kuma, not in the file, is tested and saved here.
func TestUIAdminServices(t *testing.T) {
	s := newUIServer(t, withEnv("MEDIANEST_UPTIME_KUMA_URL", ""), withEnv("MEDIANEST_UPTIME_KUMA_STATUS_PAGE", ""))
	p := s.open(t, 390, 844, false)
	p.signIn("admin", uiAdminPassword)
	p.goTo("/admin/services")
	p.waitRole("heading", "Plex Media Server")
	p.waitText("The config file manages Plex Media Server")
	p.waitText("The config file manages Overseerr")
	p.waitGone("textbox", "Plex Media Server URL")
	p.waitGone("button", "Save Overseerr")

	p.fill("Uptime Kuma URL", s.Kuma.URL)
	p.fill("Uptime Kuma Status page", kumatest.DefaultSlug)
	p.fill("Uptime Kuma API key", "kuma-metrics-key")
	p.click("button", "Test Uptime Kuma")
	p.waitText("OK in ")
	p.waitText(`Found the status page`)
	p.click("button", "Save Uptime Kuma")
	p.waitText("Saved Uptime Kuma")
	p.waitText(s.Kuma.URL) // in the card's details, not only the field
	p.waitText("Key stored")
	p.waitText("Leave empty to keep the stored key")

	r := s.Admin.expect(t, "GET", "/api/v1/admin/services", nil, 200)
	if !strings.Contains(string(r.Body), `"statusPage":"home"`) || strings.Contains(string(r.Body), "kuma-metrics-key") {
		t.Errorf("services as the API has them: %s", r.Body)
	}
	p.check("admin-services-saved")
}

// TestUIAdminBackupsAuditNotice: a notice saved on /admin shows in the
// banner and goes when cleared; a backup made on /admin/backups is listed;
// the audit log lists both and its filter narrows it.
func TestUIAdminBackupsAuditNotice(t *testing.T) {
	s := newUIServer(t)
	p := s.open(t, 1280, 800, false)
	p.signIn("admin", uiAdminPassword)

	p.goTo("/admin")
	p.waitRole("heading", "Notice")
	p.waitText("No notice is shown.")
	p.fill("Notice message", "Plex is down for maintenance until 20:00")
	p.selectOption("Level", "Warning")
	p.click("button", "Save notice")
	p.waitText("Warning: Plex is down for maintenance until 20:00")
	p.goTo("/admin/system") // the banner is on every page, also after a reload
	p.waitText("Warning: Plex is down for maintenance until 20:00")
	p.waitText("Journal mode")
	p.goTo("/admin")
	p.click("button", "Clear notice")
	p.waitText("No notice is shown.")
	p.waitNoText("Warning: Plex is down")

	p.goTo("/admin/backups")
	p.waitText("There are no backups yet.")
	p.click("button", "Create backup")
	p.waitRole("table", "Backups, newest first")
	p.waitText("medianest-")
	p.waitText("restore")

	p.goTo("/admin/audit")
	p.waitRole("cell", "backup.create")
	p.waitRole("cell", "notice.update")
	p.waitRole("cell", "auth.login")
	p.selectOption("Action", "backup.")
	p.waitGone("cell", "auth.login")
	p.waitRole("cell", "backup.create")
	if u := p.url(); u != "/admin/audit?action=backup." {
		t.Errorf("url after filtering: %s", u)
	}
	p.selectOption("Action", "notice.update")
	p.waitGone("cell", "backup.create")
	p.waitRole("cell", "notice.update")
}

// TestUIAdminPagesPhone and TestUIAdminPagesDesktop run the quality gate
// on every admin page of this file, light and dark, with data on them.
func TestUIAdminPagesPhone(t *testing.T)   { checkAdminPages(t, 390, 844) }
func TestUIAdminPagesDesktop(t *testing.T) { checkAdminPages(t, 1280, 800) }

func checkAdminPages(t *testing.T, w, h int) {
	s := newUIServer(t)
	s.Admin.expect(t, "POST", "/api/v1/admin/backups", nil, 201)
	s.Admin.expect(t, "PUT", "/api/v1/admin/notice", map[string]string{"message": "Maintenance on Sunday", "level": "info"}, 200)
	pages := []struct{ path, name, ready string }{
		{"/admin", "admin", "Shown now"},
		{"/admin/users", "admin-users", "jane"},
		{"/admin/services", "admin-services", "The config file manages Plex Media Server"},
		{"/admin/audit", "admin-audit", "backup.create"},
		{"/admin/system", "admin-system", "Journal mode"},
		{"/admin/backups", "admin-backups", "medianest-"},
	}
	for _, dark := range []bool{false, true} {
		t.Run(fmt.Sprintf("dark=%v", dark), func(t *testing.T) {
			p := s.open(t, w, h, dark)
			p.signIn("admin", uiAdminPassword)
			for _, pg := range pages {
				p.goTo(pg.path)
				p.waitText(pg.ready)
				p.check(pg.name)
				// A phone's layout viewport grows to content that is too
				// wide, which hides the page's own horizontal scroll.
				var width int
				p.eval(`window.innerWidth`, &width)
				if width != w {
					t.Errorf("%s: the layout viewport is %d px wide, want %d", pg.path, width, w)
				}
			}
			p.goTo("/admin/users")
			p.click("button", "Edit jane")
			p.waitRole("dialog", "Edit jane")
			p.check("admin-users-edit")
		})
	}
}
