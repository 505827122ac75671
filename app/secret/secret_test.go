package secret_test

import (
	"bytes"
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
	other, _ := secret.NewBox(secret.ParseKey("another key"))
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
