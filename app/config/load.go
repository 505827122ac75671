package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// DefaultPaths are tried in order when no file is named.
var DefaultPaths = []string{"./medianest.toml", "/etc/medianest/medianest.toml"}

// Load reads the configuration: defaults, then the file (path, or the first
// of DefaultPaths that exists; a missing default file is fine, a missing
// named file is not), then the MEDIANEST_* environment, then the *_file
// secrets. lookupEnv is os.LookupEnv outside tests: a variable that is set
// overrides the file even when it is empty, so the environment can clear a
// file value.
func Load(path string, lookupEnv func(string) (string, bool)) (Config, error) {
	cfg := Default()
	if path == "" {
		path, _ = lookupEnv("MEDIANEST_CONFIG")
	}
	if path == "" {
		for _, p := range DefaultPaths {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return cfg, fmt.Errorf("config file %s does not exist; create it from config.example.toml or leave --config out", path)
			}
			return cfg, fmt.Errorf("read config file: %w", err)
		}
		if err := Decode(b, &cfg); err != nil {
			return cfg, fmt.Errorf("%s: %w", path, err)
		}
		cfg.Path = path
	}
	if err := applyEnv(&cfg, lookupEnv); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Decode decodes TOML strictly into cfg: a key MediaNest does not know is an
// error naming it and its line, because a typo silently ignored is a setting
// silently not applied.
func Decode(b []byte, cfg *Config) error {
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return fmt.Errorf("line %d: %s", pe.Position.Line, pe.Message)
		}
		return err
	}
	if und := md.Undecoded(); len(und) > 0 {
		var msgs []string
		for _, k := range und {
			msgs = append(msgs, fmt.Sprintf("unknown key %q on line %d", k.String(), keyLine(b, k)))
		}
		return errors.New(strings.Join(msgs, "; ") + " (see config.example.toml for every key)")
	}
	return nil
}

// keyLine finds the line on which key is set, tracking [table] headers.
func keyLine(b []byte, key toml.Key) int {
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			table = strings.Trim(line, "[] ")
			if i := strings.Index(table, "#"); i >= 0 {
				table = strings.TrimSpace(table[:i])
			}
			if table == key.String() {
				return n
			}
			continue
		}
		eq := strings.Index(line, "=")
		if eq < 0 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(line[:eq]), `"`)
		full := name
		if table != "" {
			full = table + "." + name
		}
		if full == key.String() || (len(key) > 0 && strings.HasPrefix(key.String(), full+".")) {
			return n
		}
	}
	return 0
}

// EnvName is the environment variable of a TOML key, e.g.
// EnvName("server", "listen") = "MEDIANEST_SERVER_LISTEN".
func EnvName(section, key string) string {
	return "MEDIANEST_" + strings.ToUpper(section) + "_" + strings.ToUpper(key)
}

// applyEnv overlays MEDIANEST_<SECTION>_<KEY> for every key that is set.
// Lists are comma-separated; an empty value is an empty string or list.
func applyEnv(cfg *Config, lookupEnv func(string) (string, bool)) error {
	for _, k := range fields(cfg) {
		name := EnvName(k.section, k.key)
		raw, ok := lookupEnv(name)
		if !ok {
			continue
		}
		if err := setField(k.value, raw); err != nil {
			return fmt.Errorf("environment variable %s: %w", name, err)
		}
	}
	return nil
}

type field struct {
	section, key string
	value        reflect.Value
}

// fields lists every key of cfg with its section, in the order of the
// struct: the one list the environment overlay and the unknown-variable
// report share.
func fields(cfg *Config) []field {
	var out []field
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		section := t.Field(i).Tag.Get("toml")
		if section == "" || section == "-" {
			continue
		}
		sv := v.Field(i)
		for j := 0; j < sv.NumField(); j++ {
			out = append(out, field{section, sv.Type().Field(j).Tag.Get("toml"), sv.Field(j)})
		}
	}
	return out
}

// Keys lists every configuration key as "section.key".
func Keys() []string {
	var out []string
	for _, f := range fields(new(Config)) {
		out = append(out, f.section+"."+f.key)
	}
	return out
}

// nonKeyEnv are the MEDIANEST_* variables that are read but are no setting.
var nonKeyEnv = map[string]bool{
	"MEDIANEST_CONFIG":   true, // the config file
	"MEDIANEST_E2E":      true, // turns on the end-to-end tests
	"MEDIANEST_UI_SHOTS": true, // where the browser tests put screenshots
	"MEDIANEST_CHROMIUM": true, // the Chromium the browser tests run
}

// UnknownEnv reports every MEDIANEST_* variable of environ (os.Environ's
// "NAME=value" form) that is no setting, with the variable it probably
// meant: a mistyped variable would otherwise be a setting silently not
// applied, the same mistake Decode refuses in the file. They are warnings,
// not errors, because the environment is shared with other programs.
func UnknownEnv(environ []string) []string {
	known := map[string]bool{}
	var names []string
	for _, f := range fields(new(Config)) {
		n := EnvName(f.section, f.key)
		known[n] = true
		names = append(names, n)
	}
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "MEDIANEST_") || known[name] || nonKeyEnv[name] {
			continue
		}
		msg := name + " is set but is no setting"
		if best := closest(name, names); best != "" {
			msg += " (did you mean " + best + "?)"
		}
		out = append(out, msg)
	}
	sort.Strings(out)
	return out
}

// closest is the name within a small edit distance of s, "" when none is.
func closest(s string, names []string) string {
	best, bestD := "", 4
	for _, n := range names {
		if d := editDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func setField(f reflect.Value, raw string) error {
	// A number, switch, duration or size has no empty value; guessing one
	// (zero? the default?) would hide a mistake.
	if raw == "" && f.Kind() != reflect.String && f.Kind() != reflect.Slice {
		return errors.New("is set but empty; give it a value or unset it to keep the file's")
	}
	if u, ok := f.Addr().Interface().(interface{ UnmarshalText([]byte) error }); ok {
		return u.UnmarshalText([]byte(raw))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.ReplaceAll(raw, "_", ""), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		f.SetInt(n)
	case reflect.Slice:
		var list []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		f.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}

// ResolveSecrets reads every *_file secret into its value field. Setting both
// a secret and its file is refused: which one wins would be a guess.
func (c *Config) ResolveSecrets() error {
	for _, s := range c.secrets() {
		if *s.file == "" {
			continue
		}
		if *s.value != "" {
			return fmt.Errorf("%s and %s are both set; keep one", s.key, s.key+"_file")
		}
		b, err := os.ReadFile(*s.file)
		if err != nil {
			return fmt.Errorf("%s_file: %w", s.key, err)
		}
		*s.value = strings.TrimSpace(string(b))
		if *s.value == "" {
			return fmt.Errorf("%s_file %s is empty", s.key, *s.file)
		}
	}
	return nil
}

type secret struct {
	key         string
	value, file *string
}

// secrets lists every secret with its file twin. security.secret_key is
// handled by the key loader, which also creates the file when missing.
func (c *Config) secrets() []secret {
	return []secret{
		{"plex.token", &c.Plex.Token, &c.Plex.TokenFile},
		{"overseerr.api_key", &c.Overseerr.APIKey, &c.Overseerr.APIKeyFile},
		{"overseerr.webhook_secret", &c.Overseerr.WebhookSecret, &c.Overseerr.WebhookSecretFile},
		{"uptime_kuma.api_key", &c.UptimeKuma.APIKey, &c.UptimeKuma.APIKeyFile},
		{"metrics.token", &c.Metrics.Token, &c.Metrics.TokenFile},
	}
}

// SecretFiles lists the configured secret files (for doctor's permission check).
func (c *Config) SecretFiles() []string {
	var out []string
	for _, s := range c.secrets() {
		if *s.file != "" {
			out = append(out, *s.file)
		}
	}
	if c.Security.SecretKeyFile != "" {
		out = append(out, c.Security.SecretKeyFile)
	}
	return out
}
