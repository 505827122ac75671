// Package media is what users do with movies and shows, in two services.
// Requests searches and requests titles through Overseerr (with the status
// of each request tracked back by the Overseerr webhook and a periodic
// reconcile) and gives the dashboard its numbers. Library browses what is
// already on the Plex server with each user's own server access token, and
// proxies Plex images and TMDB posters so that browsers load them from our
// own origin.
package media

import (
	"context"
	"net/http"

	"medianest/app/services"
)

// ServiceStore reads the current upstream settings (*services.Store); they
// can change while the server runs, so they are read on every call.
type ServiceStore interface {
	Get(ctx context.Context, name string) (services.Service, error)
}

// Guard is the authentication middleware (*auth.Service).
type Guard interface {
	RequireUser(http.Handler) http.Handler
	RequireAdmin(http.Handler) http.Handler
}

// links builds the same-origin URLs of images handed to browsers; both
// services hand them out, under the path of server.base_url.
type links struct {
	basePath string
}

func newLinks(basePath string) links {
	for len(basePath) > 0 && basePath[len(basePath)-1] == '/' {
		basePath = basePath[:len(basePath)-1]
	}
	return links{basePath: basePath}
}
