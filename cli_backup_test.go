package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"medianest/db"
)

func TestBackupCreateListRestore(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	add := func(name string) {
		t.Helper()
		if code, _, errs := runCLIWithStdin(t, "a long enough password\n", "user", "add", dd, "--password-stdin", name); code != 0 {
			t.Fatalf("user add %s: %s", name, errs)
		}
	}
	add("alice")

	code, out, errs := runCLI(t, "backup", "create", dd)
	if code != 0 {
		t.Fatalf("create: %d %s", code, errs)
	}
	m := regexp.MustCompile(`Backup written to (\S+) \(`).FindStringSubmatch(out)
	if m == nil || filepath.Dir(m[1]) != filepath.Join(dir, "backups") {
		t.Fatalf("create said %q", out)
	}
	file := m[1]
	if !strings.Contains(out, filepath.Join(dir, "secret.key")) || !strings.Contains(out, "with your backups") {
		t.Errorf("create does not say to keep the secret key: %q", out)
	}
	if code, out, _ := runCLI(t, "backup", "list", dd); code != 0 || !strings.Contains(out, filepath.Base(file)) {
		t.Fatalf("list: %d %q", code, out)
	}
	// PATH: a file of the caller's choosing.
	own := filepath.Join(t.TempDir(), "mine.db")
	if code, _, errs := runCLI(t, "backup", "create", dd, own); code != 0 {
		t.Fatalf("create PATH: %s", errs)
	} else if _, err := db.VerifyBackup(t.Context(), own); err != nil {
		t.Fatal(err)
	}
	add("bob")

	// Refused while a server holds the data directory, with one sentence.
	addr := freeAddr(t)
	stop := startServer(t, addr, "--listen", addr, dd)
	code, _, errs = runCLI(t, "--quiet", "backup", "restore", dd, file)
	if code != 1 || !strings.Contains(errs, "cannot restore") || !strings.Contains(errs, "stop it first") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("restore while running: %d %q", code, errs)
	}
	// Without --quiet it first says which database it would have replaced.
	if _, _, errs := runCLI(t, "backup", "restore", dd, file); !strings.HasPrefix(errs, "medianest: ") || !strings.Contains(strings.SplitN(errs, "\n", 2)[0], filepath.Join(dir, "medianest.db")) {
		t.Errorf("restore names no database: %q", errs)
	}
	if code, logs := stop(); code != 0 {
		t.Fatalf("server exit %d: %s", code, logs)
	}

	code, out, errs = runCLI(t, "backup", "restore", dd, file)
	if code != 0 || !strings.Contains(out, "medianest.db.before-restore") {
		t.Fatalf("restore: %d %q %q", code, out, errs)
	}
	_, out, _ = runCLI(t, "user", "list", dd)
	if !strings.Contains(out, "alice") || strings.Contains(out, "bob") {
		t.Errorf("after restore the users are %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "medianest.db.before-restore")); err != nil {
		t.Error(err)
	}

	// A file that is not a backup changes nothing.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("junk", 1000)), 0o600)
	if code, _, errs := runCLI(t, "backup", "restore", dd, junk); code != 1 || !strings.Contains(errs, "not a usable backup") {
		t.Errorf("restore junk: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "backup", "restore", dd); code != 2 || !strings.Contains(errs, "usage") {
		t.Errorf("restore without PATH: %d %q", code, errs)
	}
}

func TestBackupCreateWithoutDatabase(t *testing.T) {
	dir := t.TempDir()
	// Like every command that needs a database: exit 2, nothing created.
	code, _, errs := runCLI(t, "backup", "create", "--data-dir", dir)
	if code != 2 || !strings.Contains(errs, "no database at") || !strings.Contains(errs, "medianest migrate up") {
		t.Fatalf("%d %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "medianest.db")); err == nil {
		t.Error("backup create made a database")
	}
}

func TestSecondServerOnTheSameDataDirIsRefused(t *testing.T) {
	dd := "--data-dir=" + t.TempDir()
	addr := freeAddr(t)
	stop := startServer(t, addr, "--listen", addr, dd)
	code, _, errs := runCLIWithin(t, 10*time.Second, "", "server", dd, "--listen", freeAddr(t))
	if code != 1 || !strings.Contains(errs, "another MediaNest server (pid ") || !strings.Contains(errs, "stop it first") {
		t.Errorf("second server: %d %q", code, errs)
	}
	// A rollback would drop tables under the running server's feet.
	if code, _, errs := runCLI(t, "migrate", "down", "--yes", dd); code != 1 || !strings.Contains(errs, "stop it first") {
		t.Errorf("migrate down while the server runs: %d %q", code, errs)
	}
	if code, logs := stop(); code != 0 {
		t.Fatalf("first server: %d %s", code, logs)
	}
}
