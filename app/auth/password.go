package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new password hashes. Measured on the 2-vCPU
// reference VM (go test -bench Login ./app/auth): t=4, m=19 MiB, p=1 takes
// about 70–80 ms per hash, inside the 50–250 ms a sign-in may cost. The
// memory is OWASP's recommended minimum for argon2id; one lane (p=1) because
// on two cores parallel sign-ins gain more from running side by side than a
// single one gains from splitting. Stored hashes carry their own parameters,
// so raising these later only affects new hashes (and old ones are rehashed
// on the next successful sign-in).
const (
	argonTime    = 4
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

var errBadHash = errors.New("auth: stored password hash is not a valid argon2id hash")

// hasher hashes and checks passwords. Each hash holds argonMemory for its
// duration, so at most one per CPU runs at a time: a burst of sign-ins waits
// instead of growing the heap by 19 MiB per request.
type hasher struct {
	sem chan struct{}
	// dummy is checked against when the user does not exist, so that an
	// unknown name costs the same work as a wrong password.
	dummy string
}

func newHasher() *hasher {
	salt := make([]byte, argonSaltLen)
	key := make([]byte, argonKeyLen)
	rand.Read(salt)
	rand.Read(key)
	return &hasher{
		sem:   make(chan struct{}, max(1, runtime.NumCPU())),
		dummy: encodeHash(argonTime, argonMemory, argonThreads, salt, key),
	}
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.sem }

// Hash returns the PHC-format argon2id hash of password.
func (h *hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	defer h.release()
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return encodeHash(argonTime, argonMemory, argonThreads, salt, key), nil
}

// Verify reports whether password matches encoded. An empty encoded hash
// (an unknown user, or a Plex account without a password) is checked against
// the dummy hash, so the answer takes as long and is false. rehash reports
// that the hash was made with other parameters than today's.
func (h *hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	known := encoded != ""
	if !known {
		encoded = h.dummy
	}
	p, err := decodeHash(encoded)
	if err != nil {
		// Still do the work, so a broken row is not a timing oracle.
		p, _ = decodeHash(h.dummy)
		known = false
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, fmt.Errorf("auth: check password: %w", err)
	}
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	h.release()
	ok = subtle.ConstantTimeCompare(key, p.key) == 1 && known
	rehash = ok && (p.time != argonTime || p.memory != argonMemory || p.threads != argonThreads || len(p.key) != argonKeyLen)
	return ok, rehash, nil
}

type hashParams struct {
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

var b64 = base64.RawStdEncoding

func encodeHash(t, m uint32, p uint8, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decodeHash(s string) (hashParams, error) {
	var hp hashParams
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return hp, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return hp, errBadHash
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &hp.memory, &hp.time, &threads); err != nil {
		return hp, errBadHash
	}
	// Bounds keep a tampered row from asking for unbounded work or memory.
	if hp.time < 1 || hp.time > 64 || hp.memory < 8 || hp.memory > 1<<20 || threads < 1 || threads > 16 {
		return hp, errBadHash
	}
	hp.threads = uint8(threads)
	var err error
	if hp.salt, err = b64.DecodeString(parts[4]); err != nil || len(hp.salt) < 8 {
		return hp, errBadHash
	}
	if hp.key, err = b64.DecodeString(parts[5]); err != nil || len(hp.key) < 16 || len(hp.key) > 64 {
		return hp, errBadHash
	}
	return hp, nil
}
