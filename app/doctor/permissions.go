package doctor

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"medianest/app/config"
)

// LoosePermissions lists, one sentence each, the places holding MediaNest's
// secrets that its group or other users may open: the data directory, the
// database with its -wal and -shm files, the secret key, the *_file secrets
// and a config file that holds a secret inline. Doctor reports them as a
// WARN and the server logs them at start. Files that do not exist are no
// problem here; other checks report them.
func LoosePermissions(cfg config.Config) []string {
	var out []string
	if st, err := os.Stat(cfg.Data.Dir); err == nil && st.IsDir() && st.Mode().Perm()&0o077 != 0 {
		out = append(out, fmt.Sprintf("the data directory %s is open to other users (mode %04o); run `chmod 700 %s`",
			cfg.Data.Dir, st.Mode().Perm(), cfg.Data.Dir))
	}
	db := cfg.DatabasePath()
	files := []string{db, db + "-wal", db + "-shm", cfg.SecretKeyPath()}
	files = append(files, cfg.SecretFiles()...)
	if cfg.Path != "" && hasInlineSecret(cfg) {
		files = append(files, cfg.Path)
	}
	var seen []string
	for _, f := range files {
		if slices.Contains(seen, f) {
			continue // secret_key_file is both the key and a secret file
		}
		seen = append(seen, f)
		st, err := os.Stat(f)
		if err != nil || st.Mode().Perm()&0o077 == 0 {
			continue
		}
		what := "holds secrets"
		if strings.HasPrefix(f, db) {
			what = "is the database (sessions, sealed keys)"
		}
		out = append(out, fmt.Sprintf("%s %s and is open to other users (mode %04o); run `chmod 600 %s`",
			f, what, st.Mode().Perm(), f))
	}
	return out
}

func checkPermissions(cfg config.Config) Result {
	loose := LoosePermissions(cfg)
	if len(loose) > 0 {
		return warn("%s", strings.Join(loose, "; "))
	}
	return pass("the data directory, the database and the secret files are private to their owner")
}
