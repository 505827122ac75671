package youtube_test

import (
	"testing"

	"go.uber.org/goleak"

	"medianest/app/ytdlp/ytdlptest"
)

// TestMain fails the package's tests when a goroutine outlives them: a
// worker, the Plex follow-up or a download that is never stopped. Started
// by ytdlptest.Path, the test binary plays yt-dlp instead.
func TestMain(m *testing.M) {
	ytdlptest.Main()
	goleak.VerifyTestMain(m)
}
