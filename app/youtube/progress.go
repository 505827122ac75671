package youtube

import (
	"context"
	"sync"
	"time"

	"medianest/app/events"
	"medianest/app/ytdlp"
	"medianest/db"
)

// How often a running download's progress is stored and pushed: a yt-dlp
// prints many lines a second, and neither the database nor the browsers
// need them all.
const (
	progressStoreEvery   = time.Second
	progressPublishEvery = 500 * time.Millisecond
)

// progress turns one item's yt-dlp progress lines into the download's
// progress: stored at most once a second, published at most twice a
// second as a latest-wins download.progress event.
type progress struct {
	s     *Service
	ctx   context.Context
	d     Download
	idx   int // the item's index
	done  int // items finished before this one
	count int

	mu                  sync.Mutex
	lastStore, lastPush time.Time
}

func (s *Service) newProgress(ctx context.Context, d Download, i int) *progress {
	return &progress{s: s, ctx: ctx, d: d, idx: d.Items[i].Index, done: doneCount(d.Items), count: max(len(d.Items), 1)}
}

// observe takes one progress line (from the runner's reading goroutine).
func (p *progress) observe(pr ytdlp.Progress) {
	now := p.s.now()
	p.mu.Lock()
	push := p.lastPush.IsZero() || now.Sub(p.lastPush) >= progressPublishEvery
	store := p.lastStore.IsZero() || now.Sub(p.lastStore) >= progressStoreEvery
	if push {
		p.lastPush = now
	}
	if store {
		p.lastStore = now
	}
	p.mu.Unlock()
	if !push && !store {
		return
	}
	item := pr.Percent()
	overall := (float64(p.done) + item/100) * 100 / float64(p.count)
	var eta *int64
	if pr.ETASeconds >= 0 {
		v := pr.ETASeconds
		eta = &v
	}
	if store {
		_, err := p.s.update(p.ctx, p.d.ID, `UPDATE downloads SET progress = ?, bytes_downloaded = ?, bytes_total = ?,
			speed_bps = ?, eta_seconds = ?, updated_at = ? WHERE id = ?`+running,
			[]any{overall, pr.Downloaded, pr.Total, pr.SpeedBps, eta, db.Millis(now), p.d.ID},
			itemStmt(p.d.ID, p.idx, `progress = ?`, item))
		if err != nil && p.ctx.Err() == nil {
			p.s.log.Warn("youtube: store progress", "download", p.d.ID, "err", err)
		}
	}
	if push {
		p.s.publish(events.Event{
			Type: events.DownloadProgress, UserID: p.d.UserID, Admins: true,
			Key: events.DownloadProgress + ":" + idArg(p.d.ID),
			Data: progressEvent{ID: p.d.ID, Progress: overall, BytesDownloaded: pr.Downloaded, BytesTotal: pr.Total,
				SpeedBps: pr.SpeedBps, EtaSeconds: eta, ItemIndex: p.idx},
		})
	}
}
