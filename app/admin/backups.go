package admin

import (
	"context"
	"fmt"
	"net/http"

	"medianest/app/apperr"
	"medianest/app/backup"
	"medianest/app/httpx"
)

// Backups makes and lists database backups (*backup.Service).
type Backups interface {
	Create(ctx context.Context) (backup.File, error)
	List(ctx context.Context) ([]backup.File, error)
	Dir() string
}

// BackupAnswer is a backup as POST /admin/backups answers it: the file, and
// the reminder that the secret key is not in it.
type BackupAnswer struct {
	backup.File
	// SecretKeyPath is where the secret key lives ("" when it is set in the
	// configuration itself); Note says why it must be kept with the backup.
	SecretKeyPath string `json:"secretKeyPath"`
	Note          string `json:"note"`
}

// keyNote says where the secret key is and why it belongs with the backups.
func (s *Service) keyNote() string {
	where := "the secret key (security.secret_key in the configuration)"
	if s.d.SecretKeyPath != "" {
		where = "the secret key " + s.d.SecretKeyPath
	}
	return fmt.Sprintf("The backup holds the database only: keep %s with it, since without that key the stored service keys cannot be read.", where)
}

func (s *Service) handleListBackups(w http.ResponseWriter, r *http.Request) error {
	if s.d.Backups == nil {
		return apperr.New(apperr.Unavailable, "Backups are not available on this server.")
	}
	files, err := s.d.Backups.List(r.Context())
	if err != nil {
		return err
	}
	httpx.List(w, files, httpx.Meta{"dir": s.d.Backups.Dir(), "secretKeyPath": s.d.SecretKeyPath, "note": s.keyNote()})
	return nil
}

func (s *Service) handleCreateBackup(w http.ResponseWriter, r *http.Request) error {
	if s.d.Backups == nil {
		return apperr.New(apperr.Unavailable, "Backups are not available on this server.")
	}
	f, err := s.d.Backups.Create(r.Context())
	if err != nil {
		return err
	}
	s.record(r, "backup.create", f.Name, fmt.Sprintf("%d bytes in %s", f.SizeBytes, s.d.Backups.Dir()))
	httpx.Created(w, BackupAnswer{File: f, SecretKeyPath: s.d.SecretKeyPath, Note: s.keyNote()})
	return nil
}
