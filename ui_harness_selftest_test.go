package main

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestUIHarness proves the browser harness on the sign-in page: that
// it finds elements by role and name, that its quality gate passes a good
// page and catches a broken one, and that its recorder catches failed
// requests, console errors and uncaught exceptions.
func TestUIHarness(t *testing.T) {
	s := newUIServer(t)

	t.Run("phone light", func(t *testing.T) {
		start := time.Now()
		p := s.open(t, 390, 844, false)
		t.Logf("browser started in %v", time.Since(start))
		p.goTo("/")
		p.waitRole("heading", "Sign in to MediaNest")
		p.waitText("Username")
		if got := p.url(); got != "/login" {
			t.Errorf("url() = %q, want /login (signed out, / shows the sign-in page)", got)
		}
		var width int
		p.eval(`window.innerWidth`, &width)
		if width != 390 {
			t.Errorf("innerWidth = %d, want 390", width)
		}

		start = time.Now()
		p.check("login")
		t.Logf("audit and screenshot took %v", time.Since(start))
		if _, err := os.Stat(p.screenshotPath("login")); err != nil {
			t.Errorf("no screenshot: %v", err)
		}
		bytes, requests := p.transfer()
		t.Logf("first load: %d bytes in %d requests", bytes, requests)
		if bytes <= 0 || bytes >= 150<<10 || requests == 0 {
			t.Errorf("transfer() = %d bytes, %d requests; want some, under 150 KB", bytes, requests)
		}

		// A second visit: the counts start afresh.
		p.resetTransfer()
		p.goTo("/")
		bytes, requests = p.transfer()
		t.Logf("second load: %d bytes in %d requests, from the network: %v", bytes, requests, p.revalidated())
		if !slices.Contains(p.revalidated(), "/login") && !slices.Contains(p.revalidated(), "/") {
			t.Errorf("revalidated() = %v, want the document, which a navigation always asks for", p.revalidated())
		}

		t.Run("recorder", func(t *testing.T) {
			p := p.with(t)
			var status int
			p.eval(`fetch('/nope.js').then(r => r.status)`, &status)
			if status != 404 {
				t.Fatalf("fetch /nope.js: %d, want 404", status)
			}
			p.eval(`console.error("harness console error")`, nil)
			p.eval(`setTimeout(() => { throw new Error("harness uncaught") }, 0)`, nil)
			for _, want := range []string{"HTTP 404 for /nope.js", "console.error: harness console error", "harness uncaught"} {
				eventually(t, uiWait, "the recorder reports "+want, func() (bool, string) {
					got := p.problems()
					return slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, want) }), strings.Join(got, "; ")
				})
			}
			p.forgetProblems()

			// A declared status is no problem. The events of one page
			// arrive in order, so once the second 404 is reported the
			// first would have been.
			p.allowStatus("/nope", 404)
			p.eval(`fetch('/nope.js')`, nil)
			p.eval(`fetch('/missing.css')`, nil)
			eventually(t, uiWait, "the recorder reports /missing.css", func() (bool, string) {
				got := p.problems()
				return slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "/missing.css") }), strings.Join(got, "; ")
			})
			if got := p.problems(); len(got) != 1 {
				t.Errorf("problems() = %q, want only /missing.css", got)
			}
			p.forgetProblems()
		})

		t.Run("actions", func(t *testing.T) {
			p := p.with(t)
			p.eval(`document.querySelector('main').insertAdjacentHTML('beforeend', '<div id="harness">' +
				'<label>Name <input></label>' +
				'<label for="kind">Kind</label><select id="kind"><option value="a">A</option><option value="b">Bee</option></select>' +
				'<button type="button">Go away</button>' +
				'<a href="./" target="_blank">New window</a></div>');
				document.querySelector('#harness button').addEventListener('click', e => e.target.remove())`, nil)
			p.fill("Name", "first")
			p.fill("Name", "jane")
			var v struct{ Name, Kind string }
			p.selectOption("Kind", "Bee")
			p.eval(`({Name: document.querySelector('#harness input').value, Kind: document.querySelector('#harness select').value})`, &v)
			if v.Name != "jane" || v.Kind != "b" {
				t.Errorf("fields hold %+v, want jane and b", v)
			}
			p.click("button", "Go away")
			p.waitGone("button", "Go away")

			w := p.popup(func() { p.click("link", "New window") })
			w.waitRole("heading", "Sign in to MediaNest")
			// A window of window.open, as the Plex sign-in opens it.
			p.eval(`document.querySelector('#harness').insertAdjacentHTML('beforeend', '<button type="button">Open</button>');
				document.querySelector('#harness button').addEventListener('click', () => window.open('./?popup', 'plex', 'width=500,height=600'))`, nil)
			w = p.popup(func() { p.click("button", "Open") })
			w.waitRole("heading", "Sign in to MediaNest")
		})

		t.Run("audit catches a broken page", func(t *testing.T) {
			p := p.with(t)
			p.eval(`document.querySelector('main').insertAdjacentHTML('beforeend',
				'<h1>Second</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button type="button"></button>' +
				'<div id="wide">wide</div>');
				document.getElementById('wide').style.width = '3000px'`, nil)
			got := strings.Join(p.audit(), "\n")
			for _, want := range []string{"axe image-alt (critical)", "axe button-name (critical)", "scrolls sideways", "2 h1 elements"} {
				if !strings.Contains(got, want) {
					t.Errorf("audit() lacks %q:\n%s", want, got)
				}
			}
		})
	})

	t.Run("desktop dark", func(t *testing.T) {
		p := s.open(t, 1280, 800, true)
		start := time.Now()
		p.goTo("/")
		t.Logf("first navigation took %v", time.Since(start))
		p.waitRole("heading", "Sign in to MediaNest")
		var dark bool
		p.eval(`matchMedia('(prefers-color-scheme: dark)').matches`, &dark)
		if !dark {
			t.Error("prefers-color-scheme is not dark")
		}
		start = time.Now()
		p.check("login")
		t.Logf("check took %v", time.Since(start))
		if _, err := os.Stat(p.screenshotPath("login")); err != nil {
			t.Errorf("no screenshot: %v", err)
		}
	})
}
