package youtube

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"medianest/app/apperr"
	"medianest/app/principal"
	"medianest/app/ytdlp"
)

// quotaWindow is the window of youtube.quota_per_hour.
const quotaWindow = time.Hour

// SubmitInput is the body of POST /youtube/downloads.
type SubmitInput struct {
	URL     string `json:"url"`
	Quality string `json:"quality"`
	Format  string `json:"format"`
}

func (in *SubmitInput) validate() error {
	if in.Quality == "" {
		in.Quality = "1080p"
	}
	if in.Format == "" {
		in.Format = "mp4"
	}
	var details []apperr.FieldError
	if strings.TrimSpace(in.URL) == "" {
		details = append(details, apperr.FieldError{Field: "url", Message: "is required"})
	}
	if !slices.Contains(ytdlp.Qualities, in.Quality) {
		details = append(details, apperr.FieldError{Field: "quality", Message: "must be one of " + strings.Join(ytdlp.Qualities, ", ")})
	}
	if !slices.Contains(ytdlp.Formats, in.Format) {
		details = append(details, apperr.FieldError{Field: "format", Message: "must be one of " + strings.Join(ytdlp.Formats, ", ")})
	}
	if len(details) > 0 {
		return apperr.Validation(details...)
	}
	return nil
}

// Submit stores a download of u's: queued, or pending_approval when u's
// downloads wait for an admin. The URL policy, yt-dlp's description of the
// URL (which gives the kind, the title and a playlist's items),
// youtube.max_duration, the hourly quota, the byte budget and the
// duplicate check come first; the last three are checked again inside the
// write transaction, so two submits racing each other cannot both pass.
func (s *Service) Submit(ctx context.Context, u principal.User, in SubmitInput) (Download, error) {
	if err := s.enabled(); err != nil {
		return Download{}, err
	}
	if err := in.validate(); err != nil {
		return Download{}, err
	}
	url, info, err := s.info(ctx, in.URL)
	if err != nil {
		return Download{}, err
	}
	if err := s.checkDuration(info); err != nil {
		return Download{}, err
	}
	d := Download{UserID: u.ID, URL: url, Kind: info.Kind, Title: info.Title, Channel: info.Channel,
		ThumbnailURL: info.ThumbnailURL, Quality: in.Quality, Format: in.Format, Status: StatusQueued}
	if d.Kind != "playlist" {
		d.Kind = "video"
	}
	if s.needsApproval(u) {
		d.Status = StatusPendingApproval
	}
	items := []Item{{Index: 1, VideoID: info.ID, Title: info.Title}}
	if d.Kind == "playlist" {
		if len(info.Entries) == 0 {
			return Download{}, apperr.Field("url", "the playlist has no videos")
		}
		items = items[:0]
		for i, e := range info.Entries {
			idx := e.Index
			if idx <= 0 {
				idx = i + 1
			}
			items = append(items, Item{Index: idx, VideoID: e.ID, Title: e.Title})
		}
	}
	now := s.now().UTC()
	var out Download
	err = s.write(ctx, func(tx *sql.Tx) error {
		if dup, err := activeDuplicate(ctx, tx, u.ID, url); err != nil {
			return err
		} else if dup {
			return errDuplicate()
		}
		q, err := s.quota(ctx, tx, u, now)
		if err != nil {
			return err
		}
		if err := q.refusal(); err != nil {
			return err
		}
		id, err := insertDownload(ctx, tx, d, items, now)
		if err != nil {
			return err
		}
		// The answer is the download as stored: a worker may claim it the
		// moment the transaction commits.
		out, err = getDownload(ctx, tx, id)
		return err
	})
	if err != nil {
		return Download{}, err
	}
	out = s.withName(ctx, out)
	s.publishUpdated(out)
	if out.Status == StatusQueued {
		s.kick()
	}
	return out, nil
}

// needsApproval: the user's own setting, else youtube.require_approval;
// an admin's downloads never wait.
func (s *Service) needsApproval(u principal.User) bool {
	if u.IsAdmin() {
		return false
	}
	if u.DownloadApproval != nil {
		return *u.DownloadApproval
	}
	return s.cfg.RequireApproval
}

// checkDuration refuses a video (or a playlist entry) longer than
// youtube.max_duration.
func (s *Service) checkDuration(info ytdlp.Info) error {
	limit := s.cfg.MaxDuration
	if limit <= 0 {
		return nil
	}
	check := func(what string, secs int64) error {
		if l := time.Duration(secs) * time.Second; l > limit {
			return apperr.Field("url", fmt.Sprintf("%s is %s long; this server allows at most %s per video", what, human(l), human(limit)))
		}
		return nil
	}
	if info.Kind != "playlist" {
		return check("the video", info.DurationSeconds)
	}
	for _, e := range info.Entries {
		name := fmt.Sprintf("video %d of the playlist", e.Index)
		if e.Title != "" {
			name = fmt.Sprintf("%q (video %d of the playlist)", e.Title, e.Index)
		}
		if err := check(name, e.DurationSeconds); err != nil {
			return err
		}
	}
	return nil
}

// human writes a duration as people say it: "4h", "1h 30m", "45m 10s".
func human(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	var parts []string
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m > 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	if sec > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%ds", sec))
	}
	return strings.Join(parts, " ")
}

// Quota is the answer of GET /youtube/quota.
type Quota struct {
	Used          int        `json:"used"`
	Limit         int        `json:"limit"`
	WindowSeconds int        `json:"windowSeconds"`
	ResetAt       *time.Time `json:"resetAt"`
	BytesUsed     int64      `json:"bytesUsed"`
	BytesLimit    int64      `json:"bytesLimit"`
	CanDownload   bool       `json:"canDownload"`

	now    time.Time
	oldest *time.Time
}

// quota computes u's numbers through q: the downloads created in the last
// hour (the user's downloadQuota override wins over youtube.quota_per_hour;
// 0 is unlimited) and the completed files still on disk against
// youtube.max_bytes_per_user.
func (s *Service) quota(ctx context.Context, q querier, u principal.User, now time.Time) (Quota, error) {
	limit := s.cfg.QuotaPerHour
	if u.DownloadQuota != nil {
		limit = *u.DownloadQuota
	}
	used, oldest, err := createdSince(ctx, q, u.ID, now.Add(-quotaWindow))
	if err != nil {
		return Quota{}, err
	}
	bytes, err := storedBytes(ctx, q, u.ID)
	if err != nil {
		return Quota{}, err
	}
	out := Quota{Used: used, Limit: limit, WindowSeconds: int(quotaWindow / time.Second),
		BytesUsed: bytes, BytesLimit: s.cfg.MaxBytesPerUser, now: now, oldest: oldest}
	if oldest != nil {
		r := oldest.Add(quotaWindow).UTC()
		out.ResetAt = &r
	}
	out.CanDownload = out.refusal() == nil
	return out, nil
}

// refusal is the QUOTA_EXCEEDED error when q leaves no room for a download.
func (q Quota) refusal() error {
	if q.Limit > 0 && q.Used >= q.Limit {
		retry := quotaWindow
		if q.oldest != nil {
			retry = q.oldest.Add(quotaWindow).Sub(q.now)
		}
		return &apperr.Error{Kind: apperr.QuotaExceeded, RetryAfter: min(max(retry, time.Second), quotaWindow),
			Message: fmt.Sprintf("You have started %d downloads in the last hour, your limit.", q.Used)}
	}
	if q.BytesLimit > 0 && q.BytesUsed >= q.BytesLimit {
		return &apperr.Error{Kind: apperr.QuotaExceeded, RetryAfter: quotaWindow,
			Message: "Your downloads use all the disk space you are allowed; delete some to download more."}
	}
	return nil
}

// Quota returns u's download numbers.
func (s *Service) Quota(ctx context.Context, u principal.User) (Quota, error) {
	if err := s.enabled(); err != nil {
		return Quota{}, err
	}
	return s.quota(ctx, s.db.R, u, s.now().UTC())
}
