package server

import (
	"context"
	"errors"
	"fmt"
)

// Worker is a background job of the server with a lifecycle: Init before
// anything is served, Run while the server runs, Stop at shutdown. Any of
// the three may be nil.
type Worker struct {
	// Name says what the job is in logs and errors, e.g. "download queue".
	Name string
	// Init runs before the listener accepts and before any worker's Run, in
	// registration order. It is where a job puts its state right after a
	// crash (the download queue requeues interrupted downloads), so no
	// request and no other worker sees it half done. An error stops the
	// server from starting.
	Init func(ctx context.Context) error
	// Run does the job until ctx ends, in its own goroutine. Returning
	// early, or with an error, is logged: the job is then not done until
	// the next start.
	Run func(ctx context.Context) error
	// Stop runs at shutdown after Run has returned (or the shutdown budget
	// ran out waiting for it); ctx ends with the budget.
	Stop func(ctx context.Context) error
}

// running is a worker whose Run has been started.
type running struct {
	w      Worker
	cancel context.CancelFunc
	done   chan struct{}
}

// initWorkers runs every Init in registration order. When one fails, the
// workers initialised before it are stopped (in reverse order) and the
// error names the worker.
func (s *Server) initWorkers(ctx context.Context) error {
	for i, w := range s.workers {
		if w.Init == nil {
			continue
		}
		if err := w.Init(ctx); err != nil {
			budget, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Server.ShutdownTimeout.D())
			defer cancel()
			for j := i - 1; j >= 0; j-- {
				s.stopWorker(budget, s.workers[j])
			}
			return fmt.Errorf("server: the %s could not start: %w", w.Name, err)
		}
	}
	return nil
}

// startWorkers starts every Run, each in its own goroutine with its own
// context, so that shutdown can end them one at a time. The contexts do
// not end with ctx: the workers outlive the HTTP server's shutdown and are
// stopped by stopWorkers.
func (s *Server) startWorkers(ctx context.Context) []running {
	out := make([]running, 0, len(s.workers))
	for _, w := range s.workers {
		rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		r := running{w: w, cancel: cancel, done: make(chan struct{})}
		out = append(out, r)
		if w.Run == nil {
			close(r.done)
			continue
		}
		go func() {
			defer close(r.done)
			err := w.Run(rctx)
			stopping := rctx.Err() != nil
			switch {
			case err != nil && stopping && errors.Is(err, context.Canceled):
			case err != nil && stopping:
				s.log.Error("server: worker failed while stopping", "worker", w.Name, "err", err)
			case err != nil:
				s.log.Error("server: worker failed; its job is not done until the next start", "worker", w.Name, "err", err)
			case !stopping:
				s.log.Error("server: worker returned early; its job is not done until the next start", "worker", w.Name)
			}
		}()
	}
	return out
}

// stopWorkers stops the workers in reverse registration order: each Run is
// told to end and waited for while the budget lasts, then its Stop runs.
// It returns only after every Run has returned, overdue or not, because the
// database closes next.
func (s *Server) stopWorkers(budget context.Context, rs []running) {
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		r.cancel()
		select {
		case <-r.done:
		case <-budget.Done():
			s.log.Warn("server: worker did not stop within server.shutdown_timeout", "worker", r.w.Name)
		}
		s.stopWorker(budget, r.w)
	}
	for _, r := range rs {
		r.cancel()
		<-r.done
	}
}

func (s *Server) stopWorker(ctx context.Context, w Worker) {
	if w.Stop == nil {
		return
	}
	if err := w.Stop(ctx); err != nil {
		s.log.Error("server: worker did not stop cleanly", "worker", w.Name, "err", err)
	}
}

// loop adapts a job that runs until its context ends and reports nothing.
func loop(run func(ctx context.Context)) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		run(ctx)
		return nil
	}
}
