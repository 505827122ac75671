package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medianest/app/config"
)

func mounts(text string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }
}

const mountinfo = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /mnt/nas rw,relatime shared:20 - nfs4 nas:/export rw,vers=4.2
41 22 0:36 / /mnt/share rw,relatime shared:21 - cifs //nas/share rw
42 22 0:37 / /mnt/ssh\040box rw,relatime shared:22 - fuse.sshfs me@box:/ rw
43 22 0:38 / /mnt/nas two rw,relatime shared:23 - nfs nas:/two rw
`

func TestFilesystem(t *testing.T) {
	cases := []struct {
		path, status, want string
	}{
		{"/var/lib/medianest/medianest.db", Pass, "ext4"},
		{"/mnt/nas/medianest/medianest.db", Warn, "nfs4"},
		{"/mnt/share/m.db", Warn, "cifs"},
		{"/mnt/ssh box/m.db", Warn, "fuse.sshfs"},
		{"/mnt/nas\u00a0two/m.db", Warn, "nfs"},
		{"/mnt/nasty/m.db", Pass, "ext4"},
	}
	for _, c := range cases {
		r := checkFilesystem(c.path, mounts(mountinfo))
		if r.Status != c.status || !strings.Contains(r.Message, c.want) {
			t.Errorf("%s: %s %q, want %s mentioning %q", c.path, r.Status, r.Message, c.status, c.want)
		}
	}
}

func TestDataDirReadOnly(t *testing.T) {
	dir := t.TempDir()
	if r := checkDataDir(dir); r.Status != Pass {
		t.Fatalf("writable dir: %s %s", r.Status, r.Message)
	}
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	if r := checkDataDir(dir); r.Status != Fail || !strings.Contains(r.Message, "read-only") {
		t.Fatalf("read-only dir: %s %s", r.Status, r.Message)
	}
	if r := checkDataDir(filepath.Join(dir, "absent")); r.Status != Warn {
		t.Fatalf("missing dir: %s", r.Status)
	}
}

func TestSecretKeyMode(t *testing.T) {
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	if r := checkSecretKey(cfg); r.Status != Warn {
		t.Fatalf("missing generated key: %s", r.Status)
	}
	p := cfg.SecretKeyPath()
	os.WriteFile(p, []byte(strings.Repeat("ab", 32)+"\n"), 0o644)
	if r := checkSecretKey(cfg); r.Status != Warn || !strings.Contains(r.Message, "chmod 600") {
		t.Fatalf("loose key: %s %s", r.Status, r.Message)
	}
	os.Chmod(p, 0o600)
	if r := checkSecretKey(cfg); r.Status != Pass {
		t.Fatalf("good key: %s %s", r.Status, r.Message)
	}
}

// A key the server would refuse fails the check and says what is wrong,
// wherever the key comes from.
func TestSecretKeyMalformed(t *testing.T) {
	typo := strings.Repeat("ab", 32)[:63]
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	cfg.Security.SecretKey = typo
	if r := checkSecretKey(cfg); r.Status != Fail || !strings.Contains(r.Message, "security.secret_key") || !strings.Contains(r.Message, "63 hex characters") {
		t.Fatalf("inline 63-character key: %s %q", r.Status, r.Message)
	}
	cfg.Security.SecretKey = ""
	os.WriteFile(cfg.SecretKeyPath(), []byte(typo+"\n"), 0o600)
	if r := checkSecretKey(cfg); r.Status != Fail || !strings.Contains(r.Message, cfg.SecretKeyPath()) || !strings.Contains(r.Message, "openssl rand -hex 32") {
		t.Fatalf("generated key file with 63 characters: %s %q", r.Status, r.Message)
	}
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte("a passphrase\n"), 0o600)
	cfg.Security.SecretKeyFile = file
	if r := checkSecretKey(cfg); r.Status != Fail || !strings.Contains(r.Message, file) || !strings.Contains(r.Message, "not a 32-byte key") {
		t.Fatalf("secret_key_file with a passphrase: %s %q", r.Status, r.Message)
	}
}

func TestSelect(t *testing.T) {
	all := Checks(Deps{Config: config.Default()})
	got, err := Select(all, []string{"listen,config"})
	if err != nil || len(got) != 2 || got[0].Name != "listen" {
		t.Fatalf("Select = %v %v", got, err)
	}
	if _, err := Select(all, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "data_dir") {
		t.Fatalf("unknown check: %v", err)
	}
	rs := Run(context.Background(), got)
	if len(rs) != 2 || rs[1].Name != "config" {
		t.Fatalf("Run = %+v", rs)
	}
}

// Every message is one line, whatever a check or an error it quotes holds.
func TestMessagesAreOneLine(t *testing.T) {
	checks := []Check{{"multi", "", func(context.Context) Result { return fail("first line\nsecond line\r\n\tthird  ") }}}
	rs := Run(context.Background(), checks)
	if rs[0].Message != "first line second line third" {
		t.Fatalf("message %q", rs[0].Message)
	}
	var b bytes.Buffer
	WriteText(&b, rs)
	if strings.Count(b.String(), "\n") != 2 {
		t.Fatalf("text output:\n%s", b.String())
	}
}

// The listen check tells an address this machine does not have from a port
// another program holds, and probes only this machine.
func TestListenCannotAssignOrInUse(t *testing.T) {
	cfg := config.Default()
	cfg.Server.Listen = "192.0.2.1:8080" // TEST-NET-1: on no machine
	if r := checkListen(context.Background(), cfg); r.Status != Fail || !strings.Contains(r.Message, "cannot assign") || !strings.Contains(r.Message, "server.listen") {
		t.Fatalf("foreign address: %s %q", r.Status, r.Message)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // a program that is not MediaNest: it hangs up at once
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	cfg.Server.Listen = ln.Addr().String()
	if r := checkListen(context.Background(), cfg); r.Status != Fail || !strings.Contains(r.Message, "in use") || !strings.Contains(r.Message, "server.listen") {
		t.Fatalf("port in use: %s %q", r.Status, r.Message)
	}
}

// A MEDIANEST_* variable that is no setting is a WARN of the config check.
func TestConfigWarnsOfUnknownEnv(t *testing.T) {
	rs := Run(context.Background(), Checks(Deps{Config: config.Default(), Environ: []string{"MEDIANEST_SERVER_LISTN=:1"}})[:1])
	if rs[0].Status != Warn || !strings.Contains(rs[0].Message, "MEDIANEST_SERVER_LISTEN?") {
		t.Fatalf("config: %s %q", rs[0].Status, rs[0].Message)
	}
}

func TestWriteListJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteListJSON(&b, Checks(Deps{Config: config.Default()})); err != nil {
		t.Fatal(err)
	}
	var list []struct{ Name, Description string }
	if err := json.Unmarshal(b.Bytes(), &list); err != nil || len(list) < 10 || list[0].Name != "config" || list[0].Description == "" {
		t.Fatalf("%v %s", err, b.String())
	}
}
