package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// scrapeAfterTraffic runs the real server, sends it one request of each
// kind below, scrapes /metrics (before), sends it requests to hundreds of
// distinct ids, paths and methods and five wrong passwords, and scrapes
// again (after). The metrics are the process's, so before is what the
// other tests of this binary left plus the warm-up.
func scrapeAfterTraffic(t *testing.T) (before, after string) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	addr := freeAddr(t)
	stop := startServer(t, addr, "--listen", addr)
	t.Cleanup(func() {
		if code, logs := stop(); code != 0 {
			t.Errorf("server exit %d: %s", code, logs)
		}
	})
	base := "http://" + addr
	do := func(method, path, body string) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	scrape := func() string {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("/metrics: %d %v", resp.StatusCode, err)
		}
		return string(b)
	}
	round := func(i int) {
		do("GET", fmt.Sprintf("/api/v1/youtube/downloads/%d", 100000+i), "")
		do("GET", fmt.Sprintf("/api/v1/no-such-thing/%d", i), "")
		do("GET", fmt.Sprintf("/some/page/%d?q=%d", i, i), "")
		do(fmt.Sprintf("M%d", i), "/api/v1/auth/providers", "")
	}
	round(1000)
	do("POST", "/api/v1/auth/login", `{"username":"warm-up","password":"wrong-password"}`)
	do("GET", "/health/ready", "")
	scrape()
	before = scrape()
	for i := range 300 {
		round(i)
	}
	for i := range 5 {
		do("POST", "/api/v1/auth/login", fmt.Sprintf(`{"username":"nobody%d","password":"wrong-password"}`, i))
	}
	do("GET", "/health/ready", "")
	return before, scrape()
}

// samples maps each series of an exposition (the sample line without its
// value) to its value.
func samples(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			out[line[:i]] = line[i+1:]
		}
	}
	return out
}

// family is one metric family of an exposition: its HELP, TYPE and the
// series (sample lines) under it.
type family struct {
	help, typ string
	series    []string
}

var sampleName = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)`)

// parseExposition groups the samples of text by family. A sample belongs to
// the family whose TYPE came last when its name is that family or, for a
// histogram or summary, the family with _bucket, _sum or _count.
func parseExposition(t *testing.T, text string) map[string]*family {
	t.Helper()
	fams := map[string]*family{}
	get := func(name string) *family {
		if fams[name] == nil {
			fams[name] = &family{}
		}
		return fams[name]
	}
	cur := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# HELP "):
			name, h, _ := strings.Cut(strings.TrimPrefix(line, "# HELP "), " ")
			get(name).help = h
		case strings.HasPrefix(line, "# TYPE "):
			name, typ, _ := strings.Cut(strings.TrimPrefix(line, "# TYPE "), " ")
			get(name).typ = typ
			cur = name
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			name := sampleName.FindString(line)
			fam := name
			if cur != "" && (name == cur || strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count") == cur) {
				fam = cur
			}
			get(fam).series = append(get(fam).series, line)
		}
	}
	return fams
}

// TestMetricSet: every medianest_* family has HELP and TYPE, a histogram
// has buckets up to +Inf, the names the API contract lists are there, and
// requests to hundreds of distinct ids, paths and methods leave the label
// sets bounded (route patterns, never raw paths).
func TestMetricSet(t *testing.T) {
	first, text := scrapeAfterTraffic(t)
	fams := parseExposition(t, text)
	warm := parseExposition(t, first)

	for _, name := range []string{
		"medianest_http_requests_total", "medianest_http_request_duration_seconds",
		"medianest_session_cache_hits_total", "medianest_session_cache_misses_total",
		"medianest_upstream_requests_total", "medianest_upstream_request_duration_seconds",
		"medianest_service_up", "medianest_downloads", "medianest_download_bytes_total",
		"medianest_media_requests_total", "medianest_db_open_connections", "medianest_build_info",
		// Added to the contract's list by this release.
		"medianest_download_failures_total", "medianest_download_attempts_total", "medianest_ytdlp_processes",
		"medianest_plex_scan_failures_total", "medianest_backup_last_success_timestamp_seconds",
		"medianest_backup_last_size_bytes", "medianest_backup_interval_seconds", "medianest_backup_failures_total",
		"medianest_signin_failures_total", "medianest_event_streams_open", "medianest_ready",
		"go_goroutines", "process_resident_memory_bytes",
	} {
		if f := fams[name]; f == nil || len(f.series) == 0 {
			t.Errorf("%s is missing from /metrics", name)
		}
	}

	for name, f := range fams {
		if !strings.HasPrefix(name, "medianest_") {
			continue
		}
		if strings.TrimSpace(f.help) == "" {
			t.Errorf("%s has no HELP text", name)
		}
		switch f.typ {
		case "counter":
			if !strings.HasSuffix(name, "_total") {
				t.Errorf("counter %s does not end in _total", name)
			}
		case "gauge":
			if strings.HasSuffix(name, "_total") {
				t.Errorf("gauge %s ends in _total", name)
			}
		case "histogram":
			if !strings.HasSuffix(name, "_seconds") && !strings.HasSuffix(name, "_bytes") {
				t.Errorf("histogram %s has no unit suffix", name)
			}
			if !slices.ContainsFunc(f.series, func(s string) bool { return strings.HasPrefix(s, name+"_bucket{") && strings.Contains(s, `le="+Inf"`) }) {
				t.Errorf("histogram %s has no +Inf bucket: %v", name, f.series[:min(3, len(f.series))])
			}
		default:
			t.Errorf("%s has TYPE %q", name, f.typ)
		}
		for _, s := range f.series {
			if strings.Contains(s, "100042") || strings.Contains(s, "/some/page") || strings.Contains(s, "nobody") || strings.Contains(s, "warm-up") || strings.Contains(s, `"M1`) {
				t.Errorf("a raw id, path, user name or method is a label value: %s", s)
			}
		}
	}

	// 1,200 requests to distinct ids, paths and methods after one of each
	// kind: not one series more.
	for _, name := range []string{"medianest_http_requests_total", "medianest_http_request_duration_seconds",
		"medianest_signin_failures_total", "medianest_downloads", "medianest_upstream_requests_total"} {
		if n, was := len(fams[name].series), len(warm[name].series); n != was {
			t.Errorf("%s went from %d to %d series with requests to distinct ids:\n%s", name, was, n, strings.Join(fams[name].series, "\n"))
		}
	}
	if n := len(fams["medianest_signin_failures_total"].series); n > 20 {
		t.Errorf("medianest_signin_failures_total has %d series", n)
	}
	delta := func(series string) float64 {
		var a, b float64
		fmt.Sscan(samples(first)[series], &a)
		fmt.Sscan(samples(text)[series], &b)
		return b - a
	}
	if d := delta(`medianest_http_requests_total{route="/api/v1/youtube/downloads/{id}",method="GET",code="401"}`); d != 300 {
		t.Errorf("300 requests to distinct download ids added %v to their route pattern's series", d)
	}
	if !strings.Contains(text, `method="OTHER"`) {
		t.Errorf("unknown methods are not counted as OTHER")
	}
	if d := delta(`medianest_signin_failures_total{provider="local",reason="invalid_credentials"}`); d != 5 {
		t.Errorf("five wrong passwords added %v invalid_credentials sign-in failures", d)
	}
	if !strings.Contains(text, "\nmedianest_ready 1\n") {
		t.Errorf("medianest_ready is not 1 on a healthy instance")
	}
}

// needPromtool is promtool from Debian's prometheus package.
func needPromtool(t *testing.T) string {
	t.Helper()
	return needTool(t, "promtool", "apt-get install prometheus")
}

// TestPromtoolChecksMetrics: Prometheus's own checker finds no error and no
// lint problem in what the live server exposes.
func TestPromtoolChecksMetrics(t *testing.T) {
	promtool := needPromtool(t)
	_, text := scrapeAfterTraffic(t)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestPromtoolChecksRules: the shipped alert rules and the scrape example
// are valid for Prometheus.
func TestPromtoolChecksRules(t *testing.T) {
	promtool := needPromtool(t)
	rules, err := filepath.Glob("deploy/prometheus/*.rules.yml")
	if err != nil || len(rules) == 0 {
		t.Fatalf("no rule files in deploy/prometheus: %v", err)
	}
	if out, err := exec.Command(promtool, append([]string{"check", "rules"}, rules...)...).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	if out, err := exec.Command(promtool, "check", "config", "--syntax-only", "deploy/prometheus/scrape.example.yml").CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
}

// promqlNames are the metric names in a PromQL expression: what is left
// of it without strings, label matchers, ranges, grouping clauses and
// variables, minus functions (a name before "("), keywords and numbers.
func promqlNames(expr string) []string {
	for _, re := range promqlStrip {
		expr = re.ReplaceAllString(expr, " ")
	}
	var out []string
	for _, m := range promqlIdent.FindAllStringSubmatch(expr, -1) {
		if name := m[2]; m[3] == "" && !promqlKeywords[name] && !strings.ContainsAny(m[1], "0123456789.") {
			out = append(out, name)
		}
	}
	return out
}

var (
	promqlStrip = []*regexp.Regexp{
		regexp.MustCompile(`"(\\.|[^"\\])*"`),
		regexp.MustCompile(`\{[^}]*\}`),
		regexp.MustCompile(`\[[^\]]*\]`),
		regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`),
		regexp.MustCompile(`\$\w+`),
	}
	promqlIdent    = regexp.MustCompile(`(^|[^a-zA-Z0-9_:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?`)
	promqlKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true,
		"group_right": true, "and": true, "or": true, "unless": true, "bool": true, "offset": true, "e": true, "Inf": true, "NaN": true}
)

func TestPromqlNames(t *testing.T) {
	for expr, want := range map[string]string{
		`sum by (route, le) (rate(medianest_http_request_duration_seconds_bucket{job=~"$job"}[$__rate_interval]))`: "medianest_http_request_duration_seconds_bucket",
		`time() - process_start_time_seconds{instance=~"$instance"}`:                                               "process_start_time_seconds",
		`a_total / on (instance) b > 0 and c`:                                                                      "a_total b c",
		`histogram_quantile(0.95, x_bucket)`:                                                                       "x_bucket",
	} {
		if got := strings.Join(promqlNames(expr), " "); got != want {
			t.Errorf("promqlNames(%q) = %q, want %q", expr, got, want)
		}
	}
}

// TestDashboardQueriesExist: every metric the Grafana dashboard (and the
// alert rules) query is one the live server exposes, so a renamed metric
// cannot leave an empty panel or an alert that never fires.
func TestDashboardQueriesExist(t *testing.T) {
	raw, err := os.ReadFile("deploy/grafana/medianest.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if !strings.Contains(string(raw), `"type": "datasource"`) || strings.Contains(string(raw), `"uid": "prometheus"`) {
		t.Errorf("the dashboard's data source is not a variable")
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "definition") {
					exprs = append(exprs, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(dash)
	if len(exprs) < 20 {
		t.Fatalf("only %d queries found in the dashboard", len(exprs))
	}
	rules, err := os.ReadFile("deploy/prometheus/medianest.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	exprs = append(exprs, ruleExprs(string(rules))...)

	_, text := scrapeAfterTraffic(t)
	exposed := map[string]bool{"up": true} // Prometheus adds up itself
	for _, line := range strings.Split(text, "\n") {
		if n := sampleName.FindString(line); n != "" {
			exposed[n] = true
		}
	}
	for _, e := range exprs {
		for _, name := range promqlNames(e) {
			if name == "job" || name == "instance" { // label_values(metric, job)
				continue
			}
			if !exposed[name] {
				t.Errorf("%q queries %s, which /metrics does not expose", e, name)
			}
		}
	}
}

// ruleExprs are the expr fields of a rule file: one line, or the block of
// more indented lines under "expr: |".
func ruleExprs(yml string) []string {
	var out []string
	lines := strings.Split(yml, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		indent := len(l) - len(strings.TrimLeft(l, " "))
		v, ok := strings.CutPrefix(strings.TrimSpace(l), "expr:")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if v != "|" {
			out = append(out, v)
			continue
		}
		var block []string
		for i+1 < len(lines) && len(lines[i+1])-len(strings.TrimLeft(lines[i+1], " ")) > indent {
			i++
			block = append(block, strings.TrimSpace(lines[i]))
		}
		out = append(out, strings.Join(block, " "))
	}
	return out
}
