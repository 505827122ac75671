package media

import "medianest/app/overseerr"

// MediaNest's words for what Overseerr reports in numbers. Overseerr keeps
// its enums (overseerr.MediaStatus, overseerr.ApprovalStatus, notification
// types); what they mean to a MediaNest request is decided here.

// availability is MediaNest's availability word for an Overseerr media
// status: unknown, pending, processing, partially_available or available.
// Jellyseerr's blacklisted and deleted are unknown.
func availability(s overseerr.MediaStatus) string {
	switch s {
	case overseerr.MediaPending:
		return "pending"
	case overseerr.MediaProcessing:
		return "processing"
	case overseerr.MediaPartiallyAvailable:
		return "partially_available"
	case overseerr.MediaAvailable:
		return "available"
	default:
		return "unknown"
	}
}

// mediaAvailability is the availability of a title; one Overseerr does not
// track (nil) is "unknown".
func mediaAvailability(m *overseerr.Media) string {
	if m == nil {
		return availability(overseerr.MediaUnknown)
	}
	return availability(m.Status)
}

// requestStatus maps an Overseerr request onto MediaNest's status: pending,
// approved, declined, processing, available or failed.
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
func requestStatus(r overseerr.Request) string {
	switch r.Status {
	case overseerr.RequestDeclined:
		return StatusDeclined
	case overseerr.RequestFailed:
		return StatusFailed
	case overseerr.RequestCompleted:
		return StatusAvailable
	}
	ms := r.Media.Status
	if r.Is4K {
		ms = r.Media.Status4k
	}
	if ms == overseerr.MediaAvailable || seasonsAvailable(r) {
		return StatusAvailable
	}
	if r.Status != overseerr.RequestApproved {
		return StatusPending
	}
	switch ms {
	case overseerr.MediaProcessing, overseerr.MediaPartiallyAvailable:
		return StatusProcessing
	default:
		return StatusApproved
	}
}

// seasonsAvailable reports whether r asks for seasons and the media lists
// every one of them as available.
func seasonsAvailable(r overseerr.Request) bool {
	if len(r.Seasons) == 0 || len(r.Media.Seasons) == 0 {
		return false
	}
	have := make(map[int]bool, len(r.Media.Seasons))
	for _, s := range r.Media.Seasons {
		st := s.Status
		if r.Is4K {
			st = s.Status4k
		}
		have[s.SeasonNumber] = st == overseerr.MediaAvailable
	}
	for _, s := range r.Seasons {
		if !have[s.SeasonNumber] {
			return false
		}
	}
	return true
}

// webhookStatus says which request status an Overseerr notification
// implies: pending (MEDIA_PENDING), approved (MEDIA_APPROVED,
// MEDIA_AUTO_APPROVED), available (MEDIA_AVAILABLE), declined
// (MEDIA_DECLINED) or failed (MEDIA_FAILED). Other notifications — the test
// button, issues, auto-requests, unknown types — imply none: ok is false.
func webhookStatus(w overseerr.Webhook) (status string, ok bool) {
	switch w.NotificationType {
	case overseerr.NotifyMediaPending:
		return StatusPending, true
	case overseerr.NotifyMediaApproved, overseerr.NotifyMediaAutoApproved:
		return StatusApproved, true
	case overseerr.NotifyMediaAvailable:
		return StatusAvailable, true
	case overseerr.NotifyMediaDeclined:
		return StatusDeclined, true
	case overseerr.NotifyMediaFailed:
		return StatusFailed, true
	}
	return "", false
}
