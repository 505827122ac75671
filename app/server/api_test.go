package server_test

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/principal"

	"medianest/app/auth"
	"medianest/app/config"
	"medianest/app/secret"
	"medianest/app/server"
	"medianest/db/dbtest"
)

type testServer struct {
	h     http.Handler
	admin string // an API token of an admin
	mint  func() string
	user  string // an API token of a plain user
}

func newAPIServer(t testing.TB) testServer {
	t.Helper()
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	cfg.Overseerr.WebhookSecret = "hook-secret"
	d := dbtest.New(t)
	box, _ := secret.NewBox(make([]byte, 32))
	// Accounts are made the way the CLI makes them: another auth service on
	// the same database.
	cli, err := auth.New(auth.Deps{DB: d, Box: box, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := cli.CreateLocalUser(context.Background(), "root", "a long enough password", "", principal.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	_, secretToken, err := cli.CreateToken(context.Background(), admin, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(context.Background(), cfg, d, server.Options{Version: "test", Box: box})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := cli.CreateLocalUser(context.Background(), "plain", "another long password", "", principal.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	_, userToken, err := cli.CreateToken(context.Background(), plain, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	mint := func() string {
		_, tok, err := cli.CreateToken(context.Background(), admin, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	return testServer{h: s.Handler(), admin: secretToken, mint: mint, user: userToken}
}

func (ts testServer) do(method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.10:5555"
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	// No deadline: password hashing under -race on a busy machine takes what
	// it takes, and a request context that ends looks to the server like a
	// client that went away (nothing is answered). Only an event stream,
	// which runs until its client leaves, is left once it has started.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	w := httptest.NewRecorder()
	ts.h.ServeHTTP(streamRecorder{w, cancel}, r.WithContext(ctx))
	return w
}

// streamRecorder leaves (cancels the request) as soon as an event stream's
// headers are written: the tests look only at how the stream began.
type streamRecorder struct {
	*httptest.ResponseRecorder
	leave context.CancelFunc
}

func (s streamRecorder) WriteHeader(code int) {
	s.ResponseRecorder.WriteHeader(code)
	if strings.HasPrefix(s.Header().Get("Content-Type"), "text/event-stream") {
		s.leave()
	}
}

func TestUnknownAPIPath(t *testing.T) {
	ts := newAPIServer(t)
	if w := ts.do("GET", "/api/v1/no/such/thing", ""); w.Code != 401 {
		t.Fatalf("anonymous: %d %s", w.Code, w.Body)
	}
	w := ts.do("GET", "/api/v1/no/such/thing", "", "Authorization", "Bearer "+ts.admin)
	if w.Code != 404 || !strings.Contains(w.Body.String(), `"NOT_FOUND"`) {
		t.Fatalf("signed in: %d %s", w.Code, w.Body)
	}
}

func TestLocalSignInThroughTheServer(t *testing.T) {
	ts := newAPIServer(t)
	w := ts.do("POST", "/api/v1/auth/login", `{"username":"root","password":"a long enough password"}`, "Content-Type", "application/json")
	if w.Code != 200 {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	var cookie string
	for _, c := range w.Result().Cookies() {
		if c.Name == "medianest_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie == "" {
		t.Fatal("no session cookie")
	}
	w = ts.do("GET", "/api/v1/auth/session", "", "Cookie", cookie)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"via":"cookie"`) {
		t.Fatalf("session: %d %s", w.Code, w.Body)
	}
	if w := ts.do("GET", "/api/v1/admin/users", "", "Cookie", cookie); w.Code != 200 {
		t.Fatalf("admin users: %d", w.Code)
	}
}

// Every operation of the OpenAPI document is routed: none falls through to
// the unknown-path handler or to a 405.
func TestOpenAPIOperationsAreRouted(t *testing.T) {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	ts := newAPIServer(t)
	if w := ts.do("GET", "/api/v1/openapi.json", ""); w.Code != 200 || !json.Valid(w.Body.Bytes()) {
		t.Fatalf("openapi.json: %d", w.Code)
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	n := 0
	for path, ops := range doc.Paths {
		for method := range ops {
			method = strings.ToUpper(method)
			switch method {
			case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE":
			default:
				continue // servers, parameters, summary
			}
			full := "/api/v1" + param.ReplaceAllString(path, "1")
			switch path {
			case "/health", "/health/ready", "/metrics":
				full = path
			case "/media/{mediaType}/{tmdbId}":
				full = "/api/v1/media/movie/1"
			}
			// A fresh token each time: some operations end sessions or delete tokens.
			w := ts.do(method, full, "{}", "Authorization", "Bearer "+ts.mint(), "Content-Type", "application/json")
			if w.Code == 405 || strings.Contains(w.Body.String(), "No API route") || strings.Contains(w.Body.String(), "Sign in first") {
				t.Errorf("%s %s is documented but not routed (%d %s)", method, path, w.Code, w.Body)
			}
			n++
		}
	}
	if n < 50 {
		t.Fatalf("only %d operations checked", n)
	}
}

// Every route the server registers is documented: the reverse of
// TestOpenAPIOperationsAreRouted. The patterns are the "METHOD /path"
// literals handed to Handle or HandleFunc in the application's source (every
// package registers its routes that way); each one is first confirmed to be
// routed by the server, then looked up among the document's operations.
// The UI fallback "/" and the catch-all "/api/v1/" carry no method and are
// not operations.
func TestRoutesAreDocumented(t *testing.T) {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	patterns := registeredPatterns(t, "..")
	if len(patterns) < 50 {
		t.Fatalf("found only %d route patterns: %q", len(patterns), patterns)
	}
	ts := newAPIServer(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, p := range patterns {
		method, path, _ := strings.Cut(p, " ")
		full := param.ReplaceAllString(path, "1")
		w := ts.do(method, full, "{}", "Authorization", "Bearer "+ts.mint(), "Content-Type", "application/json")
		if w.Code == 405 || strings.Contains(w.Body.String(), "No API route") {
			t.Errorf("%s is registered in the source but the server does not route it (%d)", p, w.Code)
			continue
		}
		docPath := strings.TrimPrefix(path, "/api/v1")
		if !documented(doc.Paths, method, docPath) {
			t.Errorf("%s is routed but not documented in openapi.json (as %s %s)", p, strings.ToLower(method), docPath)
		}
	}
}

// documented reports whether paths has an operation for method on path,
// where a {parameter} segment of either side matches any segment.
func documented(paths map[string]map[string]json.RawMessage, method, path string) bool {
	want := strings.Split(path, "/")
	for p, ops := range paths {
		if _, ok := ops[strings.ToLower(method)]; !ok {
			continue
		}
		have := strings.Split(p, "/")
		if len(have) != len(want) {
			continue
		}
		same := true
		for i := range have {
			if have[i] != want[i] && !strings.HasPrefix(have[i], "{") && !strings.HasPrefix(want[i], "{") {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// registeredPatterns returns the "METHOD /path" string literals passed as
// the first argument of a Handle or HandleFunc call in the Go files under
// dir, leaving out tests and the fakes of upstream services (packages
// named *test).
func registeredPatterns(t *testing.T, dir string) []string {
	t.Helper()
	route := regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE) /\S*$`)
	seen := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasSuffix(d.Name(), "test") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && route.MatchString(s) {
				seen[s] = true
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(seen))
}

// Every documented operation that needs a signed-in caller answers 401 to an
// anonymous one, and every admin operation answers 403 to a plain user.
func TestAuthorizationOfEveryOperation(t *testing.T) {
	b, _ := os.ReadFile("openapi.json")
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	ts := newAPIServer(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	checked := 0
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			method = strings.ToUpper(method)
			switch method {
			case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE":
			default:
				continue
			}
			var op struct {
				Security *[]map[string][]string `json:"security"`
			}
			json.Unmarshal(raw, &op)
			if strings.HasPrefix(path, "/health") || path == "/metrics" {
				continue
			}
			full := "/api/v1" + param.ReplaceAllString(path, "1")
			public := op.Security != nil && len(*op.Security) == 0
			if !public {
				if w := ts.do(method, full, "{}", "Content-Type", "application/json"); w.Code != 401 {
					t.Errorf("anonymous %s %s: %d, want 401", method, path, w.Code)
				}
				checked++
			}
			if strings.HasPrefix(path, "/admin/") {
				w := ts.do(method, full, "{}", "Authorization", "Bearer "+ts.user, "Content-Type", "application/json")
				if w.Code != 403 || !strings.Contains(w.Body.String(), `"FORBIDDEN"`) {
					t.Errorf("user %s %s: %d, want 403 FORBIDDEN", method, path, w.Code)
				}
				checked++
			}
		}
	}
	if checked < 55 {
		t.Fatalf("only %d checks ran", checked)
	}
}

// A live event stream does not outlive the account's access: disabling the
// user ends it at once.
func TestEventStreamEndsWhenUserIsDisabled(t *testing.T) {
	ts := newAPIServer(t)
	srv := httptest.NewServer(ts.h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+ts.user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	ended := make(chan struct{})
	go func() {
		io.Copy(io.Discard, resp.Body)
		close(ended)
	}()
	// The hub subscribes the stream before it answers 200, so the stream is
	// registered by now.
	w := ts.do("PATCH", "/api/v1/admin/users/2", `{"status":"disabled"}`, "Authorization", "Bearer "+ts.admin, "Content-Type", "application/json")
	if w.Code != 200 {
		t.Fatalf("disable: %d %s", w.Code, w.Body)
	}
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
		t.Fatal("the disabled user's event stream is still open")
	}
}
