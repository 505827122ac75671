// Package ytdlptest stands in for yt-dlp in tests: the test binary itself
// plays yt-dlp for a named scenario, printing yt-dlp's real progress and
// error lines and writing a real file where the output template says.
//
//	func TestMain(m *testing.M) { ytdlptest.Main(); os.Exit(m.Run()) }
//
//	r := ytdlp.New(ytdlp.Config{Path: ytdlptest.Path(t, "ok")})
package ytdlptest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Clip is a real 2-second H.264/AAC mp4 (160x120), what the fake writes
// and the media server serves.
//
//go:embed testdata/clip.mp4
var Clip []byte

// Environment the fake reads; Path sets them.
const (
	envScenario = "MEDIANEST_FAKE_YTDLP"
	envCalls    = "MEDIANEST_FAKE_YTDLP_CALLS" // file: one JSON line of args per run
	envPids     = "MEDIANEST_FAKE_YTDLP_PIDS"  // file: pids of the slow scenarios' processes
	envExit     = "MEDIANEST_FAKE_YTDLP_EXIT"
	envStderr   = "MEDIANEST_FAKE_YTDLP_STDERR"
)

// Scenarios the fake knows:
//
//	ok            one video "clip" (id clip); -J describes a YouTube-like video
//	playlist      "Holiday Clips", two entries, honouring --playlist-items; -J a flat playlist
//	private, unavailable, unsupported, http500, format, badargs (exit 2)
//	toolarge      the max-filesize line, exit 0, no file
//	nofile        exit 0, nothing printed
//	slow          a .part in temp, progress every 50 ms until killed, with a child process
//	slow-stubborn like slow, but both processes ignore SIGTERM
//	flaky:N       fails with a connection reset the first N runs (default 1), then ok
//	fail          prints $MEDIANEST_FAKE_YTDLP_STDERR, exits $MEDIANEST_FAKE_YTDLP_EXIT (see Fail)
const (
	sleeper = "sleeper" // internal: the child of the slow scenarios
)

// Path makes the test binary play yt-dlp for scenario and returns its path,
// for ytdlp.Config.Path. The test's TestMain must call Main.
func Path(t testing.TB, scenario string) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(envScenario, scenario)
	t.Setenv(envCalls, filepath.Join(dir, "calls"))
	t.Setenv(envPids, filepath.Join(dir, "pids"))
	p, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Fail is Path for the "fail" scenario: the fake prints stderr and exits
// with code.
func Fail(t testing.TB, code int, stderr string) string {
	t.Helper()
	p := Path(t, "fail")
	t.Setenv(envExit, strconv.Itoa(code))
	t.Setenv(envStderr, stderr)
	return p
}

// Calls returns the arguments of every run of the fake since Path, in order.
func Calls(t testing.TB) [][]string {
	t.Helper()
	b, err := os.ReadFile(os.Getenv(envCalls))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var calls [][]string
	for l := range strings.Lines(string(b)) {
		var args []string
		if err := json.Unmarshal([]byte(l), &args); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, args)
	}
	return calls
}

// Pids returns the process ids the slow scenarios started (the fake and
// its child), once both have written them.
func Pids(t testing.TB) []int {
	t.Helper()
	b, err := os.ReadFile(os.Getenv(envPids))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, n)
	}
	return pids
}

// Main plays yt-dlp and exits when the test binary was started by Path;
// otherwise it returns at once.
func Main() {
	scenario, ok := os.LookupEnv(envScenario)
	if !ok {
		return
	}
	if scenario == sleeper {
		os.Exit(sleep())
	}
	appendFile(os.Getenv(envCalls), mustJSON(os.Args[1:])+"\n")
	os.Exit(run(scenario, parse(os.Args[1:])))
}

// args is what the fake understands of the runner's command line.
type args struct {
	home, temp, output, printFile string
	items                         int
	json                          bool
	url                           string
	maxFilesize                   int64
}

func parse(a []string) args {
	var p args
	for i := 0; i < len(a); i++ {
		next := func() string {
			if i+1 < len(a) {
				i++
				return a[i]
			}
			return ""
		}
		switch a[i] {
		case "--":
			p.url = strings.Join(a[i+1:], " ")
			return p
		case "-P", "--paths":
			v := next()
			if d, ok := strings.CutPrefix(v, "home:"); ok {
				p.home = d
			} else if d, ok := strings.CutPrefix(v, "temp:"); ok {
				p.temp = d
			}
		case "-o", "--output":
			p.output = next()
		case "-I", "--playlist-items":
			p.items, _ = strconv.Atoi(next())
		case "--max-filesize":
			p.maxFilesize, _ = strconv.ParseInt(next(), 10, 64)
		case "-J", "--dump-single-json":
			p.json = true
		case "--print-to-file":
			next()
			p.printFile = next()
		case "-f", "-S", "--progress-template", "--print", "--ffmpeg-location", "--merge-output-format", "--audio-format":
			next()
		}
	}
	return p
}

// The real lines yt-dlp 2023.03.04 printed to stderr (reference, run).
const (
	privateErr     = "ERROR: [youtube] xXprivXx0: Private video. Sign in if you've been granted access to this video\n"
	unavailableErr = "ERROR: [youtube] xXgoneXx0: Video unavailable. This video has been removed by the uploader\n"
	http500Err     = "ERROR: [generic] None: Unable to download webpage: HTTP Error 500: Internal Server Error (caused by <HTTPError 500: 'Internal Server Error'>); please report this issue on  https://github.com/yt-dlp/yt-dlp/issues?q= , filling out the appropriate issue template. Confirm you are on the latest version using  yt-dlp -U\n"
	resetErr       = "ERROR: [generic] Unable to download webpage: [Errno 104] Connection reset by peer (caused by ConnectionResetError(104, 'Connection reset by peer'))\n"
	formatErr      = "ERROR: [generic] clip: Requested format is not available. Use --list-formats for a list of available formats\n"
	badArgsErr     = "Usage: yt-dlp [OPTIONS] URL [URL...]\n\nyt-dlp: error: no such option: --bogus-flag\n"
)

func run(scenario string, a args) int {
	stack := "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/yt_dlp/YoutubeDL.py\", line 1, in wrapper\n"
	name, n, _ := strings.Cut(scenario, ":")
	switch name {
	case "private":
		return fail(1, stack+privateErr)
	case "unavailable":
		return fail(1, unavailableErr)
	case "unsupported":
		return fail(1, "WARNING: [generic] Falling back on generic information extractor\nERROR: Unsupported URL: "+a.url+"\n")
	case "http500":
		return fail(1, http500Err)
	case "format":
		return fail(1, formatErr)
	case "badargs":
		return fail(2, badArgsErr)
	case "fail":
		code, _ := strconv.Atoi(os.Getenv(envExit))
		return fail(code, os.Getenv(envStderr))
	case "flaky":
		fails := 1
		if n != "" {
			fails, _ = strconv.Atoi(n)
		}
		if len(strings.Split(strings.TrimSpace(readFile(os.Getenv(envCalls))), "\n")) <= fails {
			return fail(1, resetErr)
		}
		return video(a)
	case "ok":
		return video(a)
	case "playlist":
		return playlist(a)
	case "toolarge":
		fmt.Printf("[generic] Extracting URL: %s\n[info] clip: Downloading 1 format(s): mp4\n", a.url)
		fmt.Printf("\r[download] File is larger than max-filesize (%d bytes > %d bytes). Aborting.\n", len(Clip), a.maxFilesize)
		return 0
	case "nofile":
		return 0
	case "slow", "slow-stubborn":
		return slow(a, name == "slow-stubborn")
	}
	return fail(2, "yt-dlp: error: unknown fake scenario "+strconv.Quote(scenario)+"\n")
}

func fail(code int, stderr string) int {
	fmt.Fprint(os.Stderr, stderr)
	return code
}

func video(a args) int {
	if a.json {
		fmt.Println(mustJSON(map[string]any{
			"_type": "video", "id": "clip", "title": "clip", "channel": "Family Videos", "uploader": "family",
			"duration": 2.02, "thumbnail": "https://i.ytimg.com/vi/clip/maxresdefault.jpg", "ext": "mp4",
			"webpage_url": a.url, "extractor": "youtube", "extractor_key": "Youtube",
		}))
		return 0
	}
	return download(a, map[string]string{"id": "clip", "title": "clip", "channel": "Family Videos", "ext": "mp4"})
}

func playlist(a args) int {
	entries := []map[string]string{
		{"id": "page-1", "title": "Holiday Clips (1)", "ext": "mp4", "playlist_title": "Holiday Clips"},
		{"id": "page-2", "title": "Holiday Clips (2)", "ext": "mp4", "playlist_title": "Holiday Clips"},
	}
	if a.json {
		// A flat YouTube playlist: entries of _type url, the second
		// without a duration, neither with playlist_index.
		fmt.Println(mustJSON(map[string]any{
			"_type": "playlist", "id": "page", "title": "Holiday Clips", "uploader": "Family Videos",
			"webpage_url": a.url, "playlist_count": 2, "extractor": "youtube:tab",
			"entries": []map[string]any{
				{"_type": "url", "ie_key": "Youtube", "id": "page-1", "title": "Holiday Clips (1)", "url": "https://www.youtube.com/watch?v=page-1", "duration": 61.6},
				{"_type": "url", "ie_key": "Youtube", "id": "page-2", "title": "Holiday Clips (2)", "url": "https://www.youtube.com/watch?v=page-2", "duration": nil},
			},
		}))
		return 0
	}
	for i, e := range entries {
		if a.items > 0 && a.items != i+1 {
			continue
		}
		if code := download(a, e); code != 0 {
			return code
		}
	}
	return 0
}

// download does what yt-dlp does for one video: a .part in temp, progress
// lines as 2023.03.04 prints them, the move into home, the DONE print.
func download(a args, fields map[string]string) int {
	rel := render(a.output, fields)
	part := filepath.Join(a.temp, rel+".part")
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		return fail(1, "ERROR: unable to create directory "+err.Error()+"\n")
	}
	fmt.Printf("[download] Destination: %s\n", filepath.Join(a.temp, rel))
	total := len(Clip)
	for _, n := range []int{1024, 3072, 7168, total} {
		appendFile(part, string(Clip[:n][len(readFile(part)):]))
		eta, speed := "NA", "NA"
		if n > 1024 {
			eta, speed = strconv.Itoa((total-n)/20000), "20413.536706622686"
		}
		fmt.Printf("PROG downloading %d %d NA %s %s\n", n, total, eta, speed)
	}
	fmt.Printf("PROG finished %d %d NA NA 20392.34472977777\n", total, total)
	final := filepath.Join(a.home, rel)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return fail(1, "ERROR: unable to create directory "+err.Error()+"\n")
	}
	if err := os.Rename(part, final); err != nil {
		return fail(1, "ERROR: Unable to rename file: "+err.Error()+"\n")
	}
	fmt.Printf("[MoveFiles] Moving file %q to %q\n", filepath.Join(a.temp, rel), final)
	if a.printFile != "" {
		fmt.Printf("DONE %s\n", final)
	}
	return 0
}

// render fills an output template the way yt-dlp does for the fields it
// knows: "%(a,b,c)s" takes the first field that is set, else NA; values are
// restricted (spaces and brackets become "_") as --restrict-filenames does.
func render(tmpl string, fields map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "%(")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		j := strings.Index(tmpl[i:], ")s")
		if j < 0 {
			b.WriteString(tmpl[i:])
			return b.String()
		}
		v := "NA"
		for _, k := range strings.Split(tmpl[i+2:i+j], ",") {
			if f, ok := fields[k]; ok && f != "" {
				v = restrict(f)
				break
			}
		}
		b.WriteString(v)
		tmpl = tmpl[i+j+2:]
	}
}

func restrict(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '/':
			return '_'
		case r == '(' || r == ')' || r == '[' || r == ']':
			return -1
		}
		return r
	}, s)
	return s
}

// slow starts a child in its process group (as yt-dlp starts ffmpeg), writes
// a .part and prints progress until it is killed.
func slow(a args, stubborn bool) int {
	if stubborn {
		signal.Ignore(syscall.SIGTERM)
	}
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), envScenario+"="+sleeper, "MEDIANEST_FAKE_YTDLP_STUBBORN="+strconv.FormatBool(stubborn))
	if err := child.Start(); err != nil {
		return fail(1, "ERROR: "+err.Error()+"\n")
	}
	appendFile(os.Getenv(envPids), fmt.Sprintf("%d %d\n", os.Getpid(), child.Process.Pid))
	// A metadata call (-J) has no output template: it downloads nothing,
	// and must not leave a ".part" in the working directory.
	part := ""
	if a.output != "" {
		part = filepath.Join(a.temp, render(a.output, map[string]string{"id": "slow", "title": "slow", "ext": "mp4"})+".part")
		_ = os.MkdirAll(filepath.Dir(part), 0o755)
	}
	for n := 1024; ; n += 1024 {
		if part != "" {
			appendFile(part, string(make([]byte, 1024)))
		}
		fmt.Printf("PROG downloading %d %d NA NA NA\n", n, 1<<30)
		time.Sleep(50 * time.Millisecond)
	}
}

func sleep() int {
	if os.Getenv("MEDIANEST_FAKE_YTDLP_STUBBORN") == "true" {
		signal.Ignore(syscall.SIGTERM)
	}
	time.Sleep(time.Minute)
	return 0
}

func appendFile(name, s string) {
	if name == "" {
		return
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ERROR:", err)
		os.Exit(1)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		fmt.Fprintln(os.Stderr, "ERROR:", err)
		os.Exit(1)
	}
}

func readFile(name string) string {
	b, _ := os.ReadFile(name)
	return string(b)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
