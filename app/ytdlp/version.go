// Package ytdlp runs the yt-dlp executable for what more than one domain
// needs: the status poller and the doctor both ask it for its version.
package ytdlp

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Version runs `path --version` and returns the first line it printed.
func Version(ctx context.Context, path string) (string, error) {
	return Run(ctx, path, "--version")
}

// Run runs a tool's version command (yt-dlp --version, ffmpeg -version)
// and returns the first line it printed. The error says in a few words what
// went wrong ("--version did not finish in time").
func Run(ctx context.Context, file string, args ...string) (string, error) {
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
