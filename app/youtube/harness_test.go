package youtube_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/events"
	"medianest/app/httpx"
	"medianest/app/notify"
	"medianest/app/principal"
	"medianest/app/youtube"
	"medianest/app/ytdlp"
	"medianest/db"
	"medianest/db/dbtest"
)

var (
	alice = principal.User{ID: 1, Username: "alice", Role: principal.RoleUser, Status: principal.StatusActive, Provider: principal.ProviderLocal}
	bob   = principal.User{ID: 2, Username: "bob", Role: principal.RoleUser, Status: principal.StatusActive, Provider: principal.ProviderLocal}
	admin = principal.User{ID: 3, Username: "root", Role: principal.RoleAdmin, Status: principal.StatusActive, Provider: principal.ProviderLocal}
)

// fakeGuard authenticates by the X-Test-User header (a user id).
type fakeGuard struct {
	mu    sync.Mutex
	users map[int64]principal.User
}

func (g *fakeGuard) user(r *http.Request) (principal.User, bool) {
	id, _ := strconv.ParseInt(r.Header.Get("X-Test-User"), 10, 64)
	g.mu.Lock()
	defer g.mu.Unlock()
	u, ok := g.users[id]
	return u, ok
}

func (g *fakeGuard) RequireUser(next http.Handler) http.Handler {
	return httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		u, ok := g.user(r)
		if !ok {
			return apperr.New(apperr.Unauthorized, "Sign in first.")
		}
		next.ServeHTTP(w, r.WithContext(principal.WithUser(r.Context(), u)))
		return nil
	})
}

func (g *fakeGuard) RequireAdmin(next http.Handler) http.Handler {
	return g.RequireUser(httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		if u, _ := principal.UserFrom(r.Context()); !u.IsAdmin() {
			return apperr.New(apperr.Forbidden, "This needs an administrator.")
		}
		next.ServeHTTP(w, r)
		return nil
	}))
}

// fakeURLs admits https URLs of youtu.be and www.youtube.com.
type fakeURLs struct{}

func (fakeURLs) Check(_ context.Context, raw string) (string, error) {
	if strings.HasPrefix(raw, "https://youtu.be/") || strings.HasPrefix(raw, "https://www.youtube.com/") {
		return raw, nil
	}
	return "", apperr.New(apperr.InvalidURL, "Only YouTube links can be downloaded.")
}

// fakeDL is the yt-dlp runner: Metadata from infos, Download by run (or
// by writing a small file named after the job into Job.Dir).
type fakeDL struct {
	mu        sync.Mutex
	infos     map[string]ytdlp.Info
	metaErr   error
	metaCalls int
	run       func(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error)
	jobs      []ytdlp.Job
	started   chan ytdlp.Job
}

func (f *fakeDL) Metadata(_ context.Context, url string) (ytdlp.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.metaCalls++
	if f.metaErr != nil {
		return ytdlp.Info{}, f.metaErr
	}
	if info, ok := f.infos[url]; ok {
		return info, nil
	}
	id := url[strings.LastIndex(url, "/")+1:]
	return ytdlp.Info{Kind: "video", ID: id, Title: "Video " + id, Channel: "Chan", DurationSeconds: 60}, nil
}

func (f *fakeDL) Download(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error) {
	f.mu.Lock()
	f.jobs = append(f.jobs, job)
	run, started := f.run, f.started
	f.mu.Unlock()
	if started != nil {
		started <- job
	}
	if run != nil {
		return run(ctx, job)
	}
	return writeFile(job)
}

func (f *fakeDL) setRun(run func(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error)) {
	f.mu.Lock()
	f.run = run
	f.mu.Unlock()
}

func (f *fakeDL) items() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for _, j := range f.jobs {
		out = append(out, j.Item)
	}
	return out
}

// writeFile does what the runner does on success: a partial file in
// TempDir, moved complete into Dir/<channel>/.
func writeFile(job ytdlp.Job) (ytdlp.Result, error) {
	name := strings.NewReplacer("/", "_", ":", "_").Replace(job.URL[strings.LastIndex(job.URL, "/")+1:])
	if job.Item > 0 {
		name += "-" + strconv.Itoa(job.Item)
	}
	part := filepath.Join(job.TempDir, name+".mp4.part")
	if err := os.WriteFile(part, []byte("video bytes "+name), 0o644); err != nil {
		return ytdlp.Result{}, err
	}
	dir := filepath.Join(job.Dir, "Chan")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ytdlp.Result{}, err
	}
	final := filepath.Join(dir, name+" ["+name+"].mp4")
	if err := os.Rename(part, final); err != nil {
		return ytdlp.Result{}, err
	}
	os.WriteFile(strings.TrimSuffix(final, ".mp4")+".jpg", []byte("poster"), 0o644)
	return ytdlp.Result{Files: []string{final, strings.TrimSuffix(final, ".mp4") + ".jpg"}}, nil
}

// fakeLib is Plex: scanErrs are returned by the next scans in turn.
type fakeLib struct {
	mu       sync.Mutex
	scanErrs []error
	scans    []string
	collErrs []error
	colls    []string
}

func (l *fakeLib) Scan(_ context.Context, file string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.scans = append(l.scans, file)
	if len(l.scanErrs) > 0 {
		err := l.scanErrs[0]
		l.scanErrs = l.scanErrs[1:]
		return err
	}
	return nil
}

func (l *fakeLib) Collect(_ context.Context, title string, files []string) (youtube.Collection, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.colls = append(l.colls, title)
	if len(l.collErrs) > 0 {
		err := l.collErrs[0]
		l.collErrs = l.collErrs[1:]
		return youtube.Collection{}, err
	}
	return youtube.Collection{RatingKey: "900", Title: title}, nil
}

// recorder keeps events, audit entries and notifications; changed is
// signalled after each.
type recorder struct {
	mu      sync.Mutex
	events  []events.Event
	audits  []audit.Entry
	notes   []notify.Notification
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 1)} }

func (r *recorder) signal() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) Publish(e events.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	r.signal()
}

func (r *recorder) Record(_ context.Context, e audit.Entry) {
	r.mu.Lock()
	r.audits = append(r.audits, e)
	r.mu.Unlock()
}

func (r *recorder) Notify(_ context.Context, userID int64, n notify.Notification) (notify.Notification, error) {
	r.mu.Lock()
	r.notes = append(r.notes, n)
	r.mu.Unlock()
	r.signal()
	return n, nil
}

// waitNotes waits until at least n notifications were sent (they go out
// just after the status they tell of is stored) and returns them.
func (r *recorder) waitNotes(t *testing.T, n int) []notify.Notification {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		notes := slices.Clone(r.notes)
		r.mu.Unlock()
		if len(notes) >= n {
			return notes
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("%d notifications within 5s, want %d: %+v", len(notes), n, notes)
		}
	}
}

func (r *recorder) eventsOf(typ string) []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type names struct{}

func (names) Usernames(_ context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, u := range []principal.User{alice, bob, admin} {
		out[u.ID] = u.Username
	}
	return out, nil
}

type env struct {
	t     *testing.T
	db    *db.DB
	svc   *youtube.Service
	h     http.Handler
	dl    *fakeDL
	lib   *fakeLib
	rec   *recorder
	clock *clock
	guard *fakeGuard
	imgs  *fakeImages
	dir   string
	stop  func()
}

// newEnv builds the service over a migrated database; start runs it.
func newEnv(t *testing.T, mod func(*youtube.Config)) *env {
	t.Helper()
	return newEnvWith(t, nil, mod)
}

// newEnvWith is newEnv with another Downloader than the in-process fake
// (nil: the fake), such as the real runner driving a fake yt-dlp process.
func newEnvWith(t *testing.T, dl youtube.Downloader, mod func(*youtube.Config)) *env {
	t.Helper()
	d := dbtest.New(t)
	for _, u := range []principal.User{alice, bob, admin} {
		if _, err := d.W.Exec(`INSERT INTO users (id, username, role, status, provider, created_at, updated_at) VALUES (?, ?, ?, 'active', 'local', 0, 0)`,
			u.ID, u.Username, u.Role); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, db: d, dl: &fakeDL{infos: map[string]ytdlp.Info{}}, lib: &fakeLib{}, rec: newRecorder(),
		clock: &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}, dir: t.TempDir(),
		guard: &fakeGuard{users: map[int64]principal.User{1: alice, 2: bob, 3: admin}},
		imgs:  &fakeImages{hosts: map[string]http.Handler{}}}
	cfg := youtube.Config{Enabled: true, DownloadDir: e.dir, Concurrency: 1, MaxAttempts: 3, QuotaPerHour: 5,
		MaxBytesPerUser: 10 << 30, Timeout: time.Minute, MaxDuration: 4 * time.Hour, CreateCollections: true,
		Poll: 20 * time.Millisecond, PlexRetry: 20 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	if dl == nil {
		dl = e.dl
	}
	svc, err := youtube.New(youtube.Deps{DB: d, Downloader: dl, URLs: fakeURLs{}, Library: e.lib,
		Users: names{}, Notifier: e.rec, Events: e.rec, Audit: e.rec, Config: cfg, Now: e.clock.Now,
		ImageTransport: e.imgs})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	mux := http.NewServeMux()
	svc.Routes(mux, e.guard)
	e.h = mux
	t.Cleanup(func() {
		if e.stop != nil {
			e.stop()
		}
	})
	return e
}

// start runs Init and then the workers until the test ends (or stop).
func (e *env) start() {
	e.t.Helper()
	if err := e.svc.Init(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Run(ctx)
	}()
	e.stop = func() {
		cancel()
		<-done
		e.stop = nil
	}
}

type resp struct {
	Code   int
	Header http.Header
	Body   struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Meta    map[string]any  `json:"meta"`
		Error   struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details []apperr.FieldError
		} `json:"error"`
	}
}

func (e *env) do(u principal.User, method, path string, body any) resp {
	e.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, "/api/v1"+path, rd)
	req.Header.Set("X-Test-User", strconv.FormatInt(u.ID, 10))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	var r resp
	r.Code, r.Header = w.Code, w.Header()
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &r.Body); err != nil {
			e.t.Fatalf("%s %s: %d %q: %v", method, path, w.Code, w.Body.String(), err)
		}
	}
	return r
}

func (r resp) download(t *testing.T) youtube.Download {
	t.Helper()
	var d youtube.Download
	if err := json.Unmarshal(r.Body.Data, &d); err != nil {
		t.Fatalf("decode download %s: %v", r.Body.Data, err)
	}
	return d
}

// submit posts a download and wants 201.
func (e *env) submit(u principal.User, url string) youtube.Download {
	e.t.Helper()
	r := e.do(u, "POST", "/youtube/downloads", map[string]string{"url": url})
	if r.Code != http.StatusCreated {
		e.t.Fatalf("submit %s: %d %+v", url, r.Code, r.Body.Error)
	}
	return r.download(e.t)
}

func (e *env) get(u principal.User, id int64) youtube.Download {
	e.t.Helper()
	r := e.do(u, "GET", "/youtube/downloads/"+strconv.FormatInt(id, 10), nil)
	if r.Code != http.StatusOK {
		e.t.Fatalf("get %d: %d %+v", id, r.Code, r.Body.Error)
	}
	return r.download(e.t)
}

// waitFor waits (up to 10 s) until cond holds for download id, checked on
// every event and notification.
func (e *env) waitFor(id int64, what string, cond func(youtube.Download) bool) youtube.Download {
	e.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		d := e.get(admin, id)
		if cond(d) {
			return d
		}
		select {
		case <-e.rec.changed:
		case <-deadline:
			e.t.Fatalf("download %d never %s; it is %+v", id, what, d)
		}
	}
}

func (e *env) waitStatus(id int64, status string) youtube.Download {
	e.t.Helper()
	return e.waitFor(id, status, func(d youtube.Download) bool { return d.Status == status })
}

func playlist(id string, n int) ytdlp.Info {
	info := ytdlp.Info{Kind: "playlist", ID: id, Title: "List " + id, Channel: "Chan"}
	for i := 1; i <= n; i++ {
		info.Entries = append(info.Entries, ytdlp.Entry{Index: i, ID: id + strconv.Itoa(i), Title: "Entry " + strconv.Itoa(i), DurationSeconds: 60})
	}
	return info
}
