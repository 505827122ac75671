package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTool finds a program an end-to-end test runs. Without it the test is
// skipped, unless MEDIANEST_E2E=1 (CI, where .ci/run installs it) makes
// that a failure.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("MEDIANEST_E2E") == "1" {
		t.Fatalf("MEDIANEST_E2E=1 but %s is not installed (%s)", name, install)
	}
	t.Skipf("%s is not installed; install it (%s) or run with MEDIANEST_E2E=1 in CI", name, install)
	return ""
}

// The shipped unit passes systemd-analyze verify without a single warning
// (an unknown or misspelt directive is only a warning there, and would
// silently drop the hardening it was meant to add), and keeps what the
// server relies on: notify, the watchdog, restart on failure.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze := needTool(t, "systemd-analyze", "apt-get install systemd")
	unit, err := os.ReadFile("deploy/medianest.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Type=notify\n", "NotifyAccess=main\n", "WatchdogSec=30s\n", "Restart=on-failure\n",
		"DynamicUser=yes\n", "StateDirectory=medianest\n", "ProtectSystem=strict\n", "ProtectHome=yes\n",
		"PrivateTmp=yes\n", "PrivateDevices=yes\n", "NoNewPrivileges=yes\n", "CapabilityBoundingSet=\n",
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n", "SystemCallFilter=@system-service\n",
		"ExecStart=/usr/local/bin/medianest server --config /etc/medianest/medianest.toml\n",
	} {
		if !bytes.Contains(unit, []byte("\n"+want)) {
			t.Errorf("deploy/medianest.service lacks %q", strings.TrimSpace(want))
		}
	}
	// verify checks that ExecStart is an executable: point it at this test
	// binary, which is one, instead of the install path.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "medianest.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(unit, []byte("/usr/local/bin/medianest"), []byte(self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
