package kumatest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// timeLayout is how Uptime Kuma prints times: UTC, no "T", no zone.
const timeLayout = "2006-01-02 15:04:05.000"

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/status-page/heartbeat/{slug}", s.handleHeartbeats)
	mux.HandleFunc("GET /api/status-page/{slug}", s.handlePage)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"status": "fail", "msg": "Not Found"})
	})
	faulty := s.Faults.Wrap(mux, func(w http.ResponseWriter, status int) {
		writeJSON(w, status, map[string]any{"status": "fail", "msg": http.StatusText(status)})
	})
	// Calls are recorded even while the fake is down or stalling.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()})
		s.mu.Unlock()
		faulty.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	slug := strings.ToLower(r.PathValue("slug"))
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pages[slug]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"status": "fail", "msg": "Status Page Not Found"})
		return
	}
	config := map[string]any{
		"slug": slug, "title": p.title, "description": nil, "icon": "/icon.svg", "theme": "auto",
		"published": true, "showTags": false, "customCSS": "", "footerText": nil, "showPoweredBy": true,
		"showCertificateExpiry": false,
	}
	out := map[string]any{"config": config}
	switch s.version {
	case V1_23, V2_0:
		config["googleAnalyticsId"] = nil
		if s.version == V2_0 {
			config["autoRefreshInterval"] = 300
		}
		var one any
		if len(p.incidents) > 0 {
			one = incidentJSON(p.incidents[0])
		}
		out["incident"] = one
	default:
		config["autoRefreshInterval"] = 300
		config["analyticsId"] = nil
		config["analyticsScriptUrl"] = nil
		config["analyticsType"] = nil
		config["showOnlyLastHeartbeat"] = false
		config["rssTitle"] = nil
		list := []any{}
		for _, in := range p.incidents {
			list = append(list, incidentJSON(in))
		}
		out["incidents"] = list
	}
	groups := []any{}
	for _, g := range p.groups {
		mons := []any{}
		for _, m := range g.Monitors {
			typ := m.Type
			if typ == "" {
				typ = "http"
			}
			send := 0
			if m.SendURL {
				send = 1
			}
			mj := map[string]any{"id": m.ID, "name": m.Name, "sendUrl": send, "type": typ}
			if m.SendURL {
				mj["url"] = m.URL
			}
			mons = append(mons, mj)
		}
		groups = append(groups, map[string]any{"id": g.ID, "name": g.Name, "weight": g.Weight, "monitorList": mons})
	}
	out["publicGroupList"] = groups
	maint := []any{}
	for _, m := range p.maintenance {
		maint = append(maint, map[string]any{
			"id": m.ID, "title": m.Title, "description": m.Description, "strategy": m.Strategy,
			"active": m.Active, "status": m.Status, "intervalDay": 1, "timeslotList": []any{},
		})
	}
	out["maintenanceList"] = maint
	writeJSON(w, http.StatusOK, out)
}

func incidentJSON(in Incident) map[string]any {
	created := in.Created
	if created.IsZero() {
		created = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	}
	var updated any
	if !in.Updated.IsZero() {
		updated = in.Updated.UTC().Format(timeLayout)
	}
	return map[string]any{
		"id": in.ID, "style": in.Style, "title": in.Title, "content": in.Content, "pin": in.Pin,
		"active": in.Active, "createdDate": created.UTC().Format(timeLayout), "lastUpdatedDate": updated,
		"status_page_id": 1,
	}
}

func (s *Server) handleHeartbeats(w http.ResponseWriter, r *http.Request) {
	slug := strings.ToLower(r.PathValue("slug"))
	s.mu.Lock()
	defer s.mu.Unlock()
	beats := map[string]any{}
	uptime := map[string]any{}
	limit := 100
	if s.version == V1_23 {
		limit = 50
	}
	if p, ok := s.pages[slug]; ok {
		for _, g := range p.groups {
			for _, m := range g.Monitors {
				key := strconv.FormatInt(m.ID, 10)
				list := s.beats[m.ID]
				if len(list) > limit {
					list = list[len(list)-limit:]
				}
				out := []any{}
				for _, b := range list {
					var ping any
					if b.Ping != nil {
						ping = *b.Ping
					}
					out = append(out, map[string]any{
						"status": int(b.Status), "time": b.Time.UTC().Format(timeLayout), "msg": "", "ping": ping,
					})
				}
				beats[key] = out
				if u, ok := s.uptime[m.ID]; ok {
					uptime[key+"_24"] = u
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"heartbeatList": beats, "uptimeList": uptime})
}
