package status

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/services"
	"medianest/app/upstream"
	"medianest/app/ytdlp"
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
	if svc.KeyUnreadable {
		// Calling with no key would only say "unauthorized"; the cause and
		// the fix are known here.
		return result{status: StatusDown, message: services.UnreadableKeyMessage}
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
		return result{status: StatusDown, elapsed: elapsed, measured: true, message: message(err, displayNames[name])}
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
	version, err := ytdlp.Version(ctx, file)
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
