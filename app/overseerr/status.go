package overseerr

import (
	"strconv"
	"strings"
)

// MediaStatus is Overseerr's MediaStatus enum (media and season status).
type MediaStatus int

// MediaStatus values. Jellyseerr adds Blacklisted and Deleted.
const (
	MediaUnknown            MediaStatus = 1
	MediaPending            MediaStatus = 2
	MediaProcessing         MediaStatus = 3
	MediaPartiallyAvailable MediaStatus = 4
	MediaAvailable          MediaStatus = 5
	MediaBlacklisted        MediaStatus = 6
	MediaDeleted            MediaStatus = 7
)

var mediaStatusNames = map[MediaStatus]string{
	MediaUnknown:            "UNKNOWN",
	MediaPending:            "PENDING",
	MediaProcessing:         "PROCESSING",
	MediaPartiallyAvailable: "PARTIALLY_AVAILABLE",
	MediaAvailable:          "AVAILABLE",
	MediaBlacklisted:        "BLACKLISTED",
	MediaDeleted:            "DELETED",
}

// String is the enum name as Overseerr's webhook spells it ("AVAILABLE").
func (s MediaStatus) String() string {
	if n, ok := mediaStatusNames[s]; ok {
		return n
	}
	return "UNKNOWN"
}

// Availability is MediaNest's availability word for the status:
// unknown, pending, processing, partially_available or available.
func (s MediaStatus) Availability() string {
	switch s {
	case MediaPending:
		return "pending"
	case MediaProcessing:
		return "processing"
	case MediaPartiallyAvailable:
		return "partially_available"
	case MediaAvailable:
		return "available"
	default:
		return "unknown"
	}
}

// ParseMediaStatus reads a status as the webhook sends it: a name
// ("PARTIALLY_AVAILABLE", any case, spaces allowed) or a number ("5").
// Anything else is MediaUnknown.
func ParseMediaStatus(s string) MediaStatus {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if _, ok := mediaStatusNames[MediaStatus(n)]; ok {
			return MediaStatus(n)
		}
		return MediaUnknown
	}
	name := strings.ToUpper(strings.ReplaceAll(s, " ", "_"))
	for st, n := range mediaStatusNames {
		if n == name {
			return st
		}
	}
	return MediaUnknown
}

// ApprovalStatus is Overseerr's MediaRequestStatus enum (request and
// season-request status).
type ApprovalStatus int

// ApprovalStatus values. Jellyseerr adds Completed.
const (
	RequestPending   ApprovalStatus = 1
	RequestApproved  ApprovalStatus = 2
	RequestDeclined  ApprovalStatus = 3
	RequestFailed    ApprovalStatus = 4
	RequestCompleted ApprovalStatus = 5
)

// MediaNest request statuses, as the API spells them.
const (
	StatusPending    = "pending"
	StatusApproved   = "approved"
	StatusDeclined   = "declined"
	StatusProcessing = "processing"
	StatusAvailable  = "available"
	StatusFailed     = "failed"
)

// RequestStatus maps a request onto MediaNest's status: pending, approved,
// declined, processing, available or failed.
//
// Overseerr keeps two enums: the request's approval status (pending,
// approved, declined, failed) and the media's status (pending, processing,
// partially available, available). Declined and failed requests stay so.
// Otherwise the media decides: once the requested variant (4K or not) is
// available — for a TV request, once every requested season is — the
// request is available, even if it was never approved (the title arrived by
// other means). An approved request whose media is being fetched (or is
// partially there) is processing; an approved request not yet handed to
// Radarr/Sonarr stays approved.
func RequestStatus(r Request) string {
	switch r.Status {
	case RequestDeclined:
		return StatusDeclined
	case RequestFailed:
		return StatusFailed
	case RequestCompleted:
		return StatusAvailable
	}
	ms := r.Media.Status
	if r.Is4K {
		ms = r.Media.Status4k
	}
	if ms == MediaAvailable || r.seasonsAvailable() {
		return StatusAvailable
	}
	if r.Status != RequestApproved {
		return StatusPending
	}
	switch ms {
	case MediaProcessing, MediaPartiallyAvailable:
		return StatusProcessing
	default:
		return StatusApproved
	}
}

// seasonsAvailable reports whether r asks for seasons and the media lists
// every one of them as available.
func (r Request) seasonsAvailable() bool {
	if len(r.Seasons) == 0 || len(r.Media.Seasons) == 0 {
		return false
	}
	have := make(map[int]bool, len(r.Media.Seasons))
	for _, s := range r.Media.Seasons {
		st := s.Status
		if r.Is4K {
			st = s.Status4k
		}
		have[s.SeasonNumber] = st == MediaAvailable
	}
	for _, s := range r.Seasons {
		if !have[s.SeasonNumber] {
			return false
		}
	}
	return true
}
