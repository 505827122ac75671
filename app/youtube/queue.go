package youtube

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// job is a download a worker is running.
type job struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// Init puts the queue right after a crash or a shutdown, before any worker
// runs: downloads left downloading or processing go back to queued (they
// resume from the item they reached), and the partial files of the
// interrupted runs are removed.
func (s *Service) Init(ctx context.Context) error {
	if s.cfg.Enabled {
		if err := os.MkdirAll(s.cfg.DownloadDir, 0o755); err != nil {
			return fmt.Errorf("youtube: create the download folder: %w", err)
		}
	}
	if err := os.RemoveAll(s.incompleteDir()); err != nil {
		return fmt.Errorf("youtube: remove partial downloads: %w", err)
	}
	n, err := s.requeueInterrupted(ctx, s.now())
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("youtube: interrupted downloads queued again", "count", n)
	}
	return nil
}

// Run runs youtube.concurrency workers and the Plex follow-up until ctx
// ends. Downloads running then go back to the queue, with no attempt
// counted, and Run returns when every worker has let go of its job.
func (s *Service) Run(ctx context.Context) error {
	if !s.cfg.Enabled {
		<-ctx.Done()
		return nil
	}
	var wg sync.WaitGroup
	for range s.cfg.Concurrency {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Go(func() { s.followUp(ctx) })
	wg.Wait()
	return nil
}

// work claims and runs downloads one after another, waiting for a submit
// (or the poll interval) when nothing is runnable.
func (s *Service) work(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for ctx.Err() == nil {
		wake := s.woken()
		d, ok, err := s.claimNext(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("youtube: claim a download", "err", err)
		}
		if ok {
			s.runJob(ctx, d)
			continue
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
	}
}

// claimNext claims a download and registers it as running, so that a
// cancel finds it from the moment its status says downloading.
func (s *Service) claimNext(ctx context.Context) (Download, bool, error) {
	var d Download
	var ok bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		d, ok, err = claim(ctx, tx, s.now())
		return err
	})
	if err != nil || !ok {
		return Download{}, false, err
	}
	return d, true, nil
}

// startJob registers download id as running under ctx and returns the
// job's context.
func (s *Service) startJob(ctx context.Context, id int64) (context.Context, *job) {
	jctx, cancel := context.WithCancelCause(ctx)
	j := &job{cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	s.jobs[id] = j
	s.mu.Unlock()
	return jctx, j
}

func (s *Service) endJob(id int64, j *job) {
	s.mu.Lock()
	delete(s.jobs, id)
	s.mu.Unlock()
	j.cancel(nil)
	close(j.done)
}

// stopJob stops download id if a worker runs it, for the reason given, and
// waits (up to 10 s) until the worker has let go of it and removed its
// partial files. It reports whether the download was running.
func (s *Service) stopJob(id int64, why error) bool {
	s.mu.Lock()
	j := s.jobs[id]
	s.mu.Unlock()
	if j == nil {
		return false
	}
	j.cancel(why)
	select {
	case <-j.done:
	case <-time.After(10 * time.Second):
		s.log.Warn("youtube: a stopped download did not end in time", "download", id)
	}
	return true
}

func (s *Service) incompleteDir() string {
	return filepath.Join(s.cfg.DownloadDir, ".incomplete")
}
