package youtube

import "time"

// Download is one submitted URL, a video or a playlist. Its JSON is the
// API's Download object.
type Download struct {
	ID              int64      `json:"id"`
	UserID          int64      `json:"userId"`
	Username        string     `json:"username"`
	URL             string     `json:"url"`
	Kind            string     `json:"kind"`
	Title           string     `json:"title"`
	Channel         string     `json:"channel"`
	ThumbnailURL    string     `json:"thumbnailUrl"`
	Quality         string     `json:"quality"`
	Format          string     `json:"format"`
	Status          string     `json:"status"`
	Progress        float64    `json:"progress"`
	BytesDownloaded int64      `json:"bytesDownloaded"`
	BytesTotal      int64      `json:"bytesTotal"`
	SpeedBps        int64      `json:"speedBps"`
	EtaSeconds      *int64     `json:"etaSeconds"`
	Error           string     `json:"error"`
	Attempts        int        `json:"attempts"`
	CreatedAt       time.Time  `json:"createdAt"`
	StartedAt       *time.Time `json:"startedAt"`
	CompletedAt     *time.Time `json:"completedAt"`
	// NextAttemptAt is when a download that failed for a passing reason
	// runs again; nil when it is not waiting for that.
	NextAttemptAt *time.Time `json:"nextAttemptAt"`
	// ItemIndex is the item being (or last) downloaded, ItemCount how many
	// there are: 1 for a video.
	ItemIndex int `json:"itemIndex"`
	ItemCount int `json:"itemCount"`
	// PlexCollection is the Plex collection a playlist was gathered into.
	PlexCollection *Collection `json:"plexCollection,omitempty"`
	// PlexPending says that telling Plex (a scan, the collection) failed
	// and is being retried; the files themselves are complete.
	PlexPending bool `json:"plexPending"`
	// Items are filled in for a single download, left out of listings.
	Items []Item `json:"items,omitempty"`
}

// Item is one video of a download.
type Item struct {
	Index    int     `json:"index"`
	VideoID  string  `json:"videoId"`
	Title    string  `json:"title"`
	Status   string  `json:"status"`
	Progress float64 `json:"progress"`
	// FilePath is relative to youtube.download_dir.
	FilePath  string `json:"filePath"`
	SizeBytes int64  `json:"sizeBytes"`
	Error     string `json:"error"`
}

// progressEvent is the data of a download.progress event.
type progressEvent struct {
	ID              int64   `json:"id"`
	Progress        float64 `json:"progress"`
	BytesDownloaded int64   `json:"bytesDownloaded"`
	BytesTotal      int64   `json:"bytesTotal"`
	SpeedBps        int64   `json:"speedBps"`
	EtaSeconds      *int64  `json:"etaSeconds"`
	ItemIndex       int     `json:"itemIndex"`
}
