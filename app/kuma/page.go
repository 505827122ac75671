package kuma

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"medianest/app/upstream"
)

// Page is a public status page.
type Page struct {
	Slug        string
	Title       string
	Description string
	Icon        string
	FooterText  string
	Published   bool
	// AutoRefreshInterval in seconds (0 on 1.23, which lacks it).
	AutoRefreshInterval int
	// Groups in the page's order, each with its monitors.
	Groups []Group
	// Incidents: the pinned incident of ≤ 2.0 ("incident") or the list of
	// ≥ 2.1 ("incidents"); empty when there is none.
	Incidents   []Incident
	Maintenance []Maintenance
}

// Group is a group of monitors on a status page.
type Group struct {
	ID       int64
	Name     string
	Weight   int
	Monitors []PageMonitor
}

// PageMonitor is a monitor as the status page lists it.
type PageMonitor struct {
	ID   int64
	Name string
	Type string // "http", "ping", "docker", ...
	// URL is only published when the monitor's "send URL" option is on.
	URL string
}

// Incident is a status-page incident message.
type Incident struct {
	ID        int64
	Style     string // "info", "warning", "danger", "primary", "light", "dark"
	Title     string
	Content   string
	Pin       bool
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Maintenance is a maintenance window shown on the page.
type Maintenance struct {
	ID          int64
	Title       string
	Description string
	// Status is Uptime Kuma's word: "under-maintenance", "scheduled",
	// "ended", "inactive" or "unknown".
	Status   string
	Strategy string
	Active   bool
}

type wireIncident struct {
	ID              upstream.FlexInt    `json:"id"`
	Style           upstream.FlexString `json:"style"`
	Title           upstream.FlexString `json:"title"`
	Content         upstream.FlexString `json:"content"`
	Pin             upstream.FlexBool   `json:"pin"`
	Active          upstream.FlexBool   `json:"active"`
	CreatedDate     upstream.FlexString `json:"createdDate"`
	LastUpdatedDate upstream.FlexString `json:"lastUpdatedDate"`
}

type wirePage struct {
	Config struct {
		Slug                upstream.FlexString `json:"slug"`
		Title               upstream.FlexString `json:"title"`
		Description         upstream.FlexString `json:"description"`
		Icon                upstream.FlexString `json:"icon"`
		FooterText          upstream.FlexString `json:"footerText"`
		Published           upstream.FlexBool   `json:"published"`
		AutoRefreshInterval upstream.FlexInt    `json:"autoRefreshInterval"`
	} `json:"config"`
	// Incident is an object or null (≤ 2.0); Incidents an array (≥ 2.1).
	Incident        json.RawMessage `json:"incident"`
	Incidents       json.RawMessage `json:"incidents"`
	PublicGroupList []struct {
		ID          upstream.FlexInt    `json:"id"`
		Name        upstream.FlexString `json:"name"`
		Weight      upstream.FlexInt    `json:"weight"`
		MonitorList []struct {
			ID   upstream.FlexInt    `json:"id"`
			Name upstream.FlexString `json:"name"`
			Type upstream.FlexString `json:"type"`
			URL  upstream.FlexString `json:"url"`
		} `json:"monitorList"`
	} `json:"publicGroupList"`
	MaintenanceList []struct {
		ID          upstream.FlexInt    `json:"id"`
		Title       upstream.FlexString `json:"title"`
		Description upstream.FlexString `json:"description"`
		Status      upstream.FlexString `json:"status"`
		Strategy    upstream.FlexString `json:"strategy"`
		Active      upstream.FlexBool   `json:"active"`
	} `json:"maintenanceList"`
}

// StatusPage reads GET /api/status-page/{slug}. An unknown slug is
// NOT_FOUND with a message naming it.
func (c *Client) StatusPage(ctx context.Context, baseURL, slug string) (Page, error) {
	const op = "status page"
	sp, err := slugPath(op, slug)
	if err != nil {
		return Page{}, err
	}
	var w wirePage
	if err := c.get(ctx, op, baseURL, "/api/status-page/"+sp, notFoundMsg(slug), &w); err != nil {
		return Page{}, err
	}
	p := Page{
		Slug:                string(w.Config.Slug),
		Title:               string(w.Config.Title),
		Description:         string(w.Config.Description),
		Icon:                string(w.Config.Icon),
		FooterText:          string(w.Config.FooterText),
		Published:           bool(w.Config.Published),
		AutoRefreshInterval: int(w.Config.AutoRefreshInterval),
		Groups:              make([]Group, 0, len(w.PublicGroupList)),
		Incidents:           incidents(w.Incident, w.Incidents),
		Maintenance:         []Maintenance{},
	}
	for _, g := range w.PublicGroupList {
		grp := Group{ID: int64(g.ID), Name: string(g.Name), Weight: int(g.Weight), Monitors: make([]PageMonitor, 0, len(g.MonitorList))}
		for _, m := range g.MonitorList {
			grp.Monitors = append(grp.Monitors, PageMonitor{ID: int64(m.ID), Name: string(m.Name), Type: string(m.Type), URL: string(m.URL)})
		}
		p.Groups = append(p.Groups, grp)
	}
	for _, m := range w.MaintenanceList {
		p.Maintenance = append(p.Maintenance, Maintenance{
			ID: int64(m.ID), Title: string(m.Title), Description: string(m.Description),
			Status: string(m.Status), Strategy: string(m.Strategy), Active: bool(m.Active),
		})
	}
	return p, nil
}

// incidents merges the single-incident key of old versions and the list of
// new ones; null, a missing key or a wrong shape count as none.
func incidents(single, list json.RawMessage) []Incident {
	var wires []wireIncident
	if bytes.HasPrefix(bytes.TrimSpace(list), []byte("[")) {
		_ = json.Unmarshal(list, &wires)
	}
	if bytes.HasPrefix(bytes.TrimSpace(single), []byte("{")) {
		var one wireIncident
		if json.Unmarshal(single, &one) == nil {
			wires = append(wires, one)
		}
	}
	out := make([]Incident, 0, len(wires))
	for _, w := range wires {
		out = append(out, Incident{
			ID: int64(w.ID), Style: string(w.Style), Title: string(w.Title), Content: string(w.Content),
			Pin: bool(w.Pin), Active: bool(w.Active),
			CreatedAt: parseTime(string(w.CreatedDate)), UpdatedAt: parseTime(string(w.LastUpdatedDate)),
		})
	}
	return out
}
