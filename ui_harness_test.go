package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"medianest/app/kuma/kumatest"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/plex/plextest"
)

// The browser tests drive the real server (run in-process by startServer,
// with the upstream fakes of TestE2EWholeProduct) from a headless Chromium
// over the Chrome DevTools Protocol. They find elements the way a person
// does, by role and accessible name, never by CSS class, so that a page
// test also proves the page is usable with a screen reader.

// Passwords of the local accounts that newUIServer creates.
const (
	uiAdminPassword = "admin-password-123"
	uiJanePassword  = "jane-password-456"
)

// uiWait bounds every wait of the harness. It is generous because CI runs
// the browser on a busy machine; a wait that holds returns at once.
const uiWait = 30 * time.Second

// needChromium returns the path of the Chromium to run. It skips the test
// under -short or when there is none, and fails it instead when
// MEDIANEST_E2E=1, so that CI cannot pass without running the browser
// tests. MEDIANEST_CHROMIUM names another executable.
func needChromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests do not run with -short")
	}
	path := os.Getenv("MEDIANEST_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
		if _, err := os.Stat(path); err != nil {
			path, _ = exec.LookPath("chromium")
		}
	} else if _, err := os.Stat(path); err != nil {
		path = ""
	}
	if path == "" {
		const msg = "chromium is not installed: apt-get install chromium (MEDIANEST_E2E=1 makes this a failure)"
		if os.Getenv("MEDIANEST_E2E") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// uiConfig is what a test adds to the server of newUIServer before it
// starts.
type uiConfig struct {
	toml string
	env  map[string]string
}

// withTOML appends a piece of TOML, such as a [youtube] section, to the
// server's config file.
func withTOML(s string) func(*uiConfig) {
	return func(c *uiConfig) { c.toml += "\n" + s + "\n" }
}

// withEnv sets an environment variable of the server (with t.Setenv).
func withEnv(key, value string) func(*uiConfig) {
	return func(c *uiConfig) { c.env[key] = value }
}

// uiServer is a running MediaNest with its upstream fakes and two local
// accounts: the admin "admin" and the user "jane".
type uiServer struct {
	// Base is the server's URL, without a trailing slash.
	Base string
	// CfgPath is its config file; DataDir its data directory.
	CfgPath, DataDir string

	TV   *plextest.TV
	PMS  *plextest.PMS
	Ovr  *overseerrtest.Server
	Kuma *kumatest.Server
	// HookSecret is the secret of Overseerr's webhook.
	HookSecret string

	// Admin and Jane are API clients signed in as the local accounts, to
	// arrange data without going through the pages.
	Admin, Jane *e2eBrowser

	chromium string
}

// newUIServer starts the fakes, writes a config for them, starts the real
// server on a free address and creates the local accounts "admin"
// (uiAdminPassword) and "jane" (uiJanePassword). It skips like needChromium
// when there is no browser, before starting anything. The server stops when
// the test ends.
func newUIServer(t *testing.T, opts ...func(*uiConfig)) *uiServer {
	t.Helper()
	s := &uiServer{chromium: needChromium(t), HookSecret: e2eHookSecret}
	cfg := uiConfig{env: map[string]string{}}
	for _, o := range opts {
		o(&cfg)
	}

	// The fakes as TestE2EWholeProduct has them: the owner owns the
	// server, the Plex account jane.doe was shared its Movies library.
	s.TV = plextest.NewTV(t)
	s.PMS = plextest.NewPMS(t)
	s.PMS.Seed()
	s.PMS.SetOwnerToken(e2ePMSOwnerToken)
	s.Ovr = overseerrtest.New(t)
	s.Ovr.SetAPIKey(e2eOverseerrKey)
	s.Kuma = kumatest.New(t)
	s.TV.AddUser(e2eOwnerTVToken, plextest.Account{ID: e2eOwnerPlexID, UUID: "owner-uuid", Username: "admin.user", Email: "admin@example.com"})
	s.TV.Share(e2eOwnerTVToken, s.PMS.MachineID(), true, s.PMS.OwnerToken())
	s.TV.AddUser(e2eJaneTVToken, plextest.Account{ID: e2eJanePlexID, UUID: "jane-uuid", Username: "jane.doe", Email: "jane@example.com"})
	s.TV.Share(e2eJaneTVToken, s.PMS.MachineID(), false, e2eJaneSrvToken)
	s.PMS.Grant(e2eJaneSrvToken, "1")

	dir := t.TempDir()
	s.DataDir = filepath.Join(dir, "data")
	addr := freeAddr(t)
	s.Base = "http://" + addr
	s.CfgPath = filepath.Join(dir, "medianest.toml")
	toml := e2eConfig(addr, s.DataDir, s.PMS, s.TV) + e2eServicesConfig(s.Ovr, s.Kuma) + cfg.toml
	if err := os.WriteFile(s.CfgPath, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MEDIANEST_OVERSEERR_WEBHOOK_SECRET", s.HookSecret)
	t.Setenv("MEDIANEST_STATUS_INTERVAL", "200ms")
	for k, v := range cfg.env {
		t.Setenv(k, v)
	}
	stop := startServer(t, addr, "--config", s.CfgPath)
	t.Cleanup(func() {
		if code, errs := stop(); code != 0 {
			t.Errorf("server exited with %d: %s", code, errs)
		}
	})
	s.Admin = localUser(t, s.CfgPath, s.Base, "admin", uiAdminPassword, true)
	s.Jane = localUser(t, s.CfgPath, s.Base, "jane", uiJanePassword, false)
	return s
}

// uiPage is one browser tab on the server. Its recorder sees the whole life
// of the tab, and the test fails at its end when the page wrote a console
// error, threw an uncaught exception or had a request fail.
type uiPage struct {
	t      *testing.T
	s      *uiServer
	ctx    context.Context
	rec    *uiRecorder
	width  int
	height int
	dark   bool
}

// open starts a fresh headless Chromium (own user-data dir, so a cold
// cache) showing nothing yet, with a viewport of width×height (emulating a
// phone below 600 px) and prefers-color-scheme dark or light. The browser
// closes when t ends, and t then fails with the problems its recorder saw.
func (s *uiServer) open(t *testing.T, width, height int, dark bool) *uiPage {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(s.chromium),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		// The server is on 127.0.0.1, whatever proxy the machine has.
		chromedp.Flag("no-proxy-server", true),
		chromedp.WindowSize(width, height),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	rec := &uiRecorder{base: s.Base, reqs: map[string]*uiRequest{}, docs: map[string]string{}}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(rec.listener("page")))
	p := &uiPage{t: t, s: s, ctx: ctx, rec: rec, width: width, height: height, dark: dark}
	t.Cleanup(func() {
		problems := rec.problems()
		if err := chromedp.Cancel(ctx); err != nil {
			t.Logf("closing the browser: %v", err)
		}
		cancel()
		cancelAlloc()
		if len(problems) > 0 {
			t.Errorf("the page had %d problem(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
		}
	})

	// The first run starts the browser and binds it to ctx, so it gets no
	// deadline; a browser that does not start is caught here instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting chromium: %v", err)
		}
	case <-time.After(uiWait):
		cancel()
		t.Fatalf("chromium did not start within %v", uiWait)
	}
	p.emulate(width, height, dark)
	return p
}

// emulate gives the page another viewport (a phone below 600 px wide) and
// colour scheme, so one browser can check a page in every mode.
func (p *uiPage) emulate(width, height int, dark bool) {
	p.t.Helper()
	var vopts []chromedp.EmulateViewportOption
	if width < 600 {
		vopts = append(vopts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	p.run("emulating the device", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), vopts...)); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
	p.width, p.height, p.dark = width, height, dark
}

// uiViewport is one of the sizes and schemes every page is checked in.
type uiViewport struct {
	w, h int
	dark bool
}

func (v uiViewport) String() string {
	scheme := "light"
	if v.dark {
		scheme = "dark"
	}
	return fmt.Sprintf("%dx%d %s", v.w, v.h, scheme)
}

// uiViewports are a phone and a desktop, dark and light; the last is
// the desktop in light, where the tests do most of their work.
var uiViewports = []uiViewport{{390, 844, false}, {390, 844, true}, {1280, 800, true}, {1280, 800, false}}

// with returns the page for the subtest t, so that a failing action ends
// t and not the test that opened the page. The copy shares the tab and
// the recorder.
func (p *uiPage) with(t *testing.T) *uiPage {
	q := *p
	q.t = t
	return &q
}

// run runs f with a context bounded by uiWait and fails the test with what
// when f fails.
func (p *uiPage) run(what string, f func(ctx context.Context) error) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, uiWait)
	defer cancel()
	p.front(ctx)
	if err := f(ctx); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// front brings the page's window to the front when another window of the
// browser, such as a popup, is there: Chromium does not lay out a window
// behind another, so its accessibility tree would never answer.
func (p *uiPage) front(ctx context.Context) {
	id := chromedp.FromContext(p.ctx).Target
	if id == nil {
		return
	}
	p.rec.mu.Lock()
	same := p.rec.front == id.TargetID
	p.rec.mu.Unlock()
	if same {
		return
	}
	if _, err := chromedp.Call(ctx, page.BringToFront, cdp.Empty{}); err == nil {
		p.rec.mu.Lock()
		p.rec.front = id.TargetID
		p.rec.mu.Unlock()
	}
}

// poll calls cond until it holds and fails the test with what and cond's
// last description after uiWait. Errors of cond count as "not yet": a
// navigation destroys the context an evaluation ran in.
func (p *uiPage) poll(what string, cond func(ctx context.Context) (bool, string)) {
	p.t.Helper()
	deadline := time.Now().Add(uiWait)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		p.front(ctx)
		ok, last := cond(ctx)
		cancel()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: not within %v; last: %s", what, uiWait, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// goTo navigates to Base+path and waits until the page settles: the
// document is complete and no request but an EventSource has been in
// flight for 300 ms. (A method cannot be called go.)
func (p *uiPage) goTo(path string) {
	p.t.Helper()
	p.run("navigating to "+path, func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.Navigate(p.s.Base+path))
	})
	p.settle()
}

// settle waits until the document is complete and the network has been
// quiet (EventSource streams aside) for 300 ms.
func (p *uiPage) settle() {
	p.t.Helper()
	p.poll("waiting for the page to settle", func(ctx context.Context) (bool, string) {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`))
		if err != nil {
			return false, err.Error()
		}
		busy, quiet := p.rec.activity()
		if state != "complete" || len(busy) > 0 || quiet < 300*time.Millisecond {
			return false, fmt.Sprintf("readyState %s, in flight %v", state, busy)
		}
		return true, ""
	})
}

// uiNode is an element found by role and name, with its box.
type uiNode struct {
	obj     runtime.RemoteObjectID
	X, Y    float64 // the centre, in viewport coordinates
	Visible bool
	Enabled bool
	Tag     string
}

// uiMeasure scrolls the element into view when asked, and measures it.
const uiMeasure = `function(scroll) {
	if (this.nodeType !== Node.ELEMENT_NODE) return {X: 0, Y: 0, Visible: false, Enabled: false, Tag: '#text'};
	if (scroll) this.scrollIntoView({block: 'center', inline: 'center'});
	const r = this.getBoundingClientRect();
	// The centre of the first box: a link that wraps has a gap in the
	// middle of its bounding rectangle.
	const f = this.getClientRects()[0] || r;
	const s = getComputedStyle(this);
	return {
		X: f.left + f.width / 2, Y: f.top + f.height / 2,
		Visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none',
		Enabled: !this.disabled && this.getAttribute('aria-disabled') !== 'true',
		Tag: this.tagName.toLowerCase(),
	};
}`

// find returns the elements whose computed role and accessible name are
// role and name, as the accessibility tree has them, in document order. An
// empty role or name matches any: waitRole("navigation", "") waits for any
// navigation landmark. A name must match whole, as a screen reader says it.
func (p *uiPage) find(ctx context.Context, role, name string, scroll bool) ([]uiNode, error) {
	doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{Depth: new(int64)})
	if err != nil {
		return nil, err
	}
	res, err := chromedp.Call(ctx, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{
		NodeID: doc.Root.NodeID, Role: role, AccessibleName: name,
	})
	if err != nil {
		return nil, err
	}
	var nodes []uiNode
	for _, ax := range res.Nodes {
		if ax.Ignored || ax.BackendDOMNodeID == 0 {
			continue
		}
		obj, err := chromedp.Call(ctx, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: ax.BackendDOMNodeID})
		if err != nil {
			return nil, err
		}
		n, err := chromedp.Run(ctx, chromedp.CallFunctionOn[uiNode](uiMeasure, func(c *runtime.CallFunctionOnParams) {
			c.ObjectID = obj.Object.ObjectID
		}, scroll))
		if err != nil {
			return nil, err
		}
		n.obj = obj.Object.ObjectID
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// visible waits until an element with the role and name is visible and,
// when enabled is set, enabled; it returns the first such.
func (p *uiPage) visible(role, name string, scroll, enabled bool, what string) uiNode {
	p.t.Helper()
	var found uiNode
	p.poll(what, func(ctx context.Context) (bool, string) {
		nodes, err := p.find(ctx, role, name, scroll)
		if err != nil {
			return false, err.Error()
		}
		for _, n := range nodes {
			if n.Visible && (n.Enabled || !enabled) {
				found = n
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d matching element(s), none visible%s", len(nodes), map[bool]string{true: " and enabled"}[enabled])
	})
	return found
}

// callOn runs the function declaration on the element and decodes its
// result into out (nil to ignore it).
func (p *uiPage) callOn(ctx context.Context, n uiNode, fn string, out any, args ...any) error {
	raw, err := chromedp.Run(ctx, chromedp.CallFunctionOn[[]byte](fn, func(c *runtime.CallFunctionOnParams) {
		c.ObjectID = n.obj
	}, args...))
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// waitRole waits until an element with the role (button, link, heading,
// navigation, dialog, …) and accessible name is visible.
func (p *uiPage) waitRole(role, name string) {
	p.t.Helper()
	p.visible(role, name, false, false, fmt.Sprintf("waiting for %s %q", role, name))
}

// has reports whether an element with the role and accessible name is
// visible now, without waiting: for asserting that something is absent
// once the page has shown what it shows.
func (p *uiPage) has(role, name string) bool {
	p.t.Helper()
	var found bool
	p.run(fmt.Sprintf("looking for %s %q", role, name), func(ctx context.Context) error {
		nodes, err := p.find(ctx, role, name, false)
		found = slices.ContainsFunc(nodes, func(n uiNode) bool { return n.Visible })
		return err
	})
	return found
}

// waitGone waits until no element with the role and accessible name is
// visible.
func (p *uiPage) waitGone(role, name string) {
	p.t.Helper()
	p.poll(fmt.Sprintf("waiting for %s %q to go", role, name), func(ctx context.Context) (bool, string) {
		nodes, err := p.find(ctx, role, name, false)
		if err != nil {
			return false, err.Error()
		}
		for _, n := range nodes {
			if n.Visible {
				return false, "still visible"
			}
		}
		return true, ""
	})
}

// click waits for the visible, enabled element with the role and
// accessible name, scrolls it into view and clicks its centre with the
// mouse, as a person would, e.g. p.click("button", "Sign in").
func (p *uiPage) click(role, name string) {
	p.t.Helper()
	n := p.visible(role, name, true, true, fmt.Sprintf("clicking %s %q", role, name))
	p.run(fmt.Sprintf("clicking %s %q", role, name), func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.MouseClickXY(n.X, n.Y))
	})
}

// field waits for the visible, enabled form control whose accessible name
// is label and whose element is one of tags.
func (p *uiPage) field(label string, tags ...string) uiNode {
	p.t.Helper()
	var found uiNode
	what := fmt.Sprintf("finding the field %q", label)
	p.poll(what, func(ctx context.Context) (bool, string) {
		nodes, err := p.find(ctx, "", label, true)
		if err != nil {
			return false, err.Error()
		}
		for _, n := range nodes {
			if n.Visible && n.Enabled && slices.Contains(tags, n.Tag) {
				found = n
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d element(s) named %q, none a visible, enabled %v", len(nodes), label, tags)
	})
	return found
}

// fill types value into the text field whose accessible name is label,
// after clearing it, with key events as a person would.
func (p *uiPage) fill(label, value string) {
	p.t.Helper()
	n := p.field(label, "input", "textarea")
	p.run(fmt.Sprintf("filling %q", label), func(ctx context.Context) error {
		if err := p.callOn(ctx, n, `function() { this.focus(); this.select(); }`, nil); err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Backspace), chromedp.KeyEvent(value)); err != nil {
			return err
		}
		var got string
		if err := p.callOn(ctx, n, `function() { return this.value; }`, &got); err != nil {
			return err
		}
		if got != value {
			return fmt.Errorf("the field holds %q after typing %q", got, value)
		}
		return nil
	})
}

// selectOption chooses the option whose value or text is value in the
// <select> whose accessible name is label, firing input and change.
func (p *uiPage) selectOption(label, value string) {
	p.t.Helper()
	n := p.field(label, "select")
	p.run(fmt.Sprintf("selecting %q in %q", value, label), func(ctx context.Context) error {
		var options []string
		err := p.callOn(ctx, n, `function(v) {
			const o = [...this.options].find(o => o.value === v || o.textContent.trim() === v);
			if (!o) return [...this.options].map(o => o.value + ' (' + o.textContent.trim() + ')');
			this.focus();
			this.value = o.value;
			this.dispatchEvent(new Event('input', {bubbles: true}));
			this.dispatchEvent(new Event('change', {bubbles: true}));
			return [];
		}`, &options, value)
		if err == nil && len(options) > 0 {
			err = fmt.Errorf("no such option; there are %s", strings.Join(options, ", "))
		}
		return err
	})
}

// eval evaluates the JavaScript expression, awaiting it when it is a
// promise, and decodes its value into out (nil to ignore it).
func (p *uiPage) eval(js string, out any) {
	p.t.Helper()
	p.run("evaluating "+js, func(ctx context.Context) error {
		if out == nil {
			return chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](js, chromedp.EvalAwaitPromise))
		}
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, out)
	})
}

// text is the visible text of the page (document.body.innerText).
func (p *uiPage) text() string {
	p.t.Helper()
	var s string
	p.eval(`document.body ? document.body.innerText : ""`, &s)
	return s
}

// waitText waits until the visible text of the page contains text.
func (p *uiPage) waitText(text string) {
	p.t.Helper()
	p.poll(fmt.Sprintf("waiting for the text %q", text), func(ctx context.Context) (bool, string) {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err != nil {
			return false, err.Error()
		}
		return strings.Contains(s, text), fmt.Sprintf("the page says %q", s)
	})
}

// url is the current location relative to Base: path, query and fragment
// ("/downloads?status=failed"). A page elsewhere gives its full URL.
func (p *uiPage) url() string {
	p.t.Helper()
	var loc string
	p.run("reading the location", func(ctx context.Context) (err error) {
		loc, err = chromedp.Run(ctx, chromedp.Location())
		return err
	})
	if rest, ok := strings.CutPrefix(loc, p.s.Base); ok {
		if rest == "" {
			rest = "/"
		}
		return rest
	}
	return loc
}

// popup runs trigger, such as clicking "Sign in with Plex", and returns the
// page of the window that it opened. The new page shares this page's
// recorder, so its problems fail the test too.
func (p *uiPage) popup(trigger func()) *uiPage {
	p.t.Helper()
	// Any new page of the browser counts, not only those that
	// WaitNewTarget sees: a link with target=_blank opens a page without
	// an opener.
	pages := func() []*target.Info {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		defer cancel()
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			p.t.Fatalf("listing the windows: %v", err)
		}
		return slices.DeleteFunc(infos, func(i *target.Info) bool { return i.Type != "page" })
	}
	var before []target.ID
	for _, i := range pages() {
		before = append(before, i.TargetID)
	}
	trigger()
	// A window opened empty (as the Plex sign-in opens it, before its
	// address is known) is attached to once it has gone somewhere:
	// attaching during that first navigation fails with "Inspected target
	// navigated or closed".
	var id target.ID
	p.poll("waiting for a window to open", func(context.Context) (bool, string) {
		for _, i := range pages() {
			if !slices.Contains(before, i.TargetID) {
				id = i.TargetID
				if i.URL == "" || i.URL == "about:blank" {
					return false, "a new window has not left about:blank"
				}
				return true, ""
			}
		}
		return false, "no new window"
	})
	var q *uiPage
	p.poll("attaching to the popup", func(context.Context) (bool, string) {
		ctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithTargetID(id), chromedp.WithListener(p.rec.listener(string(id))))
		if err := chromedp.Do(ctx); err != nil {
			cancel()
			return false, err.Error()
		}
		p.t.Cleanup(cancel)
		q = &uiPage{t: p.t, s: p.s, ctx: ctx, rec: p.rec, width: p.width, height: p.height, dark: p.dark}
		return true, ""
	})
	return q
}

// allowStatus declares that responses with the code to requests whose path
// (or, off the server, full URL) starts with pathPrefix are expected, so
// that the recorder does not count them as failed requests.
func (p *uiPage) allowStatus(pathPrefix string, code int) {
	p.rec.mu.Lock()
	defer p.rec.mu.Unlock()
	p.rec.allowed = append(p.rec.allowed, uiAllowed{pathPrefix, code})
}

// problems lists what the recorder saw so far: console errors, uncaught
// exceptions and failed requests. The test fails with them at its end.
func (p *uiPage) problems() []string { return p.rec.problems() }

// forgetProblems empties the recorder's list of problems; for a test that
// provokes one on purpose and has checked it.
func (p *uiPage) forgetProblems() {
	p.rec.mu.Lock()
	defer p.rec.mu.Unlock()
	p.rec.found = nil
}

// transfer is the bytes (encoded, headers included) and the count of the
// requests that came over the network since open or resetTransfer.
// Responses from the cache count for nothing.
func (p *uiPage) transfer() (bytes int64, requests int) {
	p.rec.mu.Lock()
	defer p.rec.mu.Unlock()
	return int64(p.rec.bytes), p.rec.count
}

// resetTransfer starts the counts of transfer and revalidated afresh, e.g.
// before a second visit.
func (p *uiPage) resetTransfer() {
	p.rec.mu.Lock()
	defer p.rec.mu.Unlock()
	p.rec.bytes, p.rec.count, p.rec.fetched = 0, 0, nil
}

// revalidated lists, since open or resetTransfer, the URLs (relative to
// Base when on the server) that the browser asked the network for, with a
// 304 or a full answer, instead of taking them from its cache.
func (p *uiPage) revalidated() []string {
	p.rec.mu.Lock()
	defer p.rec.mu.Unlock()
	return slices.Clone(p.rec.fetched)
}

// uiAxeViolation is one rule of axe-core that the page breaks.
type uiAxeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axe runs axe-core (testdata/axe, injected into the page when it has none
// yet) on the document and returns its violations of every impact.
func (p *uiPage) axe() []uiAxeViolation {
	p.t.Helper()
	var have bool
	p.eval(`typeof axe !== "undefined"`, &have)
	if !have {
		src, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
		if err != nil {
			p.t.Fatal(err)
		}
		p.eval(string(src), nil)
	}
	var v []uiAxeViolation
	p.eval(`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || '', help: v.help,
		targets: v.nodes.map(n => n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : s).join(' ')),
	})))`, &v)
	return v
}

// audit returns what makes the page fail the quality gate of check: axe's
// serious and critical violations, a horizontal scroll, not exactly one
// h1, no main landmark.
func (p *uiPage) audit() []string {
	p.t.Helper()
	var fails []string
	for _, v := range p.axe() {
		if v.Impact == "serious" || v.Impact == "critical" {
			fails = append(fails, fmt.Sprintf("axe %s (%s): %s: %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", ")))
		}
	}
	var m struct {
		ScrollWidth, InnerWidth, H1, Main int
	}
	p.eval(`({
		ScrollWidth: document.documentElement.scrollWidth, InnerWidth: window.innerWidth,
		H1: document.querySelectorAll('h1').length,
		Main: document.querySelectorAll('main, [role=main]').length,
	})`, &m)
	if m.ScrollWidth > m.InnerWidth {
		fails = append(fails, fmt.Sprintf("the page scrolls sideways: %d px wide in a %d px window", m.ScrollWidth, m.InnerWidth))
	}
	if m.H1 != 1 {
		fails = append(fails, fmt.Sprintf("the page has %d h1 elements, not 1", m.H1))
	}
	if m.Main == 0 {
		fails = append(fails, "the page has no main landmark")
	}
	return fails
}

// check is the quality gate for every page a test shows: it fails the
// test with the findings of audit, and saves a full-page screenshot as
// shotDir()/<name>-<width>x<height>-<light|dark>.png.
func (p *uiPage) check(name string) {
	p.t.Helper()
	for _, f := range p.audit() {
		p.t.Errorf("%s at %dx%d %s: %s", name, p.width, p.height, p.scheme(), f)
	}
	p.screenshot(name)
}

func (p *uiPage) scheme() string {
	if p.dark {
		return "dark"
	}
	return "light"
}

// screenshotPath is where check saves the screenshot called name.
func (p *uiPage) screenshotPath(name string) string {
	return filepath.Join(shotDir(p.t), fmt.Sprintf("%s-%dx%d-%s.png", name, p.width, p.height, p.scheme()))
}

// screenshot saves a full-page PNG of the page at screenshotPath(name).
func (p *uiPage) screenshot(name string) {
	p.t.Helper()
	var png []byte
	p.run("taking a screenshot", func(ctx context.Context) (err error) {
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		return err
	})
	if err := os.WriteFile(p.screenshotPath(name), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// shotDir is the directory of the screenshots: $MEDIANEST_UI_SHOTS, or
// medianest-ui-shots in the temporary directory. It exists on return.
func shotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MEDIANEST_UI_SHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "medianest-ui-shots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// signIn signs in with the local form of /login and waits for the header
// (the banner landmark) of the signed-in pages: on a phone their
// navigation is hidden behind the Menu button. It then lets the page
// settle: a navigation while the first page's module still loads would cut
// that request, whose end Chromium may never report.
func (p *uiPage) signIn(username, password string) {
	p.t.Helper()
	p.goTo("/login")
	p.fill("Username", username)
	p.fill("Password", password)
	p.click("button", "Sign in")
	p.waitRole("banner", "")
	p.settle()
}

// uiRecorder collects, from the events of a page and its popups, the
// problems that fail the test and the figures of transfer.
type uiRecorder struct {
	base string

	mu       sync.Mutex
	found    []string
	allowed  []uiAllowed
	reqs     map[string]*uiRequest
	docs     map[string]string // frame → loader of its current document
	lastSeen time.Time
	bytes    float64
	count    int
	fetched  []string
	front    target.ID // the window last brought to the front
}

type uiAllowed struct {
	prefix string
	code   int
}

type uiRequest struct {
	url         string
	frame       string // the frame and the document (loader) that sent it
	loader      string
	eventSource bool
	done        bool
	cached      bool
	status      int64
}

func (r *uiRecorder) problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.found)
}

// activity returns the requests in flight (EventSource streams aside) and
// how long the network has been quiet.
func (r *uiRecorder) activity() (busy []string, quiet time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, q := range r.reqs {
		if !q.done && !q.eventSource {
			busy = append(busy, q.url)
		}
	}
	return busy, time.Since(r.lastSeen)
}

// short is u relative to the server's base when it is on the server.
func (r *uiRecorder) short(u string) string {
	if rest, ok := strings.CutPrefix(u, r.base); ok && strings.HasPrefix(rest, "/") {
		return rest
	}
	return u
}

func (r *uiRecorder) isAllowed(u string, code int) bool {
	s := r.short(u)
	if pu, err := url.Parse(s); err == nil && pu.Host == "" {
		s = pu.Path
	}
	for _, a := range r.allowed {
		if a.code == code && strings.HasPrefix(s, a.prefix) {
			return true
		}
	}
	return false
}

// listener returns the event handler of one target; tag keeps the request
// ids of the targets apart. It runs on the reader of the browser's
// messages, so it only records.
func (r *uiRecorder) listener(tag string) func(ev any) {
	return func(ev any) {
		r.mu.Lock()
		defer r.mu.Unlock()
		id := func(rid network.RequestID) string { return tag + "/" + string(rid) }
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					switch {
					case a.Description != "":
						parts = append(parts, a.Description)
					case len(a.Value) > 0:
						var s string
						if json.Unmarshal(a.Value, &s) != nil {
							s = string(a.Value)
						}
						parts = append(parts, s)
					default:
						parts = append(parts, string(a.Type))
					}
				}
				r.found = append(r.found, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(parts, " ")))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			r.found = append(r.found, fmt.Sprintf("uncaught exception at %s:%d: %s", r.short(d.URL), d.LineNumber+1, msg))
		case *log.EventEntryAdded:
			// Network errors are the network events' to report, so that
			// allowStatus applies to them.
			if e.Entry.Level == log.EntryLevelError && e.Entry.Source != log.EntrySourceNetwork {
				r.found = append(r.found, fmt.Sprintf("browser log (%s): %s %s", e.Entry.Source, e.Entry.Text, r.short(e.Entry.URL)))
			}
		case *network.EventRequestWillBeSent:
			r.lastSeen = time.Now()
			frame, loader := string(e.FrameID), string(e.LoaderID)
			if e.Type == network.ResourceTypeDocument {
				// A navigation: Chromium cancels what the document it
				// leaves still had in flight without a loadingFailed.
				r.docs[frame] = loader
				for _, q := range r.reqs {
					if q.frame == frame && q.loader != loader {
						q.done = true
					}
				}
			}
			// A request of a document already left (its event came late)
			// is cancelled too.
			left := e.Type != network.ResourceTypeDocument && r.docs[frame] != "" && r.docs[frame] != loader
			r.reqs[id(e.RequestID)] = &uiRequest{url: e.Request.URL, frame: frame, loader: loader, done: left,
				eventSource: e.Type == network.ResourceTypeEventSource}
		case *network.EventRequestServedFromCache:
			// Chromium may never send loadingFinished for a module that
			// came from the memory cache: it is done here.
			if q := r.reqs[id(e.RequestID)]; q != nil {
				q.cached = true
				q.done = true
			}
		case *network.EventResponseReceived:
			r.lastSeen = time.Now()
			q := r.reqs[id(e.RequestID)]
			if q == nil {
				q = &uiRequest{url: e.Response.URL}
				r.reqs[id(e.RequestID)] = q
			}
			q.status = e.Response.Status
			if e.Response.FromDiskCache || e.Response.FromPrefetchCache || e.Response.FromServiceWorker {
				q.cached = true
			}
			if e.Type == network.ResourceTypeEventSource {
				q.eventSource = true
			}
			if e.Response.Status >= 400 && !r.isAllowed(e.Response.URL, int(e.Response.Status)) {
				r.found = append(r.found, fmt.Sprintf("HTTP %d for %s", e.Response.Status, r.short(e.Response.URL)))
			}
		case *network.EventLoadingFinished:
			r.lastSeen = time.Now()
			q := r.reqs[id(e.RequestID)]
			if q == nil {
				return
			}
			q.done = true
			if q.cached || strings.HasPrefix(q.url, "data:") || strings.HasPrefix(q.url, "blob:") {
				return
			}
			r.bytes += e.EncodedDataLength
			r.count++
			if q.status == 304 || (q.status >= 200 && q.status < 300) {
				r.fetched = append(r.fetched, r.short(q.url))
			}
		case *network.EventLoadingFailed:
			r.lastSeen = time.Now()
			q := r.reqs[id(e.RequestID)]
			if q == nil {
				// Never seen to start: the first navigation of a window
				// that opened before the recorder was attached to it
				// (Chromium then reports ERR_CACHE_MISS for the request it
				// handed over). That window's own page load shows whether
				// it worked.
				break
			}
			q.done = true
			u := r.short(q.url)
			// A request the page or a navigation cancelled is no failure.
			if !e.Canceled {
				msg := fmt.Sprintf("request failed: %s: %s", u, e.ErrorText)
				if e.BlockedReason != "" {
					msg += " (blocked: " + string(e.BlockedReason) + ")"
				}
				r.found = append(r.found, msg)
			}
		}
	}
}
