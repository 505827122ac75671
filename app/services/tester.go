package services

import (
	"context"
	"errors"
	"fmt"
	"time"

	"medianest/app/kuma"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/upstream"
)

// PlexTester is what the Plex test needs (*plex.PMS).
type PlexTester interface {
	Identity(ctx context.Context, conn plex.Conn) (plex.ServerIdentity, error)
	ServerInfo(ctx context.Context, conn plex.Conn) (plex.ServerInfo, error)
}

// OverseerrTester is what the Overseerr test needs (*overseerr.Client):
// Check reads the public status and then makes an authenticated call.
type OverseerrTester interface {
	Check(ctx context.Context, conn overseerr.Conn) (overseerr.Status, error)
}

// KumaTester is what the Uptime Kuma test needs (*kuma.Client).
type KumaTester interface {
	StatusPage(ctx context.Context, baseURL, slug string) (kuma.Page, error)
}

// ConnTesterDeps are the clients the tests call; a nil client makes its
// service's test say it cannot be tested.
type ConnTesterDeps struct {
	Plex      PlexTester
	Overseerr OverseerrTester
	Kuma      KumaTester
}

// ConnTester runs the admin "test" button (a Tester over the real clients):
// it tries a service's settings, including the key, and says in one
// sentence what works or what does not.
type ConnTester struct {
	d ConnTesterDeps
}

var _ Tester = (*ConnTester)(nil)

// NewConnTester returns a tester over the given clients.
func NewConnTester(d ConnTesterDeps) *ConnTester { return &ConnTester{d: d} }

// Test tries svc. It never fails: the result's OK and Message say how it
// went. Calls bypass the circuit breaker, since the point is to see whether
// the (possibly new) settings work right now.
func (t *ConnTester) Test(ctx context.Context, svc Service) TestResult {
	ctx = upstream.Probe(ctx)
	start := time.Now()
	var res TestResult
	switch svc.Name {
	case Plex:
		res = t.plex(ctx, svc)
	case Overseerr:
		res = t.overseerr(ctx, svc)
	case UptimeKuma:
		res = t.kuma(ctx, svc)
	default:
		res = TestResult{Message: fmt.Sprintf("%s cannot be tested.", svc.Name)}
	}
	res.LatencyMs = time.Since(start).Milliseconds()
	return res
}

func (t *ConnTester) plex(ctx context.Context, svc Service) TestResult {
	if t.d.Plex == nil {
		return TestResult{Message: "Plex cannot be tested here."}
	}
	conn := plex.Conn{URL: svc.URL, Token: svc.APIKey}
	id, err := t.d.Plex.Identity(ctx, conn)
	if err != nil {
		return TestResult{Message: testMessage(err, "Plex")}
	}
	res := TestResult{Version: id.Version}
	if svc.APIKey == "" {
		res.Message = "Plex Media Server answers, but no token is set: MediaNest needs the server owner's Plex token."
		return res
	}
	info, err := t.d.Plex.ServerInfo(ctx, conn)
	switch {
	case plex.StatusCode(err) == 401 || plex.StatusCode(err) == 403:
		res.Message = "Plex Media Server answers, but did not accept the token."
		return res
	case err != nil:
		res.Message = testMessage(err, "Plex")
		return res
	}
	res.OK = true
	name := info.FriendlyName
	if name == "" {
		name = id.MachineIdentifier
	}
	res.Message = fmt.Sprintf("Connected to %q, Plex Media Server %s.", name, id.Version)
	return res
}

func (t *ConnTester) overseerr(ctx context.Context, svc Service) TestResult {
	if t.d.Overseerr == nil {
		return TestResult{Message: "Overseerr cannot be tested here."}
	}
	st, err := t.d.Overseerr.Check(ctx, overseerr.Conn{URL: svc.URL, APIKey: svc.APIKey})
	res := TestResult{Version: st.Version}
	switch {
	case err != nil && st.Version != "" && svc.APIKey == "":
		res.Message = "Overseerr answers, but no API key is set (Settings → General → API Key in Overseerr)."
	case err != nil:
		res.Message = testMessage(err, "Overseerr")
	default:
		res.OK = true
		res.Message = fmt.Sprintf("Connected to Overseerr %s; the API key works.", st.Version)
	}
	return res
}

func (t *ConnTester) kuma(ctx context.Context, svc Service) TestResult {
	if t.d.Kuma == nil {
		return TestResult{Message: "Uptime Kuma cannot be tested here."}
	}
	slug := svc.Options["statusPage"]
	if slug == "" {
		return TestResult{Message: "Set the status page (options.statusPage) to the slug of an Uptime Kuma status page."}
	}
	page, err := t.d.Kuma.StatusPage(ctx, svc.URL, slug)
	if err != nil {
		return TestResult{Message: testMessage(err, "Uptime Kuma")}
	}
	n := 0
	for _, g := range page.Groups {
		n += len(g.Monitors)
	}
	return TestResult{OK: true, Message: fmt.Sprintf("Found the status page %q with %d monitors.", page.Title, n)}
}

// testMessage is the one place a test turns a client's failure into words:
// the sentence of the plex, overseerr, kuma or upstream error, which names
// the service but never its URL or key, or a generic one naming display.
func testMessage(err error, display string) string {
	var m interface{ Message() string }
	if errors.As(err, &m) && m.Message() != "" {
		return m.Message()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return display + " did not answer in time."
	}
	return display + " could not be reached."
}
