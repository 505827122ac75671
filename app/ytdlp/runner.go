package ytdlp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// Config says where the tools are.
type Config struct {
	// Path is the yt-dlp executable ("yt-dlp" looks it up on PATH).
	Path string
	// FFmpegPath is the ffmpeg executable; "" looks "ffmpeg" up on PATH
	// once, when the runner is made. Without ffmpeg only single-file
	// formats download and nothing is embedded into the file.
	FFmpegPath string
}

// Runner runs yt-dlp for downloads and metadata.
type Runner struct {
	cfg    Config
	ffmpeg string // resolved ffmpeg path, "" when there is none
}

// New returns a runner. It looks ffmpeg up once; a missing yt-dlp is
// reported by the first Download or Metadata.
func New(cfg Config) *Runner {
	if cfg.Path == "" {
		cfg.Path = "yt-dlp"
	}
	r := &Runner{cfg: cfg}
	name := cfg.FFmpegPath
	if name == "" {
		name = "ffmpeg"
	}
	if p, err := exec.LookPath(name); err == nil {
		r.ffmpeg = p
	}
	return r
}

// HasFFmpeg reports whether ffmpeg was found, which decides merging,
// audio extraction and embedding metadata.
func (r *Runner) HasFFmpeg() bool { return r.ffmpeg != "" }

const (
	// stopGrace is how long yt-dlp (and ffmpeg under it) may take to stop
	// after SIGTERM before the whole process group is killed.
	stopGrace = 3 * time.Second
	// stderrTail is how much of stderr is kept to classify a failure.
	stderrTail = 64 << 10
)

// tooLargePrefix starts the line yt-dlp prints, exiting 0, when a file's
// Content-Length is over --max-filesize.
const tooLargePrefix = "[download] File is larger than max-filesize"

// Download runs one job to its end. A failure is an *Error; on failure no
// finished file is left in j.Dir by yt-dlp, and partial files stay in
// j.TempDir for the caller to remove or resume.
func (r *Runner) Download(ctx context.Context, j Job) (Result, error) {
	if err := validate(j); err != nil {
		return Result{}, err
	}
	g := r.command(ctx, r.Args(j))
	cmd := g.cmd
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, fmt.Errorf("ytdlp: %w", err)
	}
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stderr = stderr
	if err := g.start(); err != nil {
		return Result{}, r.startError(ctx, err)
	}
	defer g.exited()
	var res Result
	tooLarge := ""
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), "\r")
		if p, ok := ParseProgress(line); ok {
			if j.Progress != nil {
				j.Progress(p)
			}
		} else if path, ok := strings.CutPrefix(line, "DONE "); ok {
			res.Files = append(res.Files, path)
		} else if strings.HasPrefix(line, tooLargePrefix) {
			tooLarge = line
		}
	}
	// A line over 1 MiB is not yt-dlp's; drain the rest so yt-dlp is not
	// blocked writing while it is waited for.
	_, _ = io.Copy(io.Discard, stdout)
	werr := cmd.Wait()
	if ctx.Err() != nil {
		g.reap()
		return Result{}, cancelled(ctx)
	}
	if werr != nil {
		return Result{}, exitError(werr, stderr.String())
	}
	switch {
	case tooLarge != "":
		return Result{}, &Error{Kind: TooLarge, Msg: fmt.Sprintf("The file is larger than the %s limit.", humanSize(j.MaxFilesize)), Detail: detail(tooLarge)}
	case len(res.Files) == 0:
		return Result{}, &Error{Kind: Permanent, Msg: "yt-dlp finished without producing a file.", Detail: detail(lastLine(stderr.String()))}
	}
	for i, f := range res.Files {
		if !filepath.IsAbs(f) {
			res.Files[i] = filepath.Join(j.Dir, f)
		}
	}
	return res, nil
}

// group is a yt-dlp process in a process group of its own, so ffmpeg and
// any other child it starts is stopped with it: when the context ends the
// group gets SIGTERM, and SIGKILL stopGrace later if it is still there.
type group struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	kill *time.Timer
}

func (r *Runner) command(ctx context.Context, args []string) *group {
	g := &group{cmd: exec.CommandContext(ctx, r.cfg.Path, args...)}
	g.cmd.SysProcAttr = procAttr()
	g.cmd.Cancel = func() error {
		pgid := g.cmd.Process.Pid
		g.mu.Lock()
		defer g.mu.Unlock()
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		g.kill = time.AfterFunc(stopGrace, func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
		return nil
	}
	// After WaitDelay exec kills yt-dlp itself and stops waiting for pipes
	// a surviving child may hold; the timer above kills the rest.
	g.cmd.WaitDelay = stopGrace + 500*time.Millisecond
	return g
}

// processes counts the yt-dlp processes running now, for
// medianest_ytdlp_processes.
var processes = metrics.NewGauge(`medianest_ytdlp_processes`, nil)

// start starts the process and counts it as running until exited.
func (g *group) start() error {
	if err := g.cmd.Start(); err != nil {
		return err
	}
	processes.Inc()
	return nil
}

// exited ends what start counted; call it once the process was waited for.
func (g *group) exited() { processes.Dec() }

// reap, after a cancelled run has been waited for, waits until the rest of
// the process group is gone too: the children got SIGTERM with yt-dlp and
// the SIGKILL timer ends stubborn ones, so this returns within about
// stopGrace. A zombie whose parent is gone counts as gone.
func (g *group) reap() {
	if g.cmd.Process == nil {
		return
	}
	pgid := g.cmd.Process.Pid
	deadline := time.Now().Add(stopGrace + time.Second)
	for alive(pgid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pgid) {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.kill != nil && !alive(pgid) {
		// The group is gone; its id may be reused, so do not signal it.
		g.kill.Stop()
	}
}

// alive reports whether any process of the group is still running.
func alive(pgid int) bool {
	if syscall.Kill(-pgid, 0) != nil {
		return false
	}
	// Kill succeeds on zombies; a group of zombies waiting for a parent
	// that does not reap them (PID 1 in some containers) is finished.
	ents, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return true
	}
	for _, f := range ents {
		if b, err := os.ReadFile(f); err == nil {
			if st, pg, ok := statPgid(string(b)); ok && pg == pgid && st != "Z" {
				return true
			}
		}
	}
	return false
}

// statPgid reads the state and process group from /proc/PID/stat
// ("pid (comm) S ppid pgrp ..."; comm may hold spaces and parentheses).
func statPgid(stat string) (state string, pgid int, ok bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return "", 0, false
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 3 {
		return "", 0, false
	}
	pg, err := strconv.Atoi(f[2])
	return f[0], pg, err == nil
}

func (r *Runner) startError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return cancelled(ctx)
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return &Error{Kind: Permanent, Msg: fmt.Sprintf("yt-dlp is not installed at %s.", r.cfg.Path), Detail: detail(err.Error()), ExitCode: -1}
	}
	return &Error{Kind: Transient, Msg: "yt-dlp could not be started.", Detail: detail(err.Error()), ExitCode: -1}
}

func cancelled(ctx context.Context) *Error {
	cause := context.Cause(ctx)
	return &Error{Kind: Cancelled, Msg: "The download was stopped.", Detail: cause.Error(), ExitCode: -1, Cause: cause}
}

func exitError(err error, stderr string) *Error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		return classify(ee.ExitCode(), stderr)
	}
	e := classify(-1, stderr)
	if e.Detail == "" {
		e.Detail = detail(err.Error())
	}
	return e
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
