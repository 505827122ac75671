package ytdlp_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medianest/app/ytdlp"
)

func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "yt-dlp")
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVersion(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    string
		wantErr string
	}{
		{"prints a version", "#!/bin/sh\necho 2023.03.04\necho more\n", "2023.03.04", ""},
		{"fails", "#!/bin/sh\necho 'ERROR: broken' >&2\nexit 2\n", "", "--version failed: ERROR: broken"},
		{"prints nothing", "#!/bin/sh\nexit 0\n", "", "--version printed nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ytdlp.Version(context.Background(), script(t, tt.body))
			if v != tt.want || (tt.wantErr == "") != (err == nil) || (err != nil && err.Error() != tt.wantErr) {
				t.Fatalf("Version = %q, %v; want %q, %q", v, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestVersionTimeout(t *testing.T) {
	p := script(t, "#!/bin/sh\nexec sleep 10\n")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := ytdlp.Version(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "did not finish in time") {
		t.Fatalf("err = %v", err)
	}
}
