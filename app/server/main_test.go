package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: a
// server that does not stop its workers would.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
