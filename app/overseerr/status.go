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
