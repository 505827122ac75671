package events_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind, such
// as a stream handler that never noticed its client was dropped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
