package kuma

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"medianest/app/upstream"
)

// BeatStatus is a heartbeat's status.
type BeatStatus int

// Heartbeat statuses, as Uptime Kuma numbers them.
const (
	StatusDown        BeatStatus = 0
	StatusUp          BeatStatus = 1
	StatusPending     BeatStatus = 2
	StatusMaintenance BeatStatus = 3
)

// String is MediaNest's word for the status: up, down, pending or
// maintenance (an unknown number is pending).
func (s BeatStatus) String() string {
	switch s {
	case StatusDown:
		return "down"
	case StatusUp:
		return "up"
	case StatusMaintenance:
		return "maintenance"
	default:
		return "pending"
	}
}

// Beat is one public heartbeat.
type Beat struct {
	Status BeatStatus
	Time   time.Time
	// Ping is the response time in milliseconds; nil when Uptime Kuma
	// recorded none (down, pending, push and some other monitor types).
	Ping *float64
}

// Heartbeats are a status page's recent beats and 24-hour uptime.
type Heartbeats struct {
	// Beats per monitor id, oldest first (the last 100, or 50 on 1.23).
	Beats map[int64][]Beat
	// Uptime24h per monitor id as a fraction 0..1.
	Uptime24h map[int64]float64
}

type wireBeat struct {
	Status upstream.FlexInt    `json:"status"`
	Time   upstream.FlexString `json:"time"`
	Ping   json.RawMessage     `json:"ping"`
}

type wireHeartbeats struct {
	HeartbeatList map[string][]wireBeat         `json:"heartbeatList"`
	UptimeList    map[string]upstream.FlexFloat `json:"uptimeList"`
}

// Heartbeats reads GET /api/status-page/heartbeat/{slug}. Uptime Kuma has
// no 404 for this route: an unknown slug gives empty maps.
func (c *Client) Heartbeats(ctx context.Context, baseURL, slug string) (Heartbeats, error) {
	const op = "heartbeats"
	sp, err := slugPath(op, slug)
	if err != nil {
		return Heartbeats{}, err
	}
	var w wireHeartbeats
	if err := c.get(ctx, op, baseURL, "/api/status-page/heartbeat/"+sp, notFoundMsg(slug), &w); err != nil {
		return Heartbeats{}, err
	}
	out := Heartbeats{Beats: map[int64][]Beat{}, Uptime24h: map[int64]float64{}}
	for key, beats := range w.HeartbeatList {
		id, err := strconv.ParseInt(strings.TrimSpace(key), 10, 64)
		if err != nil {
			continue
		}
		list := make([]Beat, 0, len(beats))
		for _, b := range beats {
			list = append(list, Beat{Status: BeatStatus(b.Status), Time: parseTime(string(b.Time)), Ping: ping(b.Ping)})
		}
		out.Beats[id] = list
	}
	for key, v := range w.UptimeList {
		idPart, window, ok := strings.Cut(key, "_")
		if !ok || window != "24" {
			continue
		}
		id, err := strconv.ParseInt(idPart, 10, 64)
		if err != nil {
			continue
		}
		out.Uptime24h[id] = fraction(float64(v))
	}
	return out, nil
}

// ping reads a nullable ping; null, "", a negative value (the -1 some
// versions use for "none") and garbage are nil.
func ping(raw json.RawMessage) *float64 {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var f upstream.FlexFloat
	if json.Unmarshal(raw, &f) != nil || float64(f) < 0 || math.IsNaN(float64(f)) {
		return nil
	}
	v := float64(f)
	return &v
}

// fraction clamps an uptime ratio to 0..1.
func fraction(v float64) float64 {
	switch {
	case math.IsNaN(v) || v < 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}

// Latest returns the most recent beat of a list (by time, the last on a
// tie), and false for an empty list.
func Latest(beats []Beat) (Beat, bool) {
	if len(beats) == 0 {
		return Beat{}, false
	}
	best := beats[len(beats)-1]
	for _, b := range beats {
		if b.Time.After(best.Time) {
			best = b
		}
	}
	return best, true
}
