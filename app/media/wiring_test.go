package media

import (
	"medianest/app/audit"
	"medianest/app/auth"
	"medianest/app/events"
	"medianest/app/notify"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/services"
	"medianest/app/upstream"
)

// The server hands these concrete types to New.
var (
	_ Overseerr    = (*overseerr.Client)(nil)
	_ PMS          = (*plex.PMS)(nil)
	_ ServiceStore = (*services.Store)(nil)
	_ TokenSource  = (*auth.Service)(nil)
	_ Guard        = (*auth.Service)(nil)
	_ Recent       = (*Library)(nil)
	_ Usernames    = (*auth.Service)(nil)
	_ Notifier     = (*notify.Service)(nil)
	_ Publisher    = (*events.Hub)(nil)
	_ Auditor      = (*audit.Recorder)(nil)
	_ ImageFetcher = (*upstream.Client)(nil)
	_              = notify.Guard((*auth.Service)(nil))
	_              = notify.Publisher((*events.Hub)(nil))
)
