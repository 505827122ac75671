package config_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/config"
)

// FuzzParseSize: no panic, never a negative size, and a parsed size written
// back by Size.String parses to the same number.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"0", "1", "1024", "10GiB", "1.5G", "500MB", "4 kib", "1TB", "-1", "9999999999T",
		"9223372036854775807", "9223372036854775808", "8388607T", "8796093022207.9999M", ".5K", "1.", "..", "1e3", "GiB", " 7 b ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := config.ParseSize(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("ParseSize(%q) = %d with error %v", s, n, err)
			}
			return
		}
		if n < 0 {
			t.Fatalf("ParseSize(%q) = %d, negative", s, n)
		}
		if d := strings.TrimSpace(s); strings.Trim(d, "0123456789") == "" {
			if want, err := strconv.ParseInt(d, 10, 64); err != nil || n != want {
				t.Fatalf("ParseSize(%q) = %d, want %d (%v)", s, n, want, err)
			}
		}
		text := config.Size(n).String()
		if back, err := config.ParseSize(text); err != nil || back != n {
			t.Fatalf("ParseSize(%q) = %d, written %q, parsed back %d, %v", s, n, text, back, err)
		}
	})
}

// FuzzParseDuration: no panic, never negative, and a parsed duration written
// back by Duration.String parses to the same value.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"0", "30s", "1h30m", "24h", "1.5h", "-1s", "10 seconds", "9999999999h", "2562047h47m16.854775807s",
		"1us", "1µs", "0.000000001s", "", " 5m ", "1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := config.ParseDuration(s)
		if err != nil {
			if d != 0 {
				t.Fatalf("ParseDuration(%q) = %v with error %v", s, d, err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		text := config.Duration(d).String()
		if back, err := config.ParseDuration(text); err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v, written %q, parsed back %v, %v", s, d, text, back, err)
		}
		var u config.Duration
		if err := u.UnmarshalText([]byte(s)); err != nil || u.D() != time.Duration(d) {
			t.Fatalf("UnmarshalText(%q) = %v, %v; ParseDuration gave %v", s, u, err, d)
		}
	})
}
