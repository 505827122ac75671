// Package secret seals values at rest (Plex tokens, API keys) with
// AES-256-GCM under the instance's secret key, and loads or creates that key.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of the secret key in bytes.
const KeySize = 32

// version prefixes every sealed value so a later key rotation can tell old
// ciphertexts apart.
const version = 1

// Box seals and opens values with one key.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: the key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext with a fresh random nonce. The empty string seals
// to nil so that "no secret" stays NULL in the database.
func (b *Box) Seal(plaintext string) []byte {
	if plaintext == "" {
		return nil
	}
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version
	rand.Read(out[1:])
	return b.aead.Seal(out, out[1:], []byte(plaintext), []byte{version})
}

// ErrOpen means a sealed value could not be decrypted: the secret key changed
// or the value was tampered with.
var ErrOpen = errors.New("secret: a stored secret could not be decrypted; was security.secret_key changed?")

// Open decrypts a value made by Seal. nil opens to "".
func (b *Box) Open(sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	n := b.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != version {
		return "", ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte{version})
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}

// keyHint says what a valid key looks like; every key error ends with it.
const keyHint = "a valid key is 64 hex characters or base64 of 32 bytes; generate one with `openssl rand -hex 32`"

// ParseKey accepts a key as 64 hex characters or base64 (standard or URL,
// padded or not) of exactly 32 bytes, and refuses anything else. A key is
// never stretched or guessed at: a typo would silently become another key,
// and every secret sealed under the right one would then fail to open.
// The error has no prefix: the caller names where the key came from.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("the key is empty; " + keyHint)
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	if strings.Trim(s, "0123456789abcdefABCDEF") == "" {
		return nil, fmt.Errorf("the key is %d hex characters, not 64; %s", len(s), keyHint)
	}
	return nil, fmt.Errorf("the key (%d characters) is not a 32-byte key in hex or base64; %s", len(s), keyHint)
}

// LoadKey returns the configured key (inline, or from keyFile), or reads the
// generated file at generatedPath, creating it with mode 0600 on first start.
// created reports that a new key was written.
func LoadKey(inline, keyFile, generatedPath string) (key []byte, created bool, err error) {
	if inline != "" {
		k, err := ParseKey(inline)
		if err != nil {
			return nil, false, fmt.Errorf("secret: security.secret_key: %w", err)
		}
		return k, false, nil
	}
	path := keyFile
	if path == "" {
		path = generatedPath
	}
	b, err := os.ReadFile(path)
	if err == nil {
		if strings.TrimSpace(string(b)) == "" {
			return nil, false, fmt.Errorf("secret: key file %s is empty", path)
		}
		k, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("secret: key file %s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) || keyFile != "" {
		return nil, false, fmt.Errorf("secret: read key file: %w", err)
	}
	key = make([]byte, KeySize)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, false, fmt.Errorf("secret: %w", err)
	}
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadKey("", "", path)
		}
		return nil, false, fmt.Errorf("secret: create key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("secret: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("secret: write key file: %w", err)
	}
	return key, true, nil
}
