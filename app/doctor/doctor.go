// Package doctor checks an installation and says what to fix. It never
// changes anything: the database is opened read-only and no file is created.
package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Status of one check.
const (
	Pass = "PASS"
	Warn = "WARN"
	Fail = "FAIL"
	Skip = "SKIP"
)

// Check is one named diagnosis.
type Check struct {
	Name        string
	Description string
	Run         func(ctx context.Context) Result
}

// Result is what a check found.
type Result struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	Message    string `json:"message"`
	DurationMs int64  `json:"durationMs"`
}

func pass(format string, a ...any) Result {
	return Result{Status: Pass, Message: fmt.Sprintf(format, a...)}
}
func warn(format string, a ...any) Result {
	return Result{Status: Warn, Message: fmt.Sprintf(format, a...)}
}
func fail(format string, a ...any) Result {
	return Result{Status: Fail, Message: fmt.Sprintf(format, a...)}
}
func skip(format string, a ...any) Result {
	return Result{Status: Skip, Message: fmt.Sprintf(format, a...)}
}

// Select keeps the named checks, in the order given; an unknown name is an
// error that lists the known ones.
func Select(all []Check, names []string) ([]Check, error) {
	if len(names) == 0 {
		return all, nil
	}
	byName := map[string]Check{}
	var known []string
	for _, c := range all {
		byName[c.Name] = c
		known = append(known, c.Name)
	}
	var out []Check
	for _, n := range names {
		for _, n := range strings.Split(n, ",") {
			c, ok := byName[strings.TrimSpace(n)]
			if !ok {
				sort.Strings(known)
				return nil, fmt.Errorf("doctor has no check %q (checks: %s)", n, strings.Join(known, ", "))
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// Run runs the checks one after the other, each bounded in time.
func Run(ctx context.Context, checks []Check) []Result {
	out := make([]Result, 0, len(checks))
	for _, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		start := time.Now()
		r := c.Run(cctx)
		cancel()
		r.Name = c.Name
		r.Message = oneLine(r.Message)
		r.DurationMs = time.Since(start).Milliseconds()
		out = append(out, r)
	}
	return out
}

// oneLine joins a message's lines and collapses its white space: the one
// place a message quoting an error from elsewhere (a TOML parser, an
// upstream's answer) is made fit for a `[name] STATUS message` line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Failed reports whether any check failed.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if r.Status == Fail {
			return true
		}
	}
	return false
}

// WriteText prints one line per check and a summary.
func WriteText(w io.Writer, rs []Result) {
	counts := map[string]int{}
	for _, r := range rs {
		fmt.Fprintf(w, "[%s] %-4s  %s\n", r.Name, r.Status, r.Message)
		counts[r.Status]++
	}
	verdict := "all is well"
	switch {
	case counts[Fail] > 0:
		verdict = "fix the FAIL lines above"
	case counts[Warn] > 0:
		verdict = "working, see the WARN lines above"
	}
	fmt.Fprintf(w, "doctor: %d checks: %d pass, %d warn, %d fail, %d skip; %s\n",
		len(rs), counts[Pass], counts[Warn], counts[Fail], counts[Skip], verdict)
}

// WriteListJSON prints the checks as one JSON array of {"name","description"}.
func WriteListJSON(w io.Writer, checks []Check) error {
	type item struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	list := make([]item, 0, len(checks))
	for _, c := range checks {
		list = append(list, item{c.Name, c.Description})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(list)
}

// WriteJSON prints the results as one JSON array.
func WriteJSON(w io.Writer, rs []Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}
