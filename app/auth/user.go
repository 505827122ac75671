package auth

import (
	"strings"
	"unicode/utf8"

	"medianest/app/principal"

	"medianest/app/apperr"
)

// MinPasswordLength is the shortest password accepted anywhere one is set.
const MinPasswordLength = 10

// maxPasswordLength bounds the work a single login can ask of argon2 and the
// size of what we keep in memory for it.
const maxPasswordLength = 1024

// validUsername reports whether s is 1–64 characters of ASCII letters,
// digits and . _ - @. ASCII only, because uniqueness is case-insensitive
// (COLLATE NOCASE), and SQLite folds only ASCII.
func validUsername(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !usernameByte(s[i]) {
			return false
		}
	}
	return true
}

func usernameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '@'
}

func checkUsername(s string) error {
	if !validUsername(s) {
		return apperr.Field("username", "must be 1 to 64 characters: letters, digits, dot, underscore, hyphen or @")
	}
	return nil
}

func checkPassword(field, p string) error {
	switch {
	case utf8.RuneCountInString(p) < MinPasswordLength:
		return apperr.Field(field, "must be at least 10 characters long")
	case len(p) > maxPasswordLength:
		return apperr.Field(field, "must be at most 1024 bytes long")
	}
	return nil
}

func checkRole(field, r string) error {
	if r != principal.RoleUser && r != principal.RoleAdmin {
		return apperr.Field(field, `must be "user" or "admin"`)
	}
	return nil
}

func checkStatus(field, s string) error {
	if s != principal.StatusActive && s != principal.StatusDisabled {
		return apperr.Field(field, `must be "active" or "disabled"`)
	}
	return nil
}

// checkEmail is deliberately loose: an address is only shown and used to
// contact the user, never to sign in, so anything plausible is accepted.
func checkEmail(e string) error {
	if e == "" {
		return nil
	}
	at := strings.IndexByte(e, '@')
	if len(e) > 254 || at < 1 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n<>") {
		return apperr.Field("email", "must be an e-mail address like name@example.com")
	}
	return nil
}

// plexUsername turns a plex.tv username into one of ours: characters we do
// not allow become "_" and it is cut to leave room for a suffix.
func plexUsername(name, fallback string) string {
	b := []byte(name)
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if usernameByte(c) {
			out = append(out, c)
		} else if len(out) > 0 && out[len(out)-1] != '_' {
			out = append(out, '_')
		}
	}
	s := strings.Trim(string(out), "_")
	if s == "" {
		s = fallback
	}
	if len(s) > 56 {
		s = s[:56]
	}
	return s
}
