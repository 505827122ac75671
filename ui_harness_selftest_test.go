package main

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestUIHarness proves the browser harness on the placeholder page: that
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
		p.waitRole("heading", "MediaNest")
		p.waitText("MediaNest")
		if got := p.url(); got != "/" {
			t.Errorf("url() = %q, want /", got)
		}
		var width int
		p.eval(`window.innerWidth`, &width)
		if width != 390 {
			t.Errorf("innerWidth = %d, want 390", width)
		}

		// The placeholder has no icon, and its accent-coloured h1 is too
		// faint on the light background (#e5a00d on #fafafa), which the
		// gate rightly reports; anything else would be a finding.
		p.allowStatus("/favicon.ico", 404)
		start = time.Now()
		for _, f := range p.audit() {
			if strings.HasPrefix(f, "axe color-contrast (serious)") && strings.HasSuffix(f, ": h1") {
				t.Logf("known defect of the placeholder: %s", f)
				continue
			}
			t.Errorf("placeholder: %s", f)
		}
		p.screenshot("placeholder")
		t.Logf("audit and screenshot took %v", time.Since(start))
		if _, err := os.Stat(p.screenshotPath("placeholder")); err != nil {
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
		if !slices.Contains(p.revalidated(), "/") {
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
			p.eval(`document.querySelector('main').insertAdjacentHTML('beforeend',
				'<label>Name <input></label>' +
				'<label for="kind">Kind</label><select id="kind"><option value="a">A</option><option value="b">Bee</option></select>' +
				'<button type="button">Go away</button>' +
				'<a href="./" target="_blank">New window</a>');
				document.querySelector('main button').addEventListener('click', e => e.target.remove())`, nil)
			p.fill("Name", "first")
			p.fill("Name", "jane")
			var v struct{ Name, Kind string }
			p.selectOption("Kind", "Bee")
			p.eval(`({Name: document.querySelector('input').value, Kind: document.querySelector('select').value})`, &v)
			if v.Name != "jane" || v.Kind != "b" {
				t.Errorf("fields hold %+v, want jane and b", v)
			}
			p.click("button", "Go away")
			p.waitGone("button", "Go away")

			w := p.popup(func() { p.click("link", "New window") })
			w.waitRole("heading", "MediaNest")
			if got := w.url(); got != "/" {
				t.Errorf("popup url() = %q, want /", got)
			}
			// A window of window.open, as the Plex sign-in opens it.
			p.eval(`document.querySelector('main').insertAdjacentHTML('beforeend', '<button type="button">Open</button>');
				document.querySelector('main button').addEventListener('click', () => window.open('./?popup', 'plex', 'width=500,height=600'))`, nil)
			w = p.popup(func() { p.click("button", "Open") })
			w.waitRole("heading", "MediaNest")
			if got := w.url(); got != "/?popup" {
				t.Errorf("popup url() = %q, want /?popup", got)
			}
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
		p.allowStatus("/favicon.ico", 404)
		start := time.Now()
		p.goTo("/")
		t.Logf("first navigation took %v", time.Since(start))
		p.waitRole("heading", "MediaNest")
		var dark bool
		p.eval(`matchMedia('(prefers-color-scheme: dark)').matches`, &dark)
		if !dark {
			t.Error("prefers-color-scheme is not dark")
		}
		start = time.Now()
		p.check("placeholder")
		t.Logf("check took %v", time.Since(start))
		if _, err := os.Stat(p.screenshotPath("placeholder")); err != nil {
			t.Errorf("no screenshot: %v", err)
		}
	})
}
