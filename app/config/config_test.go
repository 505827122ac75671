package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"medianest/app/config"
)

func noEnv(string) (string, bool) { return "", false }

func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "medianest.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The example file must decode strictly and hold exactly the defaults, so it
// can never drift from the code.
func TestExampleIsStrictAndEqualsDefaults(t *testing.T) {
	b, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	var got config.Config
	if err := config.Decode(b, &got); err != nil {
		t.Fatalf("config.example.toml: %v", err)
	}
	want := config.Default()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("config.example.toml differs from Default():\n got %+v\nwant %+v", got, want)
	}
	if err := want.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

// Every key of the Config struct appears in the example file.
func TestExampleListsEveryKey(t *testing.T) {
	b, _ := os.ReadFile("../../config.example.toml")
	text := string(b)
	v := reflect.TypeOf(config.Config{})
	for i := 0; i < v.NumField(); i++ {
		sec := v.Field(i).Tag.Get("toml")
		if sec == "-" {
			continue
		}
		if !strings.Contains(text, "["+sec+"]") {
			t.Errorf("section [%s] missing", sec)
		}
		st := v.Field(i).Type
		for j := 0; j < st.NumField(); j++ {
			key := st.Field(j).Tag.Get("toml")
			if !strings.Contains(text, "\n"+key+" = ") {
				t.Errorf("key %s.%s missing", sec, key)
			}
		}
	}
}

func TestStrictDecodingNamesKeyAndLine(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"typo", "[server]\nlisten = \":1\"\nlisen = \":2\"\n", `unknown key "server.lisen" on line 3`},
		{"unknown section", "\n[sever]\nlisten = \":1\"\n", `unknown key "sever" on line 2`},
		{"bad duration", "[server]\nshutdown_timeout = \"10 seconds\"\n", `not a duration`},
		{"wrong type", "[server]\nlisten = 8080\n", "listen"},
		{"syntax", "[server\nlisten = 1\n", "line 2: expected"},
		{"bad size", "[youtube]\nmax_filesize = \"4 lots\"\n", "not a size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Load(writeFile(t, c.body), noEnv)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestPrecedenceEnvOverFileOverDefault(t *testing.T) {
	p := writeFile(t, "[server]\nlisten = \"127.0.0.1:9000\"\nshutdown_timeout = \"3s\"\n[youtube]\nallowed_hosts = [\"a.example\"]\n")
	cfg, err := config.Load(p, envMap(map[string]string{
		"MEDIANEST_SERVER_LISTEN":            "127.0.0.1:9100",
		"MEDIANEST_YOUTUBE_CONCURRENCY":      "4",
		"MEDIANEST_YOUTUBE_ALLOWED_HOSTS":    "x.example, .y.example",
		"MEDIANEST_METRICS_ENABLED":          "false",
		"MEDIANEST_YOUTUBE_MAX_FILESIZE":     "1GiB",
		"MEDIANEST_SERVER_MAX_EVENT_STREAMS": "50",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Listen != "127.0.0.1:9100" {
		t.Errorf("listen = %q: env must beat the file", cfg.Server.Listen)
	}
	if cfg.Server.ShutdownTimeout.D() != 3*time.Second {
		t.Errorf("shutdown_timeout = %v: the file must beat the default", cfg.Server.ShutdownTimeout)
	}
	if cfg.Server.ReadHeaderTimeout.D() != 5*time.Second {
		t.Errorf("read_header_timeout = %v: the default must apply", cfg.Server.ReadHeaderTimeout)
	}
	if cfg.Server.MaxEventStreams != 50 {
		t.Errorf("max_event_streams = %d, want 50 from the environment", cfg.Server.MaxEventStreams)
	}
	if cfg.YouTube.Concurrency != 4 || cfg.Metrics.Enabled || cfg.YouTube.MaxFilesize != 1<<30 {
		t.Errorf("env overlay: concurrency %d metrics %v filesize %d", cfg.YouTube.Concurrency, cfg.Metrics.Enabled, cfg.YouTube.MaxFilesize)
	}
	if !reflect.DeepEqual(cfg.YouTube.AllowedHosts, []string{"x.example", ".y.example"}) {
		t.Errorf("allowed_hosts = %v", cfg.YouTube.AllowedHosts)
	}
	if cfg.Path != p {
		t.Errorf("Path = %q", cfg.Path)
	}
}

func TestBadEnvNamesVariable(t *testing.T) {
	_, err := config.Load("", envMap(map[string]string{"MEDIANEST_YOUTUBE_CONCURRENCY": "many"}))
	if err == nil || !strings.Contains(err.Error(), "MEDIANEST_YOUTUBE_CONCURRENCY") {
		t.Fatalf("error = %v", err)
	}
}

func TestMissingNamedFileIsAnError(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "nope.toml"), noEnv)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("error = %v", err)
	}
	_, err = config.Load("", envMap(map[string]string{"MEDIANEST_CONFIG": "/nonexistent/m.toml"}))
	if err == nil {
		t.Fatal("a missing $MEDIANEST_CONFIG file was accepted")
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "plex-token")
	os.WriteFile(tok, []byte("s3cret-plex\n"), 0o600)
	cfg, err := config.Load("", envMap(map[string]string{"MEDIANEST_PLEX_TOKEN_FILE": tok}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ResolveSecrets(); err != nil {
		t.Fatal(err)
	}
	if cfg.Plex.Token != "s3cret-plex" {
		t.Fatalf("token = %q", cfg.Plex.Token)
	}
	cfg.Overseerr.APIKey, cfg.Overseerr.APIKeyFile = "inline", tok
	if err := cfg.ResolveSecrets(); err == nil || !strings.Contains(err.Error(), "both set") {
		t.Fatalf("both set: %v", err)
	}
	cfg = config.Default()
	cfg.Metrics.TokenFile = filepath.Join(dir, "missing")
	if err := cfg.ResolveSecrets(); err == nil || !strings.Contains(err.Error(), "metrics.token_file") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*config.Config)
		want string
	}{
		{"listen", func(c *config.Config) { c.Server.Listen = "8080" }, "server.listen"},
		{"listen port range", func(c *config.Config) { c.Server.Listen = "127.0.0.1:99999" }, "server.listen"},
		{"listen port name", func(c *config.Config) { c.Server.Listen = "127.0.0.1:http" }, "server.listen"},
		{"listen port zero", func(c *config.Config) { c.Server.Listen = "127.0.0.1:0" }, "server.listen"},
		{"listen host", func(c *config.Config) { c.Server.Listen = "my host:8080" }, "server.listen"},
		{"listen bad ip", func(c *config.Config) { c.Server.Listen = "300.1.2.3:8080" }, "server.listen"},
		{"base_url", func(c *config.Config) { c.Server.BaseURL = "media.example.com" }, "server.base_url"},
		{"base_url space", func(c *config.Config) { c.Server.BaseURL = "https://example.com/my%20media" }, "server.base_url"},
		{"base_url braces", func(c *config.Config) { c.Server.BaseURL = "https://example.com/{x}" }, "server.base_url"},
		{"proxy", func(c *config.Config) { c.Server.TrustedProxies = []string{"proxy"} }, "server.trusted_proxies"},
		{"cors", func(c *config.Config) { c.Server.CORSAllowedOrigins = []string{"https://a.example/path"} }, "cors_allowed_origins"},
		{"event streams", func(c *config.Config) { c.Server.MaxEventStreams = 0 }, "server.max_event_streams"},
		{"plex url", func(c *config.Config) { c.Plex.URL = "file:///etc/passwd" }, "plex.url"},
		{"creds in url", func(c *config.Config) { c.Overseerr.URL = "http://u:p@host:5055" }, "overseerr.url"},
		{"kuma slug", func(c *config.Config) { c.UptimeKuma.URL = "http://kuma:3001" }, "uptime_kuma.status_page"},
		{"logins", func(c *config.Config) { c.Auth.PlexLogin, c.Auth.LocalLogin = false, false }, "nobody could sign in"},
		{"level", func(c *config.Config) { c.Log.Level = "loud" }, "log.level"},
		{"concurrency", func(c *config.Config) { c.YouTube.Concurrency = 0 }, "youtube.concurrency"},
		{"host", func(c *config.Config) { c.YouTube.AllowedHosts = []string{"https://youtube.com"} }, "youtube.allowed_hosts"},
		{"metrics net", func(c *config.Config) { c.Metrics.AllowedNetworks = []string{"10.0.0.0/33"} }, "metrics.allowed_networks"},
		{"audit retention", func(c *config.Config) { c.Audit.Retention = config.Duration(time.Hour) }, "audit.retention"},
		{"fallback user", func(c *config.Config) { c.Overseerr.FallbackUserID = -1 }, "overseerr.fallback_user_id"},
		{"notifications retention", func(c *config.Config) { c.Notifications.Retention = config.Duration(time.Minute) }, "notifications.retention"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := config.Default()
			c.mod(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate() = %v, want mention of %q", err, c.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1", 1},
		{"1024", 1024},
		{" 1024 ", 1024},
		{"10GiB", 10 << 30},
		{"10gib", 10 << 30},
		{"10 GiB", 10 << 30},
		{"4G", 4 << 30},
		{"1.5G", 3 << 29},
		{"500MB", 500e6},
		{"1.5KiB", 1536},
		{"1TB", 1e12},
		{"0T", 0},
		{"9223372036854775807", 1<<63 - 1},
		{"9223372036854775807B", 1<<63 - 1},
		{"8388607T", 8388607 << 40},
	}
	for _, c := range cases {
		got, err := config.ParseSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, want string }{
		{"", "not a size"},
		{"GiB", "not a size"},
		{"ten", "not a size"},
		{"-1", "not a size"},
		{"-1GiB", "not a size"},
		{"1XB", "not a size"},
		{"1.2.3G", "not a size"},
		{"1e3", "not a size"},
		{"9999999999T", "too large"},
		{"8388608T", "too large"},
		{"9223372036854775808", "too large"},
		{"99999999999999999999999", "too large"},
		{"9223372036854775807K", "too large"},
		{"8796093022208.5M", "too large"},
		{"1" + strings.Repeat("0", 400), "too large"},
		{"1" + strings.Repeat("0", 400) + ".5", "too large"},
	}
	for _, c := range bad {
		got, err := config.ParseSize(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSize(%q) = %d, %v; want an error mentioning %q", c.in, got, err, c.want)
		}
	}
}

// A size in the file that overflows is refused, not turned negative.
func TestSizeOverflowInFile(t *testing.T) {
	_, err := config.Load(writeFile(t, "[youtube]\nmax_filesize = \"9999999999T\"\n"), noEnv)
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("error = %v", err)
	}
}

// A variable that is set overrides the file even when it is empty, so a
// file value can be cleared from the environment; an unset one does not.
func TestEmptyEnvOverridesFile(t *testing.T) {
	p := writeFile(t, "[server]\nbase_url = \"https://media.example.com\"\ntrusted_proxies = [\"10.0.0.1\"]\n[log]\nformat = \"json\"\n")
	cfg, err := config.Load(p, envMap(map[string]string{
		"MEDIANEST_SERVER_BASE_URL":        "",
		"MEDIANEST_SERVER_TRUSTED_PROXIES": "",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.BaseURL != "" || len(cfg.Server.TrustedProxies) != 0 {
		t.Errorf("base_url = %q, trusted_proxies = %v: an empty variable must override the file", cfg.Server.BaseURL, cfg.Server.TrustedProxies)
	}
	if cfg.Log.Format != "json" {
		t.Errorf("log.format = %q: an unset variable must leave the file value", cfg.Log.Format)
	}
	// There is no empty number, switch or duration: say so instead of
	// guessing.
	for _, name := range []string{"MEDIANEST_YOUTUBE_CONCURRENCY", "MEDIANEST_METRICS_ENABLED", "MEDIANEST_AUTH_SESSION_TTL", "MEDIANEST_YOUTUBE_MAX_FILESIZE"} {
		_, err := config.Load(p, envMap(map[string]string{name: ""}))
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "empty") {
			t.Errorf("%s set but empty: error = %v", name, err)
		}
	}
	// An empty MEDIANEST_CONFIG names no file.
	if _, err := config.Load("", envMap(map[string]string{"MEDIANEST_CONFIG": ""})); err != nil {
		t.Errorf("empty MEDIANEST_CONFIG: %v", err)
	}
}

// The retention keys come from the file and the environment, and "0"
// (keep forever) is valid.
func TestRetention(t *testing.T) {
	def := config.Default()
	if def.Audit.Retention.D() != 8760*time.Hour || def.Notifications.Retention.D() != 2160*time.Hour {
		t.Fatalf("defaults: audit %s, notifications %s", def.Audit.Retention, def.Notifications.Retention)
	}
	p := writeFile(t, "[audit]\nretention = \"0\"\n[notifications]\nretention = \"720h\"\n")
	cfg, err := config.Load(p, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Audit.Retention != 0 || cfg.Notifications.Retention.D() != 720*time.Hour {
		t.Fatalf("from the file: audit %s, notifications %s", cfg.Audit.Retention, cfg.Notifications.Retention)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MEDIANEST_AUDIT_RETENTION": "48h", "MEDIANEST_NOTIFICATIONS_RETENTION": "0"}
	cfg, err = config.Load(p, envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Audit.Retention.D() != 48*time.Hour || cfg.Notifications.Retention != 0 {
		t.Fatalf("from the environment: audit %s, notifications %s", cfg.Audit.Retention, cfg.Notifications.Retention)
	}
	env["MEDIANEST_AUDIT_RETENTION"] = "365d"
	if _, err := config.Load(p, envMap(env)); err == nil || !strings.Contains(err.Error(), "MEDIANEST_AUDIT_RETENTION") {
		t.Fatalf("365d: %v, want an error naming the variable", err)
	}
}

// A MEDIANEST_* variable that maps to no key is reported, with the key it
// probably meant; the variables that are not keys are not.
func TestUnknownEnv(t *testing.T) {
	got := config.UnknownEnv([]string{
		"MEDIANEST_SERVER_LISTEN=:1", "MEDIANEST_SERVER_LISTN=:2", "MEDIANEST_CONFIG=/x", "MEDIANEST_E2E=1", "MEDIANEST_UI_SHOTS=/tmp/shots",
		"MEDIANEST_PLEX_TOKEN_FILE=/t", "MEDIANEST_SECURITY_SECRET_KEY_FILE=/k", "HOME=/root", "MEDIANEST_FOO=1", "MEDIANEST_LOG_LEVEL",
	})
	want := []string{
		"MEDIANEST_FOO is set but is no setting",
		"MEDIANEST_SERVER_LISTN is set but is no setting (did you mean MEDIANEST_SERVER_LISTEN?)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("UnknownEnv:\n got %q\nwant %q", got, want)
	}
}

// docs/configuration.md lists every key of the Config struct, with the
// default config.example.toml gives it.
func TestDocsCoverEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{}
	section := ""
	for _, line := range strings.Split(string(example), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		if k, v, ok := strings.Cut(line, " = "); ok && !strings.HasPrefix(line, "#") {
			defaults[section+"."+k] = strings.TrimSpace(v)
		}
	}
	for _, key := range config.Keys() {
		def, ok := defaults[key]
		if !ok {
			t.Errorf("config.example.toml does not set %s", key)
			continue
		}
		section, name, _ := strings.Cut(key, ".")
		row := fmt.Sprintf("| `%s` | `%s` | `%s` |", key, def, config.EnvName(section, name))
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/configuration.md has no row %q", row)
		}
	}
	if len(defaults) != len(config.Keys()) {
		t.Errorf("config.example.toml sets %d keys, Config has %d", len(defaults), len(config.Keys()))
	}
}
