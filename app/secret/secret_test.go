package secret_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medianest/app/secret"
)

func TestSealOpen(t *testing.T) {
	key, _, err := secret.LoadKey("", "", filepath.Join(t.TempDir(), "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := box.Seal("plex-token-abc")
	if bytes.Contains(sealed, []byte("plex-token-abc")) {
		t.Fatal("sealed value contains the plaintext")
	}
	if bytes.Equal(sealed, box.Seal("plex-token-abc")) {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
	got, err := box.Open(sealed)
	if err != nil || got != "plex-token-abc" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := box.Open(sealed); err == nil {
		t.Fatal("tampered value opened")
	}
	otherKey, err := secret.ParseKey(strings.Repeat("cd", 32))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := secret.NewBox(otherKey)
	if _, err := other.Open(box.Seal("x")); err == nil {
		t.Fatal("opened with the wrong key")
	}
	if box.Seal("") != nil {
		t.Fatal("empty secret sealed to non-nil")
	}
}

func TestLoadKeyGeneratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	k1, created, err := secret.LoadKey("", "", path)
	if err != nil || !created {
		t.Fatalf("first load: created=%v err=%v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", st.Mode().Perm(), err)
	}
	k2, created, err := secret.LoadKey("", "", path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second load changed the key (created=%v, err=%v)", created, err)
	}
}

func TestLoadKeyConfigured(t *testing.T) {
	hexKey := strings.Repeat("ab", 32)
	k, _, err := secret.LoadKey(hexKey, "", "/nonexistent/secret.key")
	if err != nil || len(k) != 32 || k[0] != 0xab {
		t.Fatalf("inline hex key: %x %v", k, err)
	}
	if _, _, err := secret.LoadKey("", filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Fatal("a missing secret_key_file was accepted")
	}
}

// ParseKey takes exactly 32 bytes written as hex or base64 and refuses
// anything else: a stretched typo would be a different key, and every stored
// secret would then fail to open.
func TestParseKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb, 0xef, 0x01, 0x7f}, 8)
	good := map[string]string{
		"hex":              strings.Repeat("ab", 32),
		"hex upper":        strings.Repeat("AB", 32),
		"hex with newline": "  " + strings.Repeat("ab", 32) + "\n",
		"std padded":       base64.StdEncoding.EncodeToString(raw),
		"std raw":          base64.RawStdEncoding.EncodeToString(raw),
		"url padded":       base64.URLEncoding.EncodeToString(raw),
		"url raw":          base64.RawURLEncoding.EncodeToString(raw),
	}
	for name, in := range good {
		t.Run(name, func(t *testing.T) {
			k, err := secret.ParseKey(in)
			if err != nil || len(k) != secret.KeySize {
				t.Fatalf("ParseKey(%q) = %x, %v", in, k, err)
			}
		})
	}
	bad := []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"63 hex", strings.Repeat("ab", 32)[:63], "63 hex characters, not 64"},
		{"65 hex", strings.Repeat("ab", 32) + "a", "65 hex characters, not 64"},
		{"62 hex", strings.Repeat("ab", 31), "62 hex characters, not 64"},
		{"hex typo", strings.Repeat("ab", 31) + "zz", "not a 32-byte key"},
		{"passphrase", "correct horse battery staple", "not a 32-byte key"},
		{"base64 of 31 bytes", base64.StdEncoding.EncodeToString(raw[:31]), "not a 32-byte key"},
		{"base64 of 33 bytes", base64.StdEncoding.EncodeToString(append(raw, 1)), "not a 32-byte key"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			k, err := secret.ParseKey(c.in)
			if err == nil {
				t.Fatalf("ParseKey(%q) accepted as %x", c.in, k)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "openssl rand -hex 32") {
				t.Fatalf("ParseKey(%q) error %q: want it to mention %q and how to generate a key", c.in, err, c.want)
			}
		})
	}
}

func TestLoadKeyRefusesMalformedKey(t *testing.T) {
	typo := strings.Repeat("ab", 32)[:63]
	if _, _, err := secret.LoadKey(typo, "", filepath.Join(t.TempDir(), "secret.key")); err == nil || !strings.Contains(err.Error(), "security.secret_key") {
		t.Fatalf("inline 63-character key: %v", err)
	}
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte(typo+"\n"), 0o600)
	if _, _, err := secret.LoadKey("", file, ""); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("secret_key_file with 63 characters: %v", err)
	}
	gen := filepath.Join(t.TempDir(), "secret.key")
	os.WriteFile(gen, []byte("not a key\n"), 0o600)
	if _, _, err := secret.LoadKey("", "", gen); err == nil || !strings.Contains(err.Error(), gen) {
		t.Fatalf("malformed generated key file: %v", err)
	}
}
