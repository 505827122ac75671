package status

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: a
// cache sweeper, a reconcile loop or a fetch that is never stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
