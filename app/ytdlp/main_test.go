package ytdlp_test

import (
	"os"
	"testing"

	"medianest/app/ytdlp/ytdlptest"
)

func TestMain(m *testing.M) {
	ytdlptest.Main()
	os.Exit(m.Run())
}
