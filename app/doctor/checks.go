package doctor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"medianest/app/config"
	"medianest/app/secret"
	"medianest/db"
)

// Deps is what the checks look at.
type Deps struct {
	Config    config.Config
	ConfigErr error
	Version   string
	// Environ is the process environment (os.Environ), for the MEDIANEST_*
	// variables that are no setting.
	Environ []string
	// Mounts is the mount table (/proc/self/mountinfo format); read from
	// /proc when nil.
	Mounts func() (io.ReadCloser, error)
	// Extra checks join the built-in ones (upstream services).
	Extra []Check
}

// Checks returns every check in the order they print.
func Checks(d Deps) []Check {
	if d.Mounts == nil {
		d.Mounts = func() (io.ReadCloser, error) { return os.Open("/proc/self/mountinfo") }
	}
	cfg := d.Config
	checks := []Check{
		{"config", "the configuration loads and validates", func(ctx context.Context) Result { return checkConfig(d) }},
		{"permissions", "the data directory, the database and the files holding secrets are private to their owner", func(ctx context.Context) Result { return checkPermissions(cfg) }},
		{"data_dir", "the data directory exists, is writable and has free space", func(ctx context.Context) Result { return checkDataDir(cfg.Data.Dir) }},
		{"filesystem", "the database is not on a network filesystem", func(ctx context.Context) Result { return checkFilesystem(cfg.DatabasePath(), d.Mounts) }},
		{"database", "the database opens, passes integrity_check and uses WAL", func(ctx context.Context) Result { return checkDatabase(ctx, cfg.DatabasePath()) }},
		{"migrations", "the schema version matches this MediaNest", func(ctx context.Context) Result { return checkMigrations(ctx, cfg) }},
		{"secret_key", "the key that seals stored secrets is present, 32 bytes and private", func(ctx context.Context) Result { return checkSecretKey(cfg) }},
		{"service_keys", "the stored service keys open with the secret key", func(ctx context.Context) Result { return checkServiceKeys(ctx, cfg) }},
		{"backup", "backups are scheduled and the secret key is kept outside the data directory too", func(ctx context.Context) Result { return checkBackup(cfg) }},
		{"listen", "server.listen is free or held by this MediaNest", func(ctx context.Context) Result { return checkListen(ctx, cfg) }},
	}
	checks = append(checks, upstreamChecks(d)...)
	return append(checks, d.Extra...)
}

func checkConfig(d Deps) Result {
	if d.ConfigErr != nil {
		return fail("%v", d.ConfigErr)
	}
	what := d.Config.Path + " is valid"
	if d.Config.Path == "" {
		what = "no config file; using defaults and MEDIANEST_* environment variables"
	}
	if unknown := config.UnknownEnv(d.Environ); len(unknown) > 0 {
		return warn("%s, but %s; unset or correct it", what, strings.Join(unknown, "; "))
	}
	return pass("%s", what)
}

func hasInlineSecret(c config.Config) bool {
	return c.Plex.Token != "" && c.Plex.TokenFile == "" ||
		c.Overseerr.APIKey != "" && c.Overseerr.APIKeyFile == "" ||
		c.Overseerr.WebhookSecret != "" && c.Overseerr.WebhookSecretFile == "" ||
		c.UptimeKuma.APIKey != "" && c.UptimeKuma.APIKeyFile == "" ||
		c.Metrics.Token != "" && c.Metrics.TokenFile == "" ||
		c.Security.SecretKey != ""
}

func checkDataDir(dir string) Result {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return warn("%s does not exist yet; `medianest server` creates it", dir)
	}
	if err != nil {
		return fail("%s: %v; check data.dir", dir, err)
	}
	if !st.IsDir() {
		return fail("%s is not a directory (data.dir)", dir)
	}
	// Root may write anywhere, so also read the permission bits: a directory
	// nobody may write to is read-only for the service user.
	if st.Mode().Perm()&0o222 == 0 {
		return fail("%s is read-only (mode %04o); run `chmod u+w %s` as its owner, or change data.dir", dir, st.Mode().Perm(), dir)
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return fail("%s is not writable: %v; give the MediaNest user write access (`chown`), or change data.dir", dir, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	var sfs syscall.Statfs_t
	if err := syscall.Statfs(dir, &sfs); err == nil {
		free := int64(sfs.Bavail) * int64(sfs.Bsize)
		if free < 1<<30 {
			return warn("%s is writable but has only %s free", dir, human(free))
		}
		return pass("%s is writable, %s free", dir, human(free))
	}
	return pass("%s is writable", dir)
}

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

var networkFS = map[string]bool{
	"nfs": true, "nfs4": true, "cifs": true, "smb": true, "smb3": true, "smbfs": true,
	"fuse.sshfs": true, "9p": true, "afs": true, "ceph": true, "glusterfs": true, "fuse.glusterfs": true,
	"fuse.rclone": true, "davfs": true, "fuse.s3fs": true,
}

// checkFilesystem warns when the database sits on a network filesystem,
// where SQLite's locking (and WAL's shared memory) is unreliable.
func checkFilesystem(dbPath string, mounts func() (io.ReadCloser, error)) Result {
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return fail("%v; check data.dir", err)
	}
	// Resolve what exists of the path so symlinks lead to the real mount.
	p := abs
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			abs = filepath.Join(r, strings.TrimPrefix(abs, p))
			break
		}
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	rc, err := mounts()
	if err != nil {
		return skip("the mount table could not be read: %v", err)
	}
	defer rc.Close()
	best, fstype := "", ""
	sc := bufio.NewScanner(rc)
	for sc.Scan() {
		mp, typ, ok := parseMountinfo(sc.Text())
		if !ok {
			continue
		}
		if (abs == mp || strings.HasPrefix(abs, strings.TrimRight(mp, "/")+"/")) && len(mp) >= len(best) {
			best, fstype = mp, typ
		}
	}
	if best == "" {
		return skip("no mount found for %s", abs)
	}
	if networkFS[fstype] {
		return warn("%s is on %s (%s), a network filesystem; SQLite's locking is unreliable there: keep data.dir on a local disk", abs, fstype, best)
	}
	return pass("%s is on %s (%s)", filepath.Dir(abs), fstype, best)
}

// parseMountinfo reads a /proc/self/mountinfo line: field 5 is the mount
// point, and the filesystem type follows the " - " separator. The kernel
// separates fields with single spaces and escapes space, tab, newline and
// backslash inside them, so any other byte (a carriage return, a
// non-breaking space) is part of the name: splitting on white space in
// general would cut such a mount point short.
func parseMountinfo(line string) (mountPoint, fstype string, ok bool) {
	pre, post, found := strings.Cut(line, " - ")
	if !found {
		return "", "", false
	}
	f := strings.Split(pre, " ")
	fstype, _, _ = strings.Cut(post, " ")
	if len(f) < 5 || f[4] == "" || fstype == "" {
		return "", "", false
	}
	return unescapeOctal(f[4]), fstype, true
}

// unescapeOctal undoes the kernel's \ooo escapes; a backslash not followed
// by three octal digits of a byte stays as it is.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func checkDatabase(ctx context.Context, path string) Result {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return warn("%s does not exist yet; `medianest server` or `medianest migrate up` creates it", path)
	}
	d, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		return fail("%s cannot be opened: %v; check data.dir and database.path and that the MediaNest user may read the file; restore a damaged file with `medianest backup restore PATH`", path, err)
	}
	defer d.Close()
	var integrity, mode string
	if err := d.R.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil {
		return fail("%s is not a usable database (integrity_check could not run: %v); stop the server and restore a backup with `medianest backup restore PATH`, or point database.path at the right file", path, err)
	}
	if integrity != "ok" {
		return fail("integrity_check reports %q; the database is damaged: stop the server and restore a backup with `medianest backup restore PATH`", integrity)
	}
	d.R.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	var size int64
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	if mode != "wal" {
		return warn("%s passes integrity_check but its journal mode is %q, not wal; start the server once to switch it", path, mode)
	}
	return pass("%s: integrity ok, WAL, %s", path, human(size))
}

func checkMigrations(ctx context.Context, cfg config.Config) Result {
	latest := db.LatestVersion()
	path := cfg.DatabasePath()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return warn("no database yet; the schema (version %d) is created on first start", latest)
	}
	d, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		return fail("%s cannot be opened: %v; check data.dir and database.path", path, err)
	}
	defer d.Close()
	v, err := db.SchemaVersion(ctx, d.R)
	if err != nil {
		return fail("the schema version could not be read: %v; `medianest migrate status` shows what is applied", err)
	}
	switch {
	case v == latest:
		return pass("schema version %d is current", v)
	case v > latest:
		return fail("schema version %d is newer than this MediaNest (%d); run the MediaNest that upgraded it (`medianest version` prints this one's), or set database.path to a database of this version", v, latest)
	case cfg.Database.AutoMigrate:
		return warn("schema version %d, this MediaNest has %d; the server migrates on start", v, latest)
	default:
		return fail("schema version %d, this MediaNest needs %d and database.auto_migrate is false; run `medianest migrate up`", v, latest)
	}
}

func checkSecretKey(cfg config.Config) Result {
	if cfg.Security.SecretKey != "" {
		if _, err := secret.ParseKey(cfg.Security.SecretKey); err != nil {
			return fail("security.secret_key: %v", err)
		}
		return pass("security.secret_key is set (from the configuration)")
	}
	path := cfg.SecretKeyPath()
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if cfg.Security.SecretKeyFile != "" {
			return fail("security.secret_key_file %s does not exist; restore the key file or correct security.secret_key_file", path)
		}
		return warn("%s does not exist yet; the server creates it on first start (back it up with the database)", path)
	}
	if err != nil {
		return fail("%s: %v; check security.secret_key_file and data.dir", path, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fail("%s cannot be read: %v; give the MediaNest user read access (`chown`, `chmod 600`)", path, err)
	}
	if _, err := secret.ParseKey(string(b)); err != nil {
		return fail("%s (security.secret_key_file): %v", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return warn("%s has mode %04o; run `chmod 600 %s`", path, st.Mode().Perm(), path)
	}
	return pass("%s: 32 bytes, mode 0600", path)
}

// checkListen tries to listen on server.listen. When it cannot, it tells
// why: the address is not on this machine ("cannot assign"), the port needs
// privileges, or it is in use, and then only whether a MediaNest holds it
// (asking /health on this machine: a port in use is on a local address, and
// only a loopback or literal local address is asked, never a name that
// could resolve elsewhere).
func checkListen(ctx context.Context, cfg config.Config) Result {
	addr := cfg.Server.Listen
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		ln.Close()
		return pass("%s is free", addr)
	}
	switch {
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fail("%s: cannot assign the address, it is not one of this machine's; set server.listen to one of its addresses, or \":%s\" for all of them", addr, port(addr))
	case errors.Is(err, syscall.EACCES):
		return fail("%s: permission denied (ports below 1024 need CAP_NET_BIND_SERVICE); set server.listen to a port above 1023, e.g. \":8080\"", addr)
	case !errors.Is(err, syscall.EADDRINUSE):
		return fail("%s cannot be listened on: %v; check server.listen", addr, err)
	}
	host, p, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || host == "localhost" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	} else if ip == nil {
		return fail("%s is in use by another program; stop it or change server.listen", addr)
	}
	c := &http.Client{Timeout: 2 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, p)+"/health", nil)
	if resp, err := c.Do(req); err == nil {
		defer resp.Body.Close()
		var h struct {
			Status  string `json:"status"`
			Version string `json:"version"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&h) == nil && h.Status == "ok" && h.Version != "" {
			return pass("%s is held by a running MediaNest (version %s)", addr, h.Version)
		}
	}
	return fail("%s is in use by another program; stop it or change server.listen", addr)
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
