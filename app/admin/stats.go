package admin

import (
	"net/http"
	"runtime"
	"time"

	"medianest/app/auth"
	"medianest/app/httpx"
	"medianest/db"
)

// Stats is what GET /admin/stats answers.
type Stats struct {
	Users auth.UserCounts `json:"users"`
	// Requests and Downloads count by status, every status present.
	Requests  map[string]int64 `json:"requests"`
	Downloads map[string]int64 `json:"downloads"`
	Storage   struct {
		// DownloadBytes is the size of the downloaded files still on disk.
		DownloadBytes int64 `json:"downloadBytes"`
	} `json:"storage"`
}

func (s *Service) handleStats(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var st Stats
	var err error
	if st.Users, err = s.d.Users.CountUsers(ctx); err != nil {
		return err
	}
	if st.Requests, err = s.d.Requests.RequestStatusCounts(ctx, 0); err != nil {
		return err
	}
	if st.Downloads, err = s.d.Downloads.StatusCounts(ctx, 0); err != nil {
		return err
	}
	if st.Storage.DownloadBytes, err = s.d.Downloads.StoredBytes(ctx, 0); err != nil {
		return err
	}
	httpx.OK(w, st)
	return nil
}

// System is what GET /admin/system answers.
type System struct {
	Version       string  `json:"version"`
	GoVersion     string  `json:"goVersion"`
	UptimeSeconds int64   `json:"uptimeSeconds"`
	Database      db.Info `json:"database"`
	Queue         struct {
		// Queued downloads wait for a worker; Active ones are downloading
		// or processing.
		Queued int64 `json:"queued"`
		Active int64 `json:"active"`
	} `json:"queue"`
	SessionsCached int `json:"sessionsCached"`
}

func (s *Service) handleSystem(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sys := System{
		Version:        s.d.Version,
		GoVersion:      runtime.Version(),
		UptimeSeconds:  int64(s.d.Now().Sub(s.d.Started) / time.Second),
		SessionsCached: s.d.Users.SessionsCached(),
	}
	var err error
	if sys.Database, err = s.d.DB.Info(ctx); err != nil {
		return err
	}
	counts, err := s.d.Downloads.StatusCounts(ctx, 0)
	if err != nil {
		return err
	}
	sys.Queue.Queued = counts["queued"]
	sys.Queue.Active = counts["downloading"] + counts["processing"]
	httpx.OK(w, sys)
	return nil
}
