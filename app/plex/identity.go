package plex

import "net/http"

// Identity is how MediaNest introduces itself to plex.tv and to Plex Media
// Server. plex.tv lists these values on the user's "Authorized Devices" page
// and refuses /api/v2 calls without a client identifier, so the identifier must
// be stable for the lifetime of an install (a PIN can only be polled by the
// client that created it).
type Identity struct {
	ClientID        string
	Product         string
	Version         string
	Platform        string
	PlatformVersion string
	Device          string
	DeviceName      string
}

// SetHeaders puts the X-Plex-* identification headers on req and asks for
// JSON, which both plex.tv and PMS only send when told to (XML is their
// default). Empty fields are left out rather than sent blank.
func (id Identity) SetHeaders(req *http.Request) {
	h := req.Header
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set("X-Plex-Client-Identifier", id.ClientID)
	set("X-Plex-Product", id.Product)
	set("X-Plex-Version", id.Version)
	set("X-Plex-Platform", id.Platform)
	set("X-Plex-Platform-Version", id.PlatformVersion)
	set("X-Plex-Device", id.Device)
	set("X-Plex-Device-Name", id.DeviceName)
	h.Set("Accept", "application/json")
}
