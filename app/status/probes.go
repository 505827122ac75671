package status

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"medianest/app/apperr"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/services"
	"medianest/app/upstream"
)

// probe runs the check of one service.
func (p *Poller) probe(ctx context.Context, name string) result {
	if name == Ytdlp {
		if !p.ytEnabled {
			return result{status: StatusDisabled, message: "YouTube downloads are switched off (youtube.enabled)."}
		}
		return p.ytdlpResult(ctx)
	}
	if p.settings == nil {
		return result{status: StatusDisabled, message: "Not configured."}
	}
	svc, err := p.settings.Get(ctx, name)
	if err != nil {
		p.log.Warn("status: could not read settings", "service", name, "err", err)
		return result{status: StatusUnknown, message: "The settings could not be read."}
	}
	if r, off := disabled(svc); off {
		return r
	}
	// The poller's own calls bypass the circuit breaker: a service that
	// comes back must show up at the next check, not when the breaker
	// happens to let a request through.
	ctx = upstream.Probe(ctx)
	start := time.Now()
	var version string
	switch name {
	case Plex:
		var id plex.ServerIdentity
		id, err = p.plex.Identity(ctx, plex.Conn{URL: svc.URL, Token: svc.APIKey})
		version = id.Version
	case Overseerr:
		var st overseerr.Status
		st, err = p.overseerr.Status(ctx, overseerr.Conn{URL: svc.URL, APIKey: svc.APIKey})
		version = st.Version
	case UptimeKuma:
		return p.kumaResult(ctx, svc, start)
	default:
		return result{status: StatusUnknown, message: "Unknown service."}
	}
	elapsed := time.Since(start)
	if err != nil {
		return result{status: StatusDown, elapsed: elapsed, measured: true, message: Message(err, displayNames[name])}
	}
	return p.answered(elapsed, versionMessage(version))
}

// disabled reports a service that is switched off or has no URL.
func disabled(svc services.Service) (result, bool) {
	switch {
	case !svc.Enabled && svc.URL != "":
		return result{status: StatusDisabled, message: "Disabled by an admin."}, true
	case svc.URL == "":
		return result{status: StatusDisabled, message: "Not configured."}, true
	}
	return result{}, false
}

// answered is the result of a check that got an answer: up, or degraded
// when the answer took longer than status.degraded_after.
func (p *Poller) answered(elapsed time.Duration, msg string) result {
	r := result{status: StatusUp, elapsed: elapsed, measured: true, message: msg}
	if elapsed > p.degraded {
		r.status = StatusDegraded
		r.message = fmt.Sprintf("Slow: answered in %s (more than %s).", elapsed.Round(10*time.Millisecond), p.degraded)
		if msg != "" {
			r.message += " " + msg
		}
	}
	return r
}

func versionMessage(v string) string {
	if v == "" {
		return "Answering."
	}
	return "Version " + v + "."
}

// Message is the text shown for a failed check or test: the user-facing
// message of an apperr error (which names the service but never its URL or
// key), or a generic sentence for anything else.
func Message(err error, display string) string {
	if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal && e.Message != "" {
		return e.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return display + " did not answer in time."
	}
	return display + " could not be reached."
}

// ytdlpRecheck is how long a good `yt-dlp --version` answer is reused while
// the executable stays the same file: starting Python every 30 s costs more
// than the check is worth.
const ytdlpRecheck = time.Hour

// ytdlpProbe runs `yt-dlp --version` and remembers the last good answer.
type ytdlpProbe struct {
	path string

	mu      sync.Mutex
	file    string    // resolved executable
	mod     time.Time // its modification time
	size    int64
	at      time.Time
	version string
	elapsed time.Duration
}

func (p *Poller) ytdlpResult(ctx context.Context) result {
	y := p.ytdlp
	path := y.path
	if path == "" {
		path = "yt-dlp"
	}
	file, err := exec.LookPath(path)
	if err != nil {
		return result{status: StatusDown, message: fmt.Sprintf("yt-dlp was not found (youtube.ytdlp_path = %q).", path)}
	}
	fi, err := os.Stat(file)
	if err != nil {
		return result{status: StatusDown, message: fmt.Sprintf("yt-dlp at %q cannot be read.", file)}
	}
	y.mu.Lock()
	if y.version != "" && y.file == file && y.mod.Equal(fi.ModTime()) && y.size == fi.Size() && time.Since(y.at) < ytdlpRecheck {
		r := result{status: StatusUp, elapsed: y.elapsed, measured: true, message: "Version " + y.version + "."}
		y.mu.Unlock()
		return r
	}
	y.mu.Unlock()

	start := time.Now()
	version, err := RunVersion(ctx, file, "--version")
	elapsed := time.Since(start)
	if err != nil {
		return result{status: StatusDown, elapsed: elapsed, measured: true, message: "yt-dlp " + err.Error() + "."}
	}
	y.mu.Lock()
	y.file, y.mod, y.size, y.at, y.version, y.elapsed = file, fi.ModTime(), fi.Size(), time.Now(), version, elapsed
	y.mu.Unlock()
	// Starting Python is slow on small machines; that is not the service
	// being unwell, so yt-dlp is never "degraded" for taking its time.
	return result{status: StatusUp, elapsed: elapsed, measured: true, message: "Version " + version + "."}
}

// RunVersion runs a tool's version command (yt-dlp --version, ffmpeg
// -version) and returns the first line it printed. The error says in a few
// words what went wrong ("--version did not finish in time").
func RunVersion(ctx context.Context, file string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, file, args...)
	// A child that keeps the pipe open must not hold the check past its
	// timeout.
	cmd.WaitDelay = time.Second
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	version := strings.TrimSpace(firstLine(out.String()))
	what := strings.Join(args, " ")
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("%s did not finish in time", what)
	case err != nil:
		msg := strings.TrimSpace(firstLine(stderr.String()))
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("%s failed: %s", what, truncate(msg, 200))
	case version == "":
		return "", fmt.Errorf("%s printed nothing", what)
	}
	return version, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
