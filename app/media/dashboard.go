package media

import (
	"context"
	"time"

	"medianest/app/principal"
)

// RequestCounts are a user's requests by status.
type RequestCounts struct {
	Total      int64 `json:"total"`
	Pending    int64 `json:"pending"`
	Approved   int64 `json:"approved"`
	Processing int64 `json:"processing"`
	Available  int64 `json:"available"`
	Declined   int64 `json:"declined"`
	Failed     int64 `json:"failed"`
}

// DownloadCounts are a user's downloads: active is waiting for approval,
// queued, downloading or processing.
type DownloadCounts struct {
	Total     int64 `json:"total"`
	Active    int64 `json:"active"`
	Completed int64 `json:"completed"`
	Failed    int64 `json:"failed"`
}

// Stats is the dashboard's summary for one user.
type Stats struct {
	Requests      RequestCounts  `json:"requests"`
	Downloads     DownloadCounts `json:"downloads"`
	RecentlyAdded []PlexItem     `json:"recentlyAdded"`
}

// dashboardPlexTimeout bounds how long the dashboard waits for Plex: the
// rest of the page must not hang on a slow server.
const dashboardPlexTimeout = 3 * time.Second

// Stats returns u's own numbers and the newest items of the libraries u
// can see. Plex being down, slow or not configured only empties
// recentlyAdded.
func (s *Requests) Stats(ctx context.Context, u principal.User) (Stats, error) {
	st := Stats{RecentlyAdded: []PlexItem{}}
	reqs, err := s.RequestStatusCounts(ctx, u.ID)
	if err != nil {
		return Stats{}, err
	}
	for status, n := range reqs {
		st.Requests.Total += n
		switch status {
		case StatusPending:
			st.Requests.Pending = n
		case StatusApproved:
			st.Requests.Approved = n
		case StatusProcessing:
			st.Requests.Processing = n
		case StatusAvailable:
			st.Requests.Available = n
		case StatusDeclined:
			st.Requests.Declined = n
		case StatusFailed:
			st.Requests.Failed = n
		}
	}
	if s.downloads != nil {
		dls, err := s.downloads.StatusCounts(ctx, u.ID)
		if err != nil {
			return Stats{}, err
		}
		for status, n := range dls {
			st.Downloads.Total += n
			switch status {
			case "pending_approval", "queued", "downloading", "processing":
				st.Downloads.Active += n
			case "completed":
				st.Downloads.Completed = n
			case "failed":
				st.Downloads.Failed = n
			}
		}
	}

	if s.library == nil {
		return st, nil
	}
	pctx, cancel := context.WithTimeout(ctx, dashboardPlexTimeout)
	defer cancel()
	recent, err := s.library.RecentlyAdded(pctx, u, 10)
	if err != nil {
		s.logger(ctx).Debug("media: dashboard without recently added", "err", err)
	} else {
		st.RecentlyAdded = recent
	}
	return st, nil
}
