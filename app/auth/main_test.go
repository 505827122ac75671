package auth_test

import (
	"testing"

	"go.uber.org/goleak"

	"medianest/app/auth"
	"medianest/app/config"
	"medianest/app/secret"
	"medianest/db/dbtest"
)

// TestMain fails the package when a test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Building the service starts nothing that outlives it: the session cache
// and the sign-in limiters check their expiry when read, with no sweeper.
func TestNewLeavesNoGoroutine(t *testing.T) {
	d := dbtest.New(t)
	box, err := secret.NewBox(make([]byte, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	before := goleak.IgnoreCurrent()
	for range 50 {
		if _, err := auth.New(auth.Deps{DB: d, Box: box, Config: config.Default()}); err != nil {
			t.Fatal(err)
		}
	}
	goleak.VerifyNone(t, before)
}
