package services_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"medianest/app/httpx"
	"medianest/app/kuma"
	"medianest/app/kuma/kumatest"
	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/plex"
	"medianest/app/plex/plextest"
	"medianest/app/services"
	"medianest/app/upstream"
)

type testerEnv struct {
	pms    *plextest.PMS
	ovr    *overseerrtest.Server
	kuma   *kumatest.Server
	tester *services.ConnTester
}

func newTesterEnv(t *testing.T) testerEnv {
	t.Helper()
	e := testerEnv{pms: plextest.NewPMS(t), ovr: overseerrtest.New(t), kuma: kumatest.New(t)}
	opts := upstream.Options{Timeout: 2 * time.Second, Retries: -1, FailuresToOpen: 2, OpenFor: time.Hour}
	e.tester = services.NewConnTester(services.ConnTesterDeps{
		Plex:      plex.NewPMS(upstream.New("plex", "Plex", opts), plex.Identity{ClientID: "tester-test", Product: "MediaNest"}),
		Overseerr: overseerr.New(opts),
		Kuma:      kuma.New(upstream.New("uptime_kuma", "Uptime Kuma", opts)),
	})
	return e
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestConnTester(t *testing.T) {
	e := newTesterEnv(t)
	ctx := context.Background()
	refused := "http://" + closedPort(t)
	cases := []struct {
		name    string
		svc     services.Service
		ok      bool
		version string
		message string
	}{
		{"plex ok", services.Service{Name: "plex", URL: e.pms.URL, APIKey: e.pms.OwnerToken()}, true, "1.41.3.9314-a0bfb8370", "HomeFlix"},
		{"plex wrong token", services.Service{Name: "plex", URL: e.pms.URL, APIKey: "wrong"}, false, "1.41.3.9314-a0bfb8370", "did not accept the token"},
		{"plex no token", services.Service{Name: "plex", URL: e.pms.URL}, false, "1.41.3.9314-a0bfb8370", "no token"},
		{"plex refused", services.Service{Name: "plex", URL: refused, APIKey: "x"}, false, "", "Plex refused the connection; is it running?"},
		{"plex bad url", services.Service{Name: "plex", URL: "ftp://plex", APIKey: "x"}, false, "", "not a valid http(s) URL"},
		{"overseerr ok", services.Service{Name: "overseerr", URL: e.ovr.URL, APIKey: e.ovr.APIKey()}, true, "1.33.2", "API key works"},
		{"overseerr wrong key", services.Service{Name: "overseerr", URL: e.ovr.URL, APIKey: "wrong"}, false, "1.33.2", "Overseerr refused the API key."},
		{"overseerr no key", services.Service{Name: "overseerr", URL: e.ovr.URL}, false, "1.33.2", "no API key"},
		{"overseerr is plex", services.Service{Name: "overseerr", URL: e.pms.URL, APIKey: "x"}, false, "", "Overseerr"},
		{"kuma ok", services.Service{Name: "uptime_kuma", URL: e.kuma.URL, Options: map[string]string{"statusPage": "home"}}, true, "", "Home Services"},
		{"kuma wrong page", services.Service{Name: "uptime_kuma", URL: e.kuma.URL, Options: map[string]string{"statusPage": "away"}}, false, "", `Uptime Kuma has no status page "away".`},
		{"kuma no page", services.Service{Name: "uptime_kuma", URL: e.kuma.URL}, false, "", "status page"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.tester.Test(ctx, c.svc)
			if res.OK != c.ok || res.Version != c.version || !strings.Contains(res.Message, c.message) || res.LatencyMs < 0 {
				t.Fatalf("%+v", res)
			}
			for _, secret := range []string{e.pms.OwnerToken(), e.ovr.APIKey()} {
				if strings.Contains(res.Message, secret) {
					t.Fatalf("the message shows a key: %q", res.Message)
				}
			}
		})
	}
	// A hanging server: the test ends with the caller's deadline.
	e.ovr.SetHang(true)
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	res := e.tester.Test(tctx, services.Service{Name: "overseerr", URL: e.ovr.URL, APIKey: e.ovr.APIKey()})
	if res.OK || !strings.Contains(res.Message, "in time") {
		t.Fatalf("hang: %+v", res)
	}
}

// TestConnTesterThroughAdminAPI runs the admin test endpoint with the real
// tester: a wrong key is ok:false with a useful message, still 200.
func TestConnTesterThroughAdminAPI(t *testing.T) {
	e := newTesterEnv(t)
	store, _ := newStore(t)
	if _, err := store.Put(context.Background(), services.Service{Name: services.Overseerr, URL: e.ovr.URL, APIKey: e.ovr.APIKey(), Enabled: true}, false); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	services.NewHandlers(services.HandlerDeps{Store: store, Tester: e.tester}).Routes(mux, open{})
	h := httpx.Wrap(mux, httpx.Options{})
	call := func(body string) services.TestResult {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/admin/services/overseerr/test", strings.NewReader(body)))
		if rec.Code != 200 {
			t.Fatal(rec.Code, rec.Body.String())
		}
		var env struct {
			Data services.TestResult `json:"data"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatal(err)
		}
		return env.Data
	}
	res := call(`{"url":"` + e.ovr.URL + `","apiKey":"wrong","enabled":true}`)
	if res.OK || res.Message != "Overseerr refused the API key." || res.Version != "1.33.2" {
		t.Fatalf("%+v", res)
	}
	if res := call(""); !res.OK {
		t.Fatalf("%+v", res)
	}
}
