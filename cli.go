package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"medianest/app/principal"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/auth"
	"medianest/app/config"
	"medianest/app/doctor"
	"medianest/app/httpx"
	"medianest/app/server"
	"medianest/db"
)

// Exit codes: 0 success; 1 the command failed (a doctor FAIL, not ready, a
// server that had to cut requests off at shutdown); 2 the command line or the
// configuration is wrong.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// usageError marks mistakes in how the command was called; help is the
// command whose --help explains its use ("medianest user add").
type usageError struct {
	error
	help string
}

// usage is the usage error of the command c runs. When a flag of that
// command came after an argument, where urfave/cli no longer reads flags, it
// says so: that is the usual cause (`user add admin --admin`).
func usage(c *cli.Context, err error) error {
	if c.Command != nil && c.NArg() > 1 {
		args := c.Args().Slice()
		for _, a := range args[1:] {
			name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if strings.HasPrefix(a, "-") && hasFlag(c.Command.Flags, name) {
				err = fmt.Errorf("%w; flags come before arguments: put %s before %q", err, a, args[0])
				break
			}
		}
	}
	return usageError{err, helpName(c)}
}

// helpName is how the command c runs is called: "medianest user add".
func helpName(c *cli.Context) string {
	if c.Command != nil && c.Command.HelpName != "" {
		return c.Command.HelpName
	}
	return "medianest"
}

func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// run is main without the process: tests call it with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	configFlag := &cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "read the configuration from `FILE` (also $MEDIANEST_CONFIG)"}
	quietFlag := &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not say which config file, database and secret key a command uses"}
	versionFlag := &cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version, commit, Go version and build date"}
	server := e.serverCommand(configFlag)
	app := &cli.App{
		Name:                 "medianest",
		Usage:                "the Plex portal for friends and family",
		Version:              version,
		Writer:               stdout,
		ErrWriter:            stderr,
		Flags:                []cli.Flag{configFlag, quietFlag, versionFlag},
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {},
		// --version answers whatever follows it, like `version`.
		Before: func(c *cli.Context) error {
			if c.Bool("version") {
				e.printVersion()
				return errDone
			}
			return nil
		},
		// No arguments at all runs the server. This is not cli's
		// DefaultCommand, which also runs it whenever a subcommand's first
		// argument equals a flag's name (`user add --admin admin`).
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usage(c, fmt.Errorf("there is no command %q", c.Args().First()))
			}
			return server.Action(c)
		},
		Commands: []*cli.Command{
			server,
			e.migrateCommand(configFlag),
			e.doctorCommand(configFlag),
			e.userCommand(configFlag),
			e.backupCommand(configFlag),
			e.healthcheckCommand(configFlag),
			e.versionCommand(),
		},
		// Called when the flags do not parse: c has no arguments then.
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return usageError{err, helpName(c)}
		},
	}
	// The version flag is ours (printing what `version` prints), not cli's.
	app.HideVersion = true
	// Every command with --config also takes --quiet after its name, as
	// --config can be given there too.
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, cmd := range cmds {
			cmd.OnUsageError = app.OnUsageError
			if hasFlag(cmd.Flags, "config") {
				cmd.Flags = append(cmd.Flags, quietFlag)
			}
			walk(cmd.Subcommands)
		}
	}
	walk(app.Commands)
	err := app.RunContext(ctx, args)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errDone):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "medianest: %v; see `%s --help`.\n", ue.error, ue.help)
		return exitUsage
	case errors.Is(err, errSilent):
		return exitFailed
	default:
		var ce configError
		fmt.Fprintf(stderr, "medianest: %v\n", sentence(err))
		if errors.As(err, &ce) {
			return exitUsage
		}
		return exitFailed
	}
}

// errSilent ends a command that has already printed why it failed.
var errSilent = errors.New("failed")

// errDone ends a command that has done all it had to (--version).
var errDone = errors.New("done")

type configError struct{ error }

func (c configError) Unwrap() error { return c.error }

func sentence(err error) string {
	s := err.Error()
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// loadConfig reads the configuration with the precedence flags > environment
// > file > defaults, and validates it.
func loadConfig(c *cli.Context) (config.Config, error) {
	cfg, err := config.Load(configPath(c), os.LookupEnv)
	if err != nil {
		return cfg, configError{err}
	}
	if c.IsSet("listen") {
		cfg.Server.Listen = c.String("listen")
	}
	if c.IsSet("data-dir") {
		cfg.Data.Dir = c.String("data-dir")
	}
	if c.IsSet("log-level") {
		cfg.Log.Level = c.String("log-level")
	}
	if err := cfg.ResolveSecrets(); err != nil {
		return cfg, configError{err}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, configError{err}
	}
	return cfg, nil
}

// prepare loads the configuration of a command that opens the database and
// says on stderr which file, database and secret key it uses (unless
// --quiet), so that a command run against the wrong instance shows it at
// once. Unless create is set it refuses a database that does not exist yet:
// opening it would create an empty one, with a data directory and a new
// secret key, wherever the command happened to run.
func (e *env) prepare(c *cli.Context, create, opensKey bool) (config.Config, error) {
	cfg, err := loadConfig(c)
	if err != nil {
		return cfg, err
	}
	if !create && !exists(cfg.DatabasePath()) {
		return cfg, configError{fmt.Errorf("no database at %s; pass --config or --data-dir, or run `medianest migrate up` to create one", shown(cfg.DatabasePath()))}
	}
	if !quiet(c) {
		e.sayUses(usesOf(cfg, create, opensKey))
	}
	return cfg, nil
}

func quiet(c *cli.Context) bool {
	for _, x := range c.Lineage() {
		if x.Bool("quiet") {
			return true
		}
	}
	return false
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// uses is what a command works on, as printed by the commands and logged
// by the server at start.
type uses struct{ config, database, secretKey string }

// usesOf describes cfg's files; one that does not exist yet is "(new)" when
// the command creates it and "(none yet)" when it does not.
func usesOf(cfg config.Config, createsDB, createsKey bool) uses {
	missing := func(creates bool) string {
		if creates {
			return " (new)"
		}
		return " (none yet)"
	}
	u := uses{config: "no config file", database: shown(cfg.DatabasePath()), secretKey: shown(cfg.SecretKeyPath())}
	if cfg.Path != "" {
		u.config = "config " + shown(cfg.Path)
	}
	if !exists(cfg.DatabasePath()) {
		u.database += missing(createsDB)
	}
	switch {
	case cfg.Security.SecretKey != "":
		u.secretKey = "from security.secret_key"
	case !exists(cfg.SecretKeyPath()):
		u.secretKey += missing(createsKey && cfg.Security.SecretKeyFile == "")
	}
	return u
}

func (e *env) sayUses(u uses) {
	fmt.Fprintf(e.stderr, "medianest: %s, database %s, secret key %s\n", u.config, u.database, u.secretKey)
}

// shown writes a relative path as ./path, so that it reads as one.
func shown(path string) string {
	if filepath.IsAbs(path) || strings.HasPrefix(path, ".") {
		return path
	}
	return "." + string(filepath.Separator) + path
}

// configPath is --config wherever it was given: after the command or before
// it (each command defines the flag too, so the nearest one set wins).
func configPath(c *cli.Context) string {
	for _, x := range c.Lineage() {
		if v := x.String("config"); v != "" {
			return v
		}
	}
	return ""
}

// newLogger is the logger the configuration asks for over w, and its
// format ("json" or "text").
func newLogger(cfg config.Config, w io.Writer) (*slog.Logger, string) {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	format := logFormat(cfg, w)
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), format
	}
	return slog.New(slog.NewJSONHandler(w, opts)), format
}

// logFormat is log.format, or when unset text for a terminal and JSON for
// anything else (journald, a file, a pipe).
func logFormat(cfg config.Config, w io.Writer) string {
	if cfg.Log.Format != "" {
		return cfg.Log.Format
	}
	out := w
	if l, ok := w.(*logWriter); ok {
		out = l.out // to tell a terminal
	}
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return "text"
		}
	}
	return "json"
}

var serverFlags = []cli.Flag{
	&cli.StringFlag{Name: "listen", Usage: "listen on `ADDR` (server.listen)"},
	&cli.StringFlag{Name: "data-dir", Usage: "keep data in `DIR` (data.dir)"},
	&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error (log.level)"},
}

func (e *env) serverCommand(configFlag cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "server",
		Usage: "run the web server (what `medianest` alone runs)",
		Flags: append([]cli.Flag{configFlag}, serverFlags...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usage(c, fmt.Errorf("server takes no arguments, got %q", c.Args().First()))
			}
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			return e.serve(c.Context, cfg)
		},
	}
}

func (e *env) serve(ctx context.Context, cfg config.Config) error {
	lw := newLogWriter(e.stderr)
	defer lw.Close()
	log, format := newLogger(cfg, lw)
	log = slog.New(logHandler{log.Handler(), lw})
	// Held until the server has stopped: a second server, a restore and a
	// destructive migration refuse while it is.
	lock, err := db.LockDir(cfg.Data.Dir)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	// The server logs what the other commands print on stderr: its stderr
	// is its log, and --quiet is log.level's job there.
	u := usesOf(cfg, true, true)
	log.Info("using", "config", u.config, "database", u.database, "secret_key", u.secretKey)
	for _, w := range config.UnknownEnv(os.Environ()) {
		log.Warn("environment: " + w)
	}
	data, err := server.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer data.Close()
	if data.KeyCreated {
		log.Info("created a new secret key; back it up with the database", "path", cfg.SecretKeyPath())
	}
	srv, err := server.New(ctx, cfg, data.DB, server.Options{
		Version: version, Logger: log, Box: data.Box,
		// The access log writes its lines itself, in the logger's form.
		Access: httpx.AccessOutput{Format: format, W: lw},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (server.listen): %w; is another program using it?", cfg.Server.Listen, err)
	}
	err = srv.Run(ctx, ln)
	if errors.Is(err, httpx.ErrShutdownTimeout) {
		// Serve has logged which requests were cut off.
		return errSilent
	}
	if err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

func (e *env) migrateCommand(configFlag cli.Flag) *cli.Command {
	withMigrator := func(create bool, f func(c *cli.Context, m *db.Migrator) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usage(c, fmt.Errorf("migrate %s takes no arguments", c.Command.Name))
			}
			cfg, err := e.prepare(c, create, false)
			if err != nil {
				return err
			}
			// A rollback drops tables and columns a running server uses.
			if n := c.Command.Name; n == "down" || n == "redo" {
				if err := db.CheckUnlocked(cfg.Data.Dir); err != nil {
					return err
				}
			}
			d, err := server.OpenDatabase(c.Context, cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			m, err := db.NewMigrator(d)
			if err != nil {
				return err
			}
			return f(c, m)
		}
	}
	flags := []cli.Flag{configFlag, &cli.StringFlag{Name: "data-dir", Usage: "the data `DIR` (data.dir)"}}
	rollback := append(flags[:len(flags):len(flags)], &cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "roll back without asking, although it drops data"})
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply or roll back database migrations",
		Subcommands: []*cli.Command{
			{Name: "up", Usage: "apply every pending migration", Flags: flags, Action: withMigrator(true, func(c *cli.Context, m *db.Migrator) error {
				res, err := m.Up(c.Context)
				for _, r := range res {
					fmt.Fprintln(e.stdout, r.String())
				}
				if err == nil && len(res) == 0 {
					fmt.Fprintln(e.stdout, "The database is up to date.")
				}
				return err
			})},
			{Name: "down", Usage: "roll back the newest migration (drops what it added; asks first, or pass --yes)", Flags: rollback, Action: withMigrator(false, func(c *cli.Context, m *db.Migrator) error {
				if err := e.confirmRollback(c, m); err != nil {
					return err
				}
				r, err := m.Down(c.Context)
				if r != nil {
					fmt.Fprintln(e.stdout, r.String())
				}
				return err
			})},
			{Name: "redo", Usage: "roll back and re-apply the newest migration (drops what it added; asks first, or pass --yes)", Flags: rollback, Action: withMigrator(false, func(c *cli.Context, m *db.Migrator) error {
				if err := e.confirmRollback(c, m); err != nil {
					return err
				}
				res, err := m.Redo(c.Context)
				for _, r := range res {
					fmt.Fprintln(e.stdout, r.String())
				}
				return err
			})},
			{Name: "status", Usage: "list migrations and whether each is applied", Flags: flags, Action: withMigrator(false, func(c *cli.Context, m *db.Migrator) error {
				st, err := m.Status(c.Context)
				if err != nil {
					return err
				}
				for _, s := range st {
					when := "pending"
					if !s.AppliedAt.IsZero() {
						when = "applied " + s.AppliedAt.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(e.stdout, "%05d  %-28s %s\n", s.Source.Version, filepath.Base(s.Source.Path), when)
				}
				return nil
			})},
			{Name: "version", Usage: "print the applied and the newest schema version", Flags: flags, Action: withMigrator(false, func(c *cli.Context, m *db.Migrator) error {
				cur, target, err := m.Versions(c.Context)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "current=%d target=%d\n", cur, target)
				return nil
			})},
		},
		Action: func(c *cli.Context) error {
			return usage(c, errors.New("migrate needs a subcommand: up, down, status, version or redo"))
		},
	}
}

// confirmRollback asks on the terminal before the newest migration is rolled
// back, since its Down drops the tables and columns it added with their
// rows, and the first one drops everything; without a terminal it needs
// --yes.
func (e *env) confirmRollback(c *cli.Context, m *db.Migrator) error {
	if c.Bool("yes") {
		return nil
	}
	st, err := m.Status(c.Context)
	if err != nil {
		return err
	}
	var newest, first string
	for i, s := range st {
		if i == 0 {
			first = filepath.Base(s.Source.Path)
		}
		if !s.AppliedAt.IsZero() {
			newest = filepath.Base(s.Source.Path)
		}
	}
	if newest == "" {
		return nil // nothing to roll back; Down and Redo say so
	}
	what := "rolling back " + newest + " drops the tables and columns it added, with their data"
	if newest == first {
		what = "rolling back " + newest + " deletes every table: all of MediaNest's data"
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return usage(c, fmt.Errorf("%s; pass --yes to do it without a terminal to confirm on", what))
	}
	fmt.Fprintf(e.stderr, "%s (back up data.dir first). Type yes to go on: ", strings.ToUpper(what[:1])+what[1:])
	answer, err := readLine(f)
	if err != nil || strings.TrimSpace(answer) != "yes" {
		fmt.Fprintln(e.stderr, "medianest: nothing was changed.")
		return errSilent
	}
	return nil
}

func (e *env) doctorCommand(configFlag cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check the installation and print what to fix (changes nothing)",
		Flags: []cli.Flag{
			configFlag,
			&cli.StringFlag{Name: "data-dir", Usage: "the data `DIR` (data.dir)"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON array"},
			&cli.BoolFlag{Name: "list", Usage: "list the checks and exit"},
			&cli.StringSliceFlag{Name: "run", Usage: "run only the check `NAME` (repeatable)"},
		},
		Action: func(c *cli.Context) error {
			cfg, cfgErr := loadConfig(c)
			if cfgErr != nil {
				// Report the configuration problem as a check and go on
				// with what could be read, so the other checks still help.
				if errors.As(cfgErr, new(configError)) {
					cfg2, _ := config.Load(configPath(c), os.LookupEnv)
					if c.IsSet("data-dir") {
						cfg2.Data.Dir = c.String("data-dir")
					}
					cfg = cfg2
				}
			}
			checks := doctor.Checks(doctor.Deps{Config: cfg, ConfigErr: cfgErr, Version: version, Environ: os.Environ()})
			if c.Bool("list") && c.Bool("json") {
				return doctor.WriteListJSON(e.stdout, checks)
			}
			if c.Bool("list") {
				for _, ch := range checks {
					fmt.Fprintf(e.stdout, "%-12s %s\n", ch.Name, ch.Description)
				}
				return nil
			}
			checks, err := doctor.Select(checks, c.StringSlice("run"))
			if err != nil {
				return usage(c, err)
			}
			if cfgErr == nil && !quiet(c) {
				e.sayUses(usesOf(cfg, false, false))
			}
			results := doctor.Run(c.Context, checks)
			if c.Bool("json") {
				if err := doctor.WriteJSON(e.stdout, results); err != nil {
					return err
				}
			} else {
				doctor.WriteText(e.stdout, results)
			}
			if doctor.Failed(results) {
				return errSilent
			}
			return nil
		},
	}
}

func (e *env) healthcheckCommand(configFlag cli.Flag) *cli.Command {
	return &cli.Command{
		Name:      "healthcheck",
		Usage:     "ask a running server whether it is ready (exit 0 when ready or degraded)",
		ArgsUsage: "[BASE_URL]",
		Flags:     []cli.Flag{configFlag, &cli.DurationFlag{Name: "timeout", Value: 5 * time.Second, Usage: "give up after `DURATION`"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usage(c, errors.New("healthcheck takes at most one argument, the base URL"))
			}
			base := c.Args().First()
			if base == "" {
				cfg, err := loadConfig(c)
				if err != nil {
					return err
				}
				base = localURL(cfg)
			}
			return e.healthcheck(c, base, c.Duration("timeout"))
		},
	}
}

// localURL is the address a probe on this machine uses to reach the server.
func localURL(cfg config.Config) string {
	host, port, _ := net.SplitHostPort(cfg.Server.Listen)
	switch host {
	case "", "0.0.0.0", "::", "[::]":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + server.BasePath(cfg.Server.BaseURL)
}

// healthcheck asks base for its readiness and believes only MediaNest's
// readiness JSON: a 200 from another program (a proxy's default page, the
// web UI behind a wrong base path) is not a ready MediaNest.
func (e *env) healthcheck(c *cli.Context, base string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(c.Context, timeout)
	defer cancel()
	url := strings.TrimRight(base, "/") + "/health/ready"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usage(c, fmt.Errorf("%q is not a URL", base))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(e.stderr, "medianest: %s did not answer: %v.\n", url, err)
		return errSilent
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var ready struct {
		Status string                     `json:"status"`
		Checks map[string]json.RawMessage `json:"checks"`
	}
	if json.Unmarshal(body, &ready) != nil || ready.Checks == nil ||
		(ready.Status != "ready" && ready.Status != "degraded" && ready.Status != "not_ready") {
		fmt.Fprintf(e.stderr, "medianest: %s answered HTTP %d, but not MediaNest's readiness answer; give MediaNest's base URL, with its path when server.base_url has one.\n", url, resp.StatusCode)
		return errSilent
	}
	fmt.Fprintln(e.stdout, strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK || ready.Status == "not_ready" {
		fmt.Fprintf(e.stderr, "medianest: %s answered HTTP %d: not ready.\n", url, resp.StatusCode)
		return errSilent
	}
	return nil
}

func (e *env) versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version, commit, Go version and build date",
		Action: func(c *cli.Context) error {
			e.printVersion()
			return nil
		},
	}
}

func (e *env) printVersion() {
	rev, when := commit, date
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && rev == "":
				rev = s.Value
			case s.Key == "vcs.time" && when == "":
				when = s.Value
			}
		}
	}
	fmt.Fprintf(e.stdout, "medianest %s\ncommit:  %s\ngo:      %s %s/%s\nbuilt:   %s\n",
		version, orUnknown(rev), runtime.Version(), runtime.GOOS, runtime.GOARCH, orUnknown(when))
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// withAuth opens the database (migrating it when allowed) and an auth service
// without HTTP, for the user commands.
func (e *env) withAuth(c *cli.Context, create bool, f func(ctx context.Context, a *auth.Service) error) error {
	cfg, err := e.prepare(c, create, true)
	if err != nil {
		return err
	}
	log, _ := newLogger(cfg, io.Discard)
	data, err := server.Open(c.Context, cfg, log)
	if err != nil {
		return err
	}
	defer data.Close()
	// Changes made here are audited like the admin API's, with the actor "cli".
	rec := audit.New(data.DB, nil).WithLogger(log)
	a, err := auth.New(auth.Deps{DB: data.DB, Box: data.Box, Config: cfg, Logger: log, Audit: rec})
	if err != nil {
		return err
	}
	return userError(f(c.Context, a))
}

// userError turns the API's validation details into one sentence.
func userError(err error) error {
	if e, ok := apperr.As(err); ok && len(e.Details) > 0 {
		var parts []string
		for _, d := range e.Details {
			parts = append(parts, d.Field+" "+d.Message)
		}
		return errors.New(strings.Join(parts, "; "))
	}
	if e, ok := apperr.As(err); ok {
		return errors.New(strings.TrimSuffix(e.Message, "."))
	}
	return err
}

// readPassword takes the password from the first line of standard input
// (--password-stdin) or asks for it twice on the terminal without echo. It is
// never a flag, so it does not end up in the shell history or ps output.
func (e *env) readPassword(c *cli.Context) (string, error) {
	if c.Bool("password-stdin") {
		line, err := readLine(e.stdin)
		if err != nil {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		return line, nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usage(c, errors.New("there is no terminal to ask for the password; pipe it in with --password-stdin"))
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(e.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		return string(b), err
	}
	p1, err := ask("Password: ")
	if err != nil {
		return "", err
	}
	p2, err := ask("Password again: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", errors.New("the two passwords differ")
	}
	return p1, nil
}

// readLine reads the first line of r, at most 4 KiB of it.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (e *env) userCommand(configFlag cli.Flag) *cli.Command {
	dataDir := &cli.StringFlag{Name: "data-dir", Usage: "the data `DIR` (data.dir)"}
	stdinFlag := &cli.BoolFlag{Name: "password-stdin", Usage: "read the password from the first line of standard input"}
	oneName := func(c *cli.Context, want int, args string) ([]string, error) {
		if c.NArg() != want {
			return nil, usage(c, fmt.Errorf("user %s takes %s", c.Command.Name, args))
		}
		return c.Args().Slice(), nil
	}
	setter := func(name, usage, done string, apply func(ctx context.Context, a *auth.Service, args []string) error) *cli.Command {
		return &cli.Command{Name: name, Usage: usage, ArgsUsage: "NAME", Flags: []cli.Flag{configFlag, dataDir},
			Action: func(c *cli.Context) error {
				args, err := oneName(c, 1, "one argument, NAME")
				if err != nil {
					return err
				}
				return e.withAuth(c, false, func(ctx context.Context, a *auth.Service) error {
					if err := apply(ctx, a, args); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, done+"\n", args[0])
					return nil
				})
			}}
	}
	return &cli.Command{
		Name:  "user",
		Usage: "manage accounts (works while the server runs; changes reach it within seconds)",
		Subcommands: []*cli.Command{
			{
				Name: "add", Usage: "create a local account", ArgsUsage: "NAME",
				Flags: []cli.Flag{configFlag, dataDir, stdinFlag,
					&cli.BoolFlag{Name: "admin", Usage: "give the account the admin role"},
					&cli.StringFlag{Name: "email", Usage: "the account's e-mail `ADDRESS`"}},
				Action: func(c *cli.Context) error {
					args, err := oneName(c, 1, "one argument, NAME")
					if err != nil {
						return err
					}
					pw, err := e.readPassword(c)
					if err != nil {
						return err
					}
					role := principal.RoleUser
					if c.Bool("admin") {
						role = principal.RoleAdmin
					}
					return e.withAuth(c, true, func(ctx context.Context, a *auth.Service) error {
						u, err := a.CreateLocalUser(ctx, args[0], pw, c.String("email"), role)
						if err != nil {
							return err
						}
						fmt.Fprintf(e.stdout, "Created %s (id %d, role %s).\n", u.Username, u.ID, u.Role)
						return nil
					})
				},
			},
			{
				Name: "list", Usage: "list accounts", Flags: []cli.Flag{configFlag, dataDir},
				Action: func(c *cli.Context) error {
					return e.withAuth(c, false, func(ctx context.Context, a *auth.Service) error {
						users, err := a.ListUsers(ctx)
						if err != nil {
							return err
						}
						fmt.Fprintf(e.stdout, "%-5s %-24s %-6s %-9s %-6s %s\n", "ID", "USERNAME", "ROLE", "STATUS", "FROM", "E-MAIL")
						for _, u := range users {
							fmt.Fprintf(e.stdout, "%-5d %-24s %-6s %-9s %-6s %s\n", u.ID, u.Username, u.Role, u.Status, u.Provider, u.Email)
						}
						return nil
					})
				},
			},
			{
				Name: "passwd", Usage: "set a local account's password (ends its sessions)", ArgsUsage: "NAME",
				Flags: []cli.Flag{configFlag, dataDir, stdinFlag},
				Action: func(c *cli.Context) error {
					args, err := oneName(c, 1, "one argument, NAME")
					if err != nil {
						return err
					}
					pw, err := e.readPassword(c)
					if err != nil {
						return err
					}
					return e.withAuth(c, false, func(ctx context.Context, a *auth.Service) error {
						if err := a.SetPassword(ctx, args[0], pw); err != nil {
							return err
						}
						fmt.Fprintf(e.stdout, "Password of %s changed; its sessions have ended.\n", args[0])
						return nil
					})
				},
			},
			{
				Name: "role", Usage: "make an account admin or user (ends its sessions)", ArgsUsage: "NAME admin|user",
				Flags: []cli.Flag{configFlag, dataDir},
				Action: func(c *cli.Context) error {
					args, err := oneName(c, 2, "two arguments, NAME and admin|user")
					if err != nil {
						return err
					}
					return e.withAuth(c, false, func(ctx context.Context, a *auth.Service) error {
						if err := a.SetRole(ctx, args[0], args[1]); err != nil {
							return err
						}
						fmt.Fprintf(e.stdout, "%s is now %s.\n", args[0], args[1])
						return nil
					})
				},
			},
			setter("disable", "disable an account and end its sessions and tokens", "%s is disabled; its sessions and tokens have ended.",
				func(ctx context.Context, a *auth.Service, args []string) error {
					return a.SetStatus(ctx, args[0], principal.StatusDisabled)
				}),
			setter("enable", "enable a disabled account", "%s is enabled.",
				func(ctx context.Context, a *auth.Service, args []string) error {
					return a.SetStatus(ctx, args[0], principal.StatusActive)
				}),
		},
		Action: func(c *cli.Context) error {
			return usage(c, errors.New("user needs a subcommand: add, list, passwd, role, disable or enable"))
		},
	}
}
