package youtube_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: a
// worker, the Plex follow-up or a download that is never stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
