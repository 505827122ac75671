// Package admin serves the /api/v1/admin routes that belong to no single
// domain: the user listing (accounts from auth, usage counts from media and
// youtube), the audit log, the stats and system pages, and the backups. It
// owns no table; it composes what the domains expose through the small
// interfaces below.
package admin

import (
	"context"
	"net/http"
	"time"

	"medianest/app/audit"
	"medianest/app/auth"
	"medianest/app/httpx"
	"medianest/app/principal"
	"medianest/db"
)

// Users are the account operations (*auth.Service).
type Users interface {
	SearchUsers(ctx context.Context, f auth.UserFilter) ([]principal.User, int64, error)
	AddLocalUser(ctx context.Context, username, password, email, role string) (*principal.User, error)
	UpdateUser(ctx context.Context, id int64, p auth.UserPatch) (principal.User, error)
	DeleteUser(ctx context.Context, id int64) (principal.User, error)
	CountUsers(ctx context.Context) (auth.UserCounts, error)
	SessionsCached() int
}

// Requests counts media requests (*media.Service).
type Requests interface {
	// RequestStatusCounts counts userID's requests by status; 0 is everyone.
	RequestStatusCounts(ctx context.Context, userID int64) (map[string]int64, error)
	RequestCountsByUser(ctx context.Context, ids []int64) (map[int64]int64, error)
}

// Downloads counts YouTube downloads (*youtube.Store).
type Downloads interface {
	// StatusCounts counts userID's downloads by status; 0 is everyone.
	StatusCounts(ctx context.Context, userID int64) (map[string]int64, error)
	CountsByUser(ctx context.Context, ids []int64) (map[int64]int64, error)
	StoredBytes(ctx context.Context, userID int64) (int64, error)
}

// AuditLog reads and writes the audit log (*audit.Recorder).
type AuditLog interface {
	List(ctx context.Context, page, pageSize int, action string) ([]audit.Record, int64, error)
	Record(ctx context.Context, e audit.Entry)
}

// Guard is the authentication middleware (*auth.Service).
type Guard interface {
	RequireAdmin(http.Handler) http.Handler
}

// Deps are what the admin handlers are built from; all are required but Now
// (time.Now).
type Deps struct {
	Users     Users
	Requests  Requests
	Downloads Downloads
	Audit     AuditLog
	// DB is described on the system page.
	DB *db.DB
	// Backups makes the database backups; without it the backup routes
	// answer 503.
	Backups Backups
	// SecretKeyPath is the secret key's file ("" when the key is set in the
	// configuration), named in the backup answers.
	SecretKeyPath string
	// Version is the build's version, Started when the server started.
	Version string
	Started time.Time
	Now     func() time.Time
}

// Service holds the admin handlers.
type Service struct {
	d Deps
}

// New returns the admin handlers over d.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

// Routes registers the admin routes on mux, every one behind the guard's
// RequireAdmin.
func (s *Service) Routes(mux *http.ServeMux, guard Guard) {
	admin := func(h httpx.Handler) http.Handler { return guard.RequireAdmin(h) }
	mux.Handle("GET /api/v1/admin/users", admin(s.handleListUsers))
	mux.Handle("POST /api/v1/admin/users", admin(s.handleCreateUser))
	mux.Handle("PATCH /api/v1/admin/users/{id}", admin(s.handleUpdateUser))
	mux.Handle("DELETE /api/v1/admin/users/{id}", admin(s.handleDeleteUser))
	mux.Handle("GET /api/v1/admin/audit", admin(s.handleAudit))
	mux.Handle("GET /api/v1/admin/stats", admin(s.handleStats))
	mux.Handle("GET /api/v1/admin/system", admin(s.handleSystem))
	mux.Handle("GET /api/v1/admin/backups", admin(s.handleListBackups))
	mux.Handle("POST /api/v1/admin/backups", admin(s.handleCreateBackup))
}

// record writes an audit entry for the admin making request r.
func (s *Service) record(r *http.Request, action, target, details string) {
	e := audit.Entry{Action: action, Target: target, Details: details, IP: httpx.ClientIP(r).String()}
	if u, ok := principal.UserFrom(r.Context()); ok {
		e.ActorID, e.ActorName = u.ID, u.Username
	}
	s.d.Audit.Record(r.Context(), e)
}
