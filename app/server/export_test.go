package server

import (
	"log/slog"
	"net/http"

	"medianest/app/config"
)

// WorkersOnly is a server with the default configuration that serves
// nothing and runs only ws, for tests of the worker lifecycle.
func WorkersOnly(log *slog.Logger, ws ...Worker) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: config.Default(), log: log, handler: http.NotFoundHandler(), workers: ws}
}
