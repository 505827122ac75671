package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/kuma/kumatest"
	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/plex/plextest"
)

// The end-to-end test drives the real entry point (`medianest server`, run
// in-process by startServer) over real HTTP on 127.0.0.1, with plex.tv, the
// Plex Media Server, Overseerr and Uptime Kuma replaced by their httptest
// fakes. The server is configured the way a user configures it: a TOML file
// plus MEDIANEST_* environment variables.

// Secrets of the scenario. They are distinctive so that finding one in the
// database file or the logs cannot be a coincidence.
const (
	e2ePMSOwnerToken = "pms-owner-secret-6f0c2a9d41"
	e2eOwnerTVToken  = "plextv-owner-secret-8c1a7e55"
	e2eJaneTVToken   = "plextv-jane-secret-3b7e90d2"
	e2eJaneSrvToken  = "pms-jane-access-secret-9f2d14b8"
	e2eStrangerToken = "plextv-stranger-secret-1e6c3a70"
	e2eOverseerrKey  = "overseerr-api-key-secret-c41f7b2a"
	e2eHookSecret    = "webhook-shared-secret-58d0e3f6"
	e2eCarolPassword = "carol-password-secret-27aa91"

	// Plex account ids. Jane's matches the Plex id of Overseerr's
	// default user JaneID, so her requests go to Overseerr as that user.
	e2eOwnerPlexID    = 1000001
	e2eJanePlexID     = 48213377
	e2eStrangerPlexID = 5550001

	// Movies in section "1" after plextest's Seed.
	e2eSeededMovies = 57
)

func TestE2EWholeProduct(t *testing.T) {
	// Upstream fakes.
	tv := plextest.NewTV(t)
	pms := plextest.NewPMS(t)
	pms.Seed()
	pms.SetOwnerToken(e2ePMSOwnerToken)
	// A show in the TV library, which Jane is not shared.
	hidden := pms.AddShow("2", "Hidden Frontier", 1, 2)
	ovr := overseerrtest.New(t)
	ovr.SetAPIKey(e2eOverseerrKey)
	kuma := kumatest.New(t)

	// The owner owns the server; Jane was shared the Movies library only;
	// the stranger has a Plex account and nothing else.
	tv.AddUser(e2eOwnerTVToken, plextest.Account{ID: e2eOwnerPlexID, UUID: "owner-uuid", Username: "admin.user", Email: "admin@example.com"})
	tv.Share(e2eOwnerTVToken, pms.MachineID(), true, pms.OwnerToken())
	tv.AddUser(e2eJaneTVToken, plextest.Account{ID: e2eJanePlexID, UUID: "jane-uuid", Username: "jane.doe", Email: "jane@example.com"})
	tv.Share(e2eJaneTVToken, pms.MachineID(), false, e2eJaneSrvToken)
	pms.Grant(e2eJaneSrvToken, "1")
	tv.AddUser(e2eStrangerToken, plextest.Account{ID: e2eStrangerPlexID, UUID: "stranger-uuid", Username: "stranger"})

	// Configuration: a file for most of it, the environment for the rest.
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "medianest.toml")
	cfg := e2eConfig(addr, dataDir, pms, tv) + e2eServicesConfig(ovr, kuma)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MEDIANEST_OVERSEERR_WEBHOOK_SECRET", e2eHookSecret)
	t.Setenv("MEDIANEST_STATUS_INTERVAL", "200ms")
	// Debug logging, so that the check for secrets in the logs covers
	// everything the server may write.
	t.Setenv("MEDIANEST_LOG_LEVEL", "debug")

	stop := startServer(t, addr, "--config", cfgPath)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	// The scenario runs as ordered steps that share its state. It stops at
	// the first step that fails, which is then the one reported, instead of
	// letting the later steps fail because of it.
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	base := "http://" + addr

	owner := newBrowser(t, base)
	jane := newBrowser(t, base)
	stranger := newBrowser(t, base)
	anon := newBrowser(t, base)

	step("anonymous visitor", func(t *testing.T) {
		if r := anon.expect(t, "GET", "/api/v1/auth/session", nil, 401); r.Error.Code != "UNAUTHORIZED" {
			t.Fatalf("anonymous session: %s", r.Body)
		}
	})

	// 1. Plex sign-in: the owner becomes admin, Jane a user, the stranger
	// is turned away.
	var ownerUser, janeUser e2eUser
	step("Plex sign-in", func(t *testing.T) {
		r := plexSignIn(t, owner, tv, e2eOwnerTVToken)
		if r.Status != 200 {
			t.Fatalf("owner verify: %d %s", r.Status, r.Body)
		}
		ownerUser = decode[struct{ User e2eUser }](t, r.Data).User
		if ownerUser.Role != "admin" || ownerUser.Provider != "plex" || ownerUser.Username != "admin.user" || ownerUser.Status != "active" {
			t.Fatalf("owner: %+v", ownerUser)
		}
		if owner.cookie("medianest_session") == "" {
			t.Fatal("no session cookie after the owner's sign-in")
		}
		sess := decode[e2eSession](t, owner.expect(t, "GET", "/api/v1/auth/session", nil, 200).Data)
		if sess.Session.Via != "cookie" || sess.User.ID != ownerUser.ID || sess.Session.ID == 0 {
			t.Fatalf("owner session: %+v", sess)
		}

		r = plexSignIn(t, jane, tv, e2eJaneTVToken)
		if r.Status != 200 {
			t.Fatalf("jane verify: %d %s", r.Status, r.Body)
		}
		janeUser = decode[struct{ User e2eUser }](t, r.Data).User
		if janeUser.Role != "user" || janeUser.Provider != "plex" || janeUser.ID == ownerUser.ID {
			t.Fatalf("jane: %+v", janeUser)
		}
		if r := jane.expect(t, "GET", "/api/v1/admin/users", nil, 403); r.Error.Code != "FORBIDDEN" {
			t.Fatalf("jane on an admin route: %s", r.Body)
		}

		// Signing in again, from another browser, finds the same account.
		again := plexSignIn(t, newBrowser(t, base), tv, e2eOwnerTVToken)
		if u := decode[struct{ User e2eUser }](t, again.Data).User; again.Status != 200 || u.ID != ownerUser.ID || u.Role != "admin" {
			t.Fatalf("owner's second sign-in: %d %s", again.Status, again.Body)
		}

		r = plexSignIn(t, stranger, tv, e2eStrangerToken)
		if r.Status != 403 || r.Error.Code != "NO_SERVER_ACCESS" {
			t.Fatalf("stranger verify: %d %s", r.Status, r.Body)
		}
		if stranger.cookie("medianest_session") != "" {
			t.Fatal("the stranger got a session cookie")
		}
		stranger.expect(t, "GET", "/api/v1/auth/session", nil, 401)
	})

	// Jane watches her live events from here on.
	var events *e2eEvents
	t.Cleanup(func() {
		if events != nil {
			events.close()
		}
	})
	step("Jane opens her event stream", func(t *testing.T) {
		events = jane.openEvents(t)
	})

	// 2. Library browsing with Jane's own server token, search and requests.
	var sintel, tears e2eRequest
	step("browsing and requests", func(t *testing.T) {
		libs := decode[[]struct {
			Key, Title, Type string
			ItemCount        int `json:"itemCount"`
		}](t, jane.expect(t, "GET", "/api/v1/plex/libraries", nil, 200).Data)
		if len(libs) != 1 || libs[0].Key != "1" || libs[0].Title != "Movies" || libs[0].Type != "movie" || libs[0].ItemCount != e2eSeededMovies {
			t.Fatalf("jane's libraries: %+v", libs)
		}
		ownerLibs := decode[[]struct{ Key string }](t, owner.expect(t, "GET", "/api/v1/plex/libraries", nil, 200).Data)
		if len(ownerLibs) != 2 {
			t.Fatalf("the owner sees %d libraries, want 2", len(ownerLibs))
		}
		r := jane.expect(t, "GET", "/api/v1/plex/libraries/1/items?limit=10", nil, 200)
		items := decode[[]struct {
			RatingKey string `json:"ratingKey"`
			Title     string
			ThumbURL  string `json:"thumbUrl"`
		}](t, r.Data)
		if len(items) != 10 || metaInt(r, "total") != e2eSeededMovies || metaInt(r, "limit") != 10 || metaInt(r, "offset") != 0 {
			t.Fatalf("first page: %d items, meta %v", len(items), r.Meta)
		}
		if strings.Contains(string(r.Body), e2eJaneSrvToken) || strings.Contains(string(r.Body), pms.OwnerToken()) {
			t.Fatal("a Plex token reached the browser in an item listing")
		}
		r = jane.expect(t, "GET", "/api/v1/plex/libraries/1/items?offset=50&limit=10", nil, 200)
		if n := len(decode[[]json.RawMessage](t, r.Data)); n != e2eSeededMovies-50 || metaInt(r, "total") != e2eSeededMovies {
			t.Fatalf("last page: %d items, meta %v", n, r.Meta)
		}
		if r := jane.expect(t, "GET", "/api/v1/plex/libraries/2/items?limit=10", nil, 404); r.Error.Code != "NOT_FOUND" {
			t.Fatalf("unshared library: %s", r.Body)
		}
		// Nothing of the unshared library leaks through the other routes.
		if r := jane.expect(t, "GET", "/api/v1/plex/items/"+hidden.RatingKey, nil, 404); r.Error.Code != "NOT_FOUND" {
			t.Fatalf("an item of an unshared library: %s", r.Body)
		}
		owner.expect(t, "GET", "/api/v1/plex/items/"+hidden.RatingKey, nil, 200)
		if r := jane.expect(t, "GET", "/api/v1/plex/search?query=Hidden", nil, 200); strings.Contains(string(r.Body), "Hidden Frontier") {
			t.Fatalf("plex search shows an unshared title: %s", r.Body)
		}
		if r := owner.expect(t, "GET", "/api/v1/plex/search?query=Hidden", nil, 200); !strings.Contains(string(r.Body), "Hidden Frontier") {
			t.Fatalf("the owner's plex search misses a title: %s", r.Body)
		}
		recent := decode[[]struct {
			Title     string
			SectionID int64 `json:"librarySectionId"`
		}](t, jane.expect(t, "GET", "/api/v1/plex/recently-added?limit=100", nil, 200).Data)
		if len(recent) == 0 {
			t.Fatal("recently added is empty for jane")
		}
		for _, it := range recent {
			if it.SectionID != 1 {
				t.Fatalf("recently added shows %q of section %d to jane", it.Title, it.SectionID)
			}
		}
		// The PMS fake saw Jane's token, not the owner's, for her listing.
		var sawJane bool
		for _, req := range pms.RequestsTo("/library/sections/1/all") {
			if req.Token() == e2eJaneSrvToken {
				sawJane = true
			}
		}
		if !sawJane {
			t.Fatal("the Plex server never saw Jane's own access token")
		}

		r = jane.expect(t, "GET", "/api/v1/media/search?query=sintel", nil, 200)
		found := findResult(t, r, "movie", 45745)
		if found == nil || found.Title != "Sintel" || found.Year == nil || *found.Year != 2010 || found.Requested {
			t.Fatalf("search result for Sintel: %+v (%s)", found, r.Body)
		}
		if metaInt(r, "totalResults") < 1 || metaInt(r, "page") != 1 {
			t.Fatalf("search meta: %v", r.Meta)
		}

		ovr.ResetCalls()
		r = jane.expect(t, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}, 201)
		sintel = decode[e2eRequest](t, r.Data)
		if sintel.Status != "pending" || sintel.OverseerrRequestID == nil || *sintel.OverseerrRequestID <= 0 ||
			sintel.UserID != janeUser.ID || sintel.Title != "Sintel" || sintel.CompletedAt != nil {
			t.Fatalf("created request: %s", r.Body)
		}
		info, ok := ovr.Request(*sintel.OverseerrRequestID)
		if !ok || info.TmdbID != 45745 || info.MediaType != "movie" || info.UserID != overseerrtest.JaneID || info.Status != overseerr.RequestPending {
			t.Fatalf("Overseerr's view of the request: %+v %v", info, ok)
		}
		var asJane bool
		for _, c := range ovr.Calls() {
			if c.Method == "POST" && c.Path == "/api/v1/request" && c.APIUser == strconv.Itoa(overseerrtest.JaneID) {
				asJane = true
			}
		}
		if !asJane {
			t.Fatalf("the request did not go to Overseerr with X-API-User %d", overseerrtest.JaneID)
		}

		if r := jane.expect(t, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}, 409); r.Error.Code != "ALREADY_REQUESTED" {
			t.Fatalf("second request: %s", r.Body)
		}
		r = jane.expect(t, "GET", "/api/v1/media/search?query=sintel", nil, 200)
		if found := findResult(t, r, "movie", 45745); found == nil || !found.Requested {
			t.Fatalf("Sintel not shown as requested after the request: %s", r.Body)
		}

		tears = decode[e2eRequest](t, jane.expect(t, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 133701}, 201).Data)
		if tears.Status != "pending" || tears.OverseerrRequestID == nil {
			t.Fatalf("second title: %+v", tears)
		}
		mine := jane.expect(t, "GET", "/api/v1/media/requests", nil, 200)
		if n := len(decode[[]e2eRequest](t, mine.Data)); n != 2 || metaInt(mine, "total") != 2 {
			t.Fatalf("jane's requests: %s", mine.Body)
		}
		stats := decode[struct {
			Requests      map[string]int
			RecentlyAdded []struct {
				SectionID int64 `json:"librarySectionId"`
			} `json:"recentlyAdded"`
		}](t, jane.expect(t, "GET", "/api/v1/dashboard/stats", nil, 200).Data)
		if stats.Requests["total"] != 2 || stats.Requests["pending"] != 2 || len(stats.RecentlyAdded) == 0 {
			t.Fatalf("jane's dashboard stats: %+v", stats)
		}
		for _, it := range stats.RecentlyAdded {
			if it.SectionID != 1 {
				t.Fatalf("dashboard recently added shows section %d to jane", it.SectionID)
			}
		}
		owner.expect(t, "GET", fmt.Sprintf("/api/v1/media/requests/%d", sintel.ID), nil, 200)
		stranger.expect(t, "GET", fmt.Sprintf("/api/v1/media/requests/%d", sintel.ID), nil, 401)
	})

	// 3. Overseerr's webhook marks Sintel available and Jane is told.
	step("Overseerr webhook", func(t *testing.T) {
		hookURL := base + "/api/v1/webhooks/overseerr"
		body := overseerrtest.WebhookBody(overseerrtest.WebhookParams{
			NotificationType:    overseerr.NotifyMediaAvailable,
			Subject:             "Sintel (2010)",
			Message:             "A girl searches for her baby dragon.",
			MediaType:           "movie",
			TmdbID:              45745,
			RequestID:           *sintel.OverseerrRequestID,
			RequestedByEmail:    "jane@example.com",
			RequestedByUsername: "jane.doe",
		})
		var shape struct {
			Media struct {
				TmdbID any `json:"tmdbId"`
			} `json:"media"`
		}
		if err := json.Unmarshal(body, &shape); err != nil || shape.Media.TmdbID != "45745" {
			t.Fatalf("the webhook body does not carry Overseerr's string values: %v %s", err, body)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if code, err := overseerrtest.PostWebhook(ctx, hookURL, "wrong-secret", body); err != nil || code != 401 {
			t.Fatalf("webhook with a wrong secret: %d %v", code, err)
		}
		if code, err := overseerrtest.PostWebhook(ctx, hookURL, "", body); err != nil || code != 401 {
			t.Fatalf("webhook without a secret: %d %v", code, err)
		}
		if got := decode[e2eRequest](t, jane.expect(t, "GET", fmt.Sprintf("/api/v1/media/requests/%d", sintel.ID), nil, 200).Data); got.Status != "pending" {
			t.Fatalf("a refused webhook changed the request: %+v", got)
		}
		if code, err := overseerrtest.PostWebhook(ctx, hookURL, e2eHookSecret, body); err != nil || code != 204 {
			t.Fatalf("webhook: %d %v", code, err)
		}
		got := decode[e2eRequest](t, jane.expect(t, "GET", fmt.Sprintf("/api/v1/media/requests/%d", sintel.ID), nil, 200).Data)
		if got.Status != "available" || got.CompletedAt == nil || got.CompletedAt.IsZero() {
			t.Fatalf("after MEDIA_AVAILABLE: %+v", got)
		}

		r := jane.expect(t, "GET", "/api/v1/notifications", nil, 200)
		notes := decode[[]struct {
			ID         int64
			Type, Link string
			Read       bool
		}](t, r.Data)
		var note bool
		for _, n := range notes {
			if n.Type == "request.available" && !n.Read {
				note = true
			}
		}
		if !note || metaInt(r, "unread") < 1 {
			t.Fatalf("jane's notifications: %s", r.Body)
		}
		var noteID int64
		for _, n := range notes {
			if n.Type == "request.available" {
				noteID = n.ID
			}
		}
		unread := metaInt(r, "unread")
		jane.expect(t, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", noteID), nil, 204)
		if r := jane.expect(t, "GET", "/api/v1/notifications", nil, 200); metaInt(r, "unread") != unread-1 {
			t.Fatalf("unread after reading one: %v, was %d", r.Meta, unread)
		}
		if n := decode[[]json.RawMessage](t, owner.expect(t, "GET", "/api/v1/notifications", nil, 200).Data); len(n) != 0 {
			t.Fatalf("the owner got jane's notifications: %d", len(n))
		}

		// The same change reached Jane's event stream.
		ev := events.waitFor(t, "request.updated", 5*time.Second, func(d json.RawMessage) bool {
			r := decode[e2eRequest](t, d)
			return r.ID == sintel.ID && r.Status == "available"
		})
		if r := decode[e2eRequest](t, ev.Data); r.CompletedAt == nil {
			t.Fatalf("request.updated without completedAt: %s", ev.Data)
		}
		events.waitFor(t, "notification", 5*time.Second, func(d json.RawMessage) bool {
			return decode[struct{ Type string }](t, d).Type == "request.available"
		})
	})

	// 4. The admin approves Jane's other request: it is forwarded to
	// Overseerr and Jane sees the change live.
	step("admin approval", func(t *testing.T) {
		if r := jane.expect(t, "POST", fmt.Sprintf("/api/v1/admin/requests/%d/approve", tears.ID), nil, 403); r.Error.Code != "FORBIDDEN" {
			t.Fatalf("jane approving: %s", r.Body)
		}
		r := owner.expect(t, "POST", fmt.Sprintf("/api/v1/admin/requests/%d/approve", tears.ID), nil, 200)
		// Overseerr starts the download on approval, so the request may
		// already be processing.
		approved := func(st string) bool { return st == "approved" || st == "processing" }
		if got := decode[e2eRequest](t, r.Data); !approved(got.Status) || got.CompletedAt != nil {
			t.Fatalf("approve: %s", r.Body)
		}
		if info, _ := ovr.Request(*tears.OverseerrRequestID); info.Status != overseerr.RequestApproved {
			t.Fatalf("Overseerr's request after approval: %+v", info)
		}
		events.waitFor(t, "request.updated", 5*time.Second, func(d json.RawMessage) bool {
			r := decode[e2eRequest](t, d)
			return r.ID == tears.ID && approved(r.Status)
		})
		events.waitFor(t, "notification", 5*time.Second, func(d json.RawMessage) bool {
			return decode[struct{ Type string }](t, d).Type == "request.approved"
		})
	})

	// 5. Service status follows the Plex server down and back up.
	step("service status", func(t *testing.T) {
		statusOf := func(name string) (string, string) {
			r := jane.expect(t, "GET", "/api/v1/dashboard/status", nil, 200)
			list := decode[[]e2eServiceStatus](t, r.Data)
			for _, s := range list {
				if s.Name == name {
					return s.Status, string(r.Body)
				}
			}
			return "", string(r.Body)
		}
		list := decode[[]e2eServiceStatus](t, jane.expect(t, "GET", "/api/v1/dashboard/status", nil, 200).Data)
		var names []string
		for _, s := range list {
			names = append(names, s.Name)
		}
		for _, want := range []string{"plex", "overseerr", "uptime_kuma", "ytdlp"} {
			if !slices.Contains(names, want) {
				t.Fatalf("dashboard status lists %v, missing %s", names, want)
			}
		}
		eventually(t, 3*time.Second, "plex up", func() (bool, string) {
			st, body := statusOf("plex")
			return st == "up", body
		})
		eventually(t, 3*time.Second, "overseerr and uptime_kuma up", func() (bool, string) {
			o, body := statusOf("overseerr")
			k, _ := statusOf("uptime_kuma")
			return o == "up" && k == "up", body
		})

		pms.SetDown(500)
		took := eventually(t, 2*time.Second, "plex down", func() (bool, string) {
			st, body := statusOf("plex")
			return st == "down", body
		})
		t.Logf("plex went down after %v", took)
		events.waitFor(t, "service.status", 5*time.Second, func(d json.RawMessage) bool {
			s := decode[e2eServiceStatus](t, d)
			return s.Name == "plex" && s.Status == "down"
		})
		ready := anon.raw(t, "GET", "/health/ready")
		if ready.Status != 200 || !strings.Contains(string(ready.Body), `"status":"degraded"`) {
			t.Fatalf("ready with Plex down: %d %s", ready.Status, ready.Body)
		}
		// What has to come from Plex fails as a gateway error, not as a bug
		// (answers seen before may be served from the cache).
		if r := jane.call(t, "GET", "/api/v1/plex/search?query=Sintel", nil); (r.Status != 502 && r.Status != 503) || r.Error.Code == "INTERNAL" {
			t.Fatalf("plex search with Plex down: %d %s", r.Status, r.Body)
		}

		pms.SetDown(0)
		took = eventually(t, 2*time.Second, "plex up again", func() (bool, string) {
			st, body := statusOf("plex")
			return st == "up", body
		})
		t.Logf("plex came back after %v", took)
		events.waitFor(t, "service.status", 5*time.Second, func(d json.RawMessage) bool {
			s := decode[e2eServiceStatus](t, d)
			return s.Name == "plex" && s.Status == "up"
		})
		one := decode[e2eServiceStatus](t, jane.expect(t, "GET", "/api/v1/dashboard/status/plex", nil, 200).Data)
		if one.Status != "up" || one.Uptime24h == nil || *one.Uptime24h <= 0 || *one.Uptime24h >= 100 || one.LastCheckAt == nil {
			t.Fatalf("plex after an outage: %+v", one)
		}
		jane.expect(t, "GET", "/api/v1/dashboard/status/nope", nil, 404)
		jane.expect(t, "GET", "/api/v1/plex/search?query=Sintel", nil, 200)

		ready = anon.raw(t, "GET", "/health/ready")
		var rd struct {
			Status string
			Checks map[string]struct{ Status string }
		}
		if err := json.Unmarshal(ready.Body, &rd); err != nil {
			t.Fatalf("ready: %v %s", err, ready.Body)
		}
		if ready.Status != 200 || (rd.Status != "ready" && rd.Status != "degraded") ||
			rd.Checks["database"].Status != "pass" || rd.Checks["migrations"].Status != "pass" || rd.Checks["plex"].Status != "pass" {
			t.Fatalf("ready: %d %s", ready.Status, ready.Body)
		}
		if strings.Contains(string(ready.Body), `"success"`) {
			t.Fatal("the readiness probe is enveloped")
		}
	})

	// 6. Admin: file-managed services, the notice, the audit log.
	step("admin settings, notice and audit", func(t *testing.T) {
		r := owner.expect(t, "GET", "/api/v1/admin/services", nil, 200)
		for _, secret := range []string{pms.OwnerToken(), ovr.APIKey()} {
			if strings.Contains(string(r.Body), secret) {
				t.Fatalf("GET /admin/services shows a secret: %s", r.Body)
			}
		}
		svcs := decode[[]struct {
			Name, URL, Source string
			Enabled           bool
			HasAPIKey         bool `json:"hasApiKey"`
		}](t, r.Data)
		seen := map[string]bool{}
		for _, s := range svcs {
			seen[s.Name] = true
			if s.Source != "config" || !s.Enabled {
				t.Errorf("service %s: source %q enabled %v, want config-managed", s.Name, s.Source, s.Enabled)
			}
			if (s.Name == "plex" || s.Name == "overseerr") && !s.HasAPIKey {
				t.Errorf("service %s: hasApiKey false", s.Name)
			}
		}
		if !seen["plex"] || !seen["overseerr"] || !seen["uptime_kuma"] {
			t.Fatalf("services: %s", r.Body)
		}
		if r := owner.expect(t, "PUT", "/api/v1/admin/services/plex", map[string]any{"url": "not a url", "enabled": true}, 400); r.Error.Code != "VALIDATION_ERROR" {
			t.Fatalf("PUT a bad URL: %s", r.Body)
		}
		if r := owner.expect(t, "PUT", "/api/v1/admin/services/plex", map[string]any{"url": pms.URL, "enabled": true}, 409); r.Error.Code != "CONFLICT" {
			t.Fatalf("PUT a file-managed service: %s", r.Body)
		}

		// A cookie-carrying request from another site is refused.
		if r := owner.call(t, "PUT", "/api/v1/admin/notice", map[string]any{"message": "csrf", "level": "info"},
			"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"); r.Status != 403 || r.Error.Code != "CROSS_ORIGIN" {
			t.Fatalf("cross-origin PUT: %d %s", r.Status, r.Body)
		}
		if n := anon.expect(t, "GET", "/api/v1/notice", nil, 200); string(n.Data) != "null" {
			t.Fatalf("notice before any: %s", n.Body)
		}
		msg := "Plex is down for maintenance until 20:00"
		r = owner.expect(t, "PUT", "/api/v1/admin/notice", map[string]any{"message": msg, "level": "warning"}, 200)
		if n := decode[struct{ Message, Level string }](t, r.Data); n.Message != msg || n.Level != "warning" {
			t.Fatalf("PUT notice: %s", r.Body)
		}
		r = anon.expect(t, "GET", "/api/v1/notice", nil, 200)
		if n := decode[struct {
			Message, Level string
			UpdatedAt      *time.Time
		}](t, r.Data); n.Message != msg || n.Level != "warning" || n.UpdatedAt == nil {
			t.Fatalf("anonymous notice: %s", r.Body)
		}
		events.waitFor(t, "notice", 5*time.Second, func(d json.RawMessage) bool {
			return decode[struct{ Message string }](t, d).Message == msg
		})
		if r := jane.expect(t, "PUT", "/api/v1/admin/notice", map[string]any{"message": "x", "level": "info"}, 403); r.Error.Code != "FORBIDDEN" {
			t.Fatalf("jane setting the notice: %s", r.Body)
		}

		r = owner.expect(t, "GET", "/api/v1/admin/audit?pageSize=100", nil, 200)
		entries := decode[[]struct {
			Action, Target, ActorName string
			ActorID                   *int64
		}](t, r.Data)
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
		}
		for _, want := range []string{"auth.login", "auth.login_failed", "notice.update", "request.approve"} {
			if actions[want] == 0 {
				t.Errorf("audit log has no %s: %v", want, actions)
			}
		}
		if actions["auth.login"] < 2 {
			t.Errorf("audit log has %d auth.login, want the owner's and jane's", actions["auth.login"])
		}
		if r := owner.expect(t, "GET", "/api/v1/admin/audit?action=notice.update", nil, 200); len(decode[[]json.RawMessage](t, r.Data)) != 1 {
			t.Errorf("audit filtered by action: %s", r.Body)
		}
	})

	// 7. Another process (the CLI) creates and later disables a local
	// account; the running server honours both.
	var carolCookie, carolToken, janeToken string
	step("accounts managed by the CLI", func(t *testing.T) {
		code, out, errs := runCLIWithStdin(t, e2eCarolPassword+"\n", "user", "add", "--config", cfgPath, "--password-stdin", "--email", "carol@example.com", "carol")
		if code != 0 || !strings.Contains(out, "role user") {
			t.Fatalf("user add: %d %q %q", code, out, errs)
		}
		carol := newBrowser(t, base)
		if r := carol.expect(t, "POST", "/api/v1/auth/login", map[string]any{"username": "carol", "password": "wrong password here"}, 401); r.Error.Code != "INVALID_CREDENTIALS" {
			t.Fatalf("wrong password: %s", r.Body)
		}
		r := carol.expect(t, "POST", "/api/v1/auth/login", map[string]any{"username": "carol", "password": e2eCarolPassword}, 200)
		if u := decode[struct{ User e2eUser }](t, r.Data).User; u.Username != "carol" || u.Provider != "local" || u.Role != "user" {
			t.Fatalf("carol: %s", r.Body)
		}
		carolCookie = carol.cookie("medianest_session")
		if carolCookie == "" {
			t.Fatal("no session cookie for carol")
		}
		tok := decode[struct{ Secret string }](t, carol.expect(t, "POST", "/api/v1/auth/tokens", map[string]any{"name": "e2e", "expiresInDays": 1}, 201).Data)
		if !strings.HasPrefix(tok.Secret, "mn_") {
			t.Fatalf("token secret %q", tok.Secret)
		}
		carolToken = tok.Secret
		carolAPI := newBearer(t, base, carolToken)
		if s := decode[e2eSession](t, carolAPI.expect(t, "GET", "/api/v1/auth/session", nil, 200).Data); s.Session.Via != "token" || s.User.Username != "carol" {
			t.Fatalf("carol via token: %+v", s)
		}
		// A Bearer caller is not subject to the browser's origin rules.
		carolAPI.expect(t, "POST", "/api/v1/notifications/read-all", nil, 204)
		carol.expect(t, "GET", "/api/v1/auth/session", nil, 200)

		janeToken = decode[struct{ Secret string }](t, jane.expect(t, "POST", "/api/v1/auth/tokens", map[string]any{"name": "e2e"}, 201).Data).Secret

		if code, out, errs := runCLI(t, "user", "disable", "--config", cfgPath, "carol"); code != 0 || !strings.Contains(out, "disabled") {
			t.Fatalf("user disable: %d %q %q", code, out, errs)
		}
		took := eventually(t, 7*time.Second, "carol signed out after `user disable`", func() (bool, string) {
			c := carol.call(t, "GET", "/api/v1/auth/session", nil)
			b := carolAPI.call(t, "GET", "/api/v1/auth/session", nil)
			return c.Status == 401 && b.Status == 401 && c.Error.Code == "UNAUTHORIZED" && b.Error.Code == "UNAUTHORIZED",
				fmt.Sprintf("cookie %d, token %d", c.Status, b.Status)
		})
		t.Logf("the disable took effect after %v", took)
		if r := carol.expect(t, "POST", "/api/v1/auth/login", map[string]any{"username": "carol", "password": e2eCarolPassword}, 403); r.Error.Code != "ACCOUNT_DISABLED" {
			t.Fatalf("disabled sign-in: %s", r.Body)
		}
		// Enabling the account again does not revive what was ended.
		if code, _, errs := runCLI(t, "user", "enable", "--config", cfgPath, "carol"); code != 0 {
			t.Fatalf("user enable: %d %q", code, errs)
		}
		if r := carol.call(t, "GET", "/api/v1/auth/session", nil); r.Status != 401 {
			t.Fatalf("a session ended by disable came back: %d %s", r.Status, r.Body)
		}
		if r := newBearer(t, base, carolToken).call(t, "GET", "/api/v1/auth/session", nil); r.Status != 401 {
			t.Fatalf("an API token revoked by disable came back: %d %s", r.Status, r.Body)
		}
		// Nobody else was signed out.
		jane.expect(t, "GET", "/api/v1/auth/session", nil, 200)
		owner.expect(t, "GET", "/api/v1/auth/session", nil, 200)
		newBearer(t, base, janeToken).expect(t, "GET", "/api/v1/auth/session", nil, 200)
	})

	// 8. No secret is kept in clear, in the database or in the logs.
	var secrets map[string]string
	dbPath := filepath.Join(dataDir, "medianest.db")
	readDB := func(t *testing.T) []byte {
		t.Helper()
		var all []byte
		for _, p := range []string{dbPath, dbPath + "-wal"} {
			b, err := os.ReadFile(p)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	checkNoSecrets := func(t *testing.T, where string, b []byte) {
		t.Helper()
		for name, s := range secrets {
			if s == "" {
				t.Errorf("%s is empty; the scenario did not produce it", name)
				continue
			}
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the %s in clear", where, name)
			}
		}
	}
	step("no secret in the database while serving", func(t *testing.T) {
		secrets = map[string]string{
			"PMS owner token":          e2ePMSOwnerToken,
			"owner's plex.tv token":    e2eOwnerTVToken,
			"jane's plex.tv token":     e2eJaneTVToken,
			"jane's server token":      e2eJaneSrvToken,
			"stranger's plex.tv token": e2eStrangerToken,
			"Overseerr API key":        e2eOverseerrKey,
			"webhook secret":           e2eHookSecret,
			"carol's password":         e2eCarolPassword,
			"owner's session cookie":   owner.cookie("medianest_session"),
			"jane's session cookie":    jane.cookie("medianest_session"),
			"carol's session cookie":   carolCookie,
			"carol's API token":        carolToken,
			"jane's API token":         janeToken,
		}
		live := readDB(t)
		// The files really are the database the server wrote to.
		for _, want := range []string{"jane.doe", "carol", "Sintel"} {
			if !bytes.Contains(live, []byte(want)) {
				t.Fatalf("the database files do not contain %q; wrong path %s?", want, dbPath)
			}
		}
		checkNoSecrets(t, "the database (while serving)", live)
	})

	step("clean shutdown, no secret in the logs or the database", func(t *testing.T) {
		events.close()
		stopped = true
		code, logs := stop()
		if code != 0 {
			t.Fatalf("server exit code %d; logs:\n%s", code, logs)
		}
		if !strings.Contains(logs, "listening") || !strings.Contains(logs, `"level":"DEBUG"`) {
			t.Fatalf("the captured logs look incomplete:\n%.2000s", logs)
		}
		checkNoSecrets(t, "the server's logs", []byte(logs))
		checkNoSecrets(t, "the database (after shutdown)", readDB(t))
	})
}

// e2eUser is the API's User.
// e2eConfig is the start of a config file for a server on addr with its
// data in dataDir and the Plex fakes: the sections every end-to-end test
// needs. Tests append their own.
func e2eConfig(addr, dataDir string, pms *plextest.PMS, tv *plextest.TV) string {
	return fmt.Sprintf(`[server]
listen = %q

[data]
dir = %q

[plex]
url = %q
token = %q
plex_tv_url = %q
auth_app_url = %q
`, addr, dataDir, pms.URL, pms.OwnerToken(), tv.URL, tv.URL+"/auth")
}

// e2eServicesConfig is the config of the Overseerr and Uptime Kuma fakes.
func e2eServicesConfig(ovr *overseerrtest.Server, kuma *kumatest.Server) string {
	return fmt.Sprintf(`
[overseerr]
url = %q
api_key = %q
reconcile_interval = "1h"

[uptime_kuma]
url = %q
status_page = %q
`, ovr.URL, ovr.APIKey(), kuma.URL, kumatest.DefaultSlug)
}

type e2eUser struct {
	ID          int64
	Username    string
	Email       string
	Role        string
	Status      string
	Provider    string
	LastLoginAt *time.Time `json:"lastLoginAt"`
}

// e2eSession is the answer of GET /auth/session.
type e2eSession struct {
	User    e2eUser
	Session struct {
		ID        int64
		ExpiresAt time.Time `json:"expiresAt"`
		Via       string
	}
}

// e2eRequest is the API's MediaRequest.
type e2eRequest struct {
	ID                 int64      `json:"id"`
	UserID             int64      `json:"userId"`
	Username           string     `json:"username"`
	MediaType          string     `json:"mediaType"`
	TmdbID             int64      `json:"tmdbId"`
	Title              string     `json:"title"`
	Status             string     `json:"status"`
	OverseerrRequestID *int64     `json:"overseerrRequestId"`
	CompletedAt        *time.Time `json:"completedAt"`
}

// e2eServiceStatus is the API's ServiceStatus.
type e2eServiceStatus struct {
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	Uptime24h   *float64   `json:"uptime24h"`
	LastCheckAt *time.Time `json:"lastCheckAt"`
	Message     string     `json:"message"`
}

type e2eResult struct {
	MediaType string `json:"mediaType"`
	TmdbID    int64  `json:"tmdbId"`
	Title     string `json:"title"`
	Year      *int   `json:"year"`
	Requested bool   `json:"requested"`
}

func findResult(t *testing.T, r e2eReply, mediaType string, tmdbID int64) *e2eResult {
	t.Helper()
	for _, res := range decode[[]e2eResult](t, r.Data) {
		if res.MediaType == mediaType && res.TmdbID == tmdbID {
			return &res
		}
	}
	return nil
}

// plexSignIn walks the browser's side of a Plex sign-in for the plex.tv
// account token: create a PIN, poll it (pending), have plex.tv approve it,
// poll again. It returns the last answer of /auth/plex/verify.
func plexSignIn(t *testing.T, b *e2eBrowser, tv *plextest.TV, token string) e2eReply {
	t.Helper()
	r := b.expect(t, "POST", "/api/v1/auth/plex/pin", map[string]any{}, 201)
	pin := decode[struct {
		ID             int64
		Code           string
		AuthURL        string `json:"authUrl"`
		ExpiresAt      time.Time
		PollIntervalMs int `json:"pollIntervalMs"`
	}](t, r.Data)
	fake, ok := tv.PIN(pin.ID)
	if !ok || fake.Code != pin.Code || !fake.Strong || fake.ClientID == "" {
		t.Fatalf("PIN %d as plex.tv holds it: %+v %v", pin.ID, fake, ok)
	}
	if !strings.Contains(pin.AuthURL, "clientID="+fake.ClientID) || !strings.Contains(pin.AuthURL, "code="+pin.Code) ||
		!strings.HasPrefix(pin.AuthURL, tv.URL+"/auth#") || !pin.ExpiresAt.After(time.Now()) || pin.PollIntervalMs <= 0 {
		t.Fatalf("PIN answer: %s", r.Body)
	}
	verify := map[string]any{"pinId": pin.ID, "rememberMe": false}
	r = b.expect(t, "POST", "/api/v1/auth/plex/verify", verify, 202)
	if st := decode[struct{ Status string }](t, r.Data).Status; st != "pending" {
		t.Fatalf("unapproved PIN: %s", r.Body)
	}
	if b.cookie("medianest_session") != "" {
		t.Fatal("a session cookie before approval")
	}
	tv.Approve(pin.ID, token)
	return b.call(t, "POST", "/api/v1/auth/plex/verify", verify)
}

// e2eBrowser is one HTTP client of the server: a browser with its cookie
// jar (sending Origin and Sec-Fetch-Site on unsafe requests, as browsers
// do), or a script with a Bearer token.
type e2eBrowser struct {
	base   string
	hc     *http.Client
	bearer string
}

func newBrowser(t *testing.T, base string) *e2eBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &e2eBrowser{base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func newBearer(t *testing.T, base, token string) *e2eBrowser {
	return &e2eBrowser{base: base, hc: &http.Client{Timeout: 10 * time.Second}, bearer: token}
}

// e2eReply is an answer: status, headers, raw body and, when the body is
// the API's envelope, its parts.
type e2eReply struct {
	Status int
	Header http.Header
	Body   []byte

	Success bool            `json:"success"`
	Data    json.RawMessage `json:"data"`
	Meta    map[string]any  `json:"meta"`
	Error   struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"requestId"`
	} `json:"error"`
}

func (b *e2eBrowser) request(t *testing.T, ctx context.Context, method, path string, body any, hdr ...string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if b.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+b.bearer)
	} else if method != "GET" && method != "HEAD" {
		// The origin of the base (which may have a path, behind a proxy).
		u, err := url.Parse(b.base)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", u.Scheme+"://"+u.Host)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

// raw sends a request and returns the answer without reading an envelope.
func (b *e2eBrowser) raw(t *testing.T, method, path string) e2eReply {
	t.Helper()
	resp, err := b.hc.Do(b.request(t, context.Background(), method, path, nil))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return e2eReply{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// call sends a request (with extra header name-value pairs) and reads the
// envelope of its answer.
func (b *e2eBrowser) call(t *testing.T, method, path string, body any, hdr ...string) e2eReply {
	t.Helper()
	resp, err := b.hc.Do(b.request(t, context.Background(), method, path, body, hdr...))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	r := e2eReply{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	if len(raw) == 0 {
		return r
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %v\n%s", method, path, resp.StatusCode, err, raw)
	}
	ok := resp.StatusCode < 300
	if r.Success != ok {
		t.Fatalf("%s %s: status %d with success %v: %s", method, path, resp.StatusCode, r.Success, raw)
	}
	if !ok && (r.Error.Code == "" || r.Error.Message == "" || r.Error.RequestID == "") {
		t.Fatalf("%s %s: error envelope incomplete: %s", method, path, raw)
	}
	return r
}

// expect is call that fails the test unless the answer has status.
func (b *e2eBrowser) expect(t *testing.T, method, path string, body any, status int) e2eReply {
	t.Helper()
	r := b.call(t, method, path, body)
	if r.Status != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, status, r.Body)
	}
	return r
}

// cookie returns the value of the named cookie in the browser's jar.
func (b *e2eBrowser) cookie(name string) string {
	if b.hc.Jar == nil {
		return ""
	}
	u, _ := url.Parse(b.base + "/")
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

type e2eEvent struct {
	Name string
	Data json.RawMessage
}

// e2eEvents is an open GET /events stream, read by a goroutine.
type e2eEvents struct {
	ch     chan e2eEvent
	cancel context.CancelFunc
	done   chan struct{}
}

// openEvents opens the event stream and returns once the server has
// subscribed it (its first comment arrived). The caller closes it: it
// outlives the step that opens it.
func (b *e2eBrowser) openEvents(t *testing.T) *e2eEvents {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req := b.request(t, ctx, "GET", "/api/v1/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	// No client timeout: the stream lives as long as the test wants it. But
	// its headers must come at once (a buffering proxy holds them back too).
	late := time.AfterFunc(5*time.Second, cancel)
	resp, err := (&http.Client{Jar: b.hc.Jar, Transport: b.hc.Transport}).Do(req)
	if !late.Stop() {
		cancel()
		t.Fatalf("GET /events: no answer within 5s (%v)", err)
	}
	if err != nil {
		cancel()
		t.Fatalf("GET /events: %v", err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("GET /events: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	s := &e2eEvents{ch: make(chan e2eEvent, 1024), cancel: cancel, done: make(chan struct{})}
	connected := make(chan struct{})
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var name string
		var data []byte
		seen := false
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if name != "" {
					select {
					case s.ch <- e2eEvent{Name: name, Data: data}:
					case <-ctx.Done():
						return
					}
				}
				name, data = "", nil
			case strings.HasPrefix(line, ":"):
				if !seen {
					seen = true
					close(connected)
				}
			case strings.HasPrefix(line, "event:"):
				name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data = append(data, strings.TrimSpace(strings.TrimPrefix(line, "data:"))...)
			}
		}
	}()
	select {
	case <-connected:
	case <-s.done:
		t.Fatal("the event stream ended before it was open")
	case <-time.After(5 * time.Second):
		s.close()
		t.Fatal("the event stream sent nothing within 5s")
	}
	return s
}

// waitFor reads events until one named name whose data match arrives,
// skipping others, and fails the test after timeout.
func (s *e2eEvents) waitFor(t *testing.T, name string, timeout time.Duration, match func(json.RawMessage) bool) e2eEvent {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case ev := <-s.ch:
			if ev.Name == name && json.Valid(ev.Data) && match(ev.Data) {
				return ev
			}
		case <-s.done:
			t.Fatalf("the event stream ended while waiting for %s", name)
		case <-deadline.C:
			t.Fatalf("no matching %s event within %v", name, timeout)
		}
	}
}

func (s *e2eEvents) close() {
	s.cancel()
	<-s.done
}

// eventually polls cond until it holds and returns how long that took; it
// fails the test with cond's last description after within.
func eventually(t *testing.T, within time.Duration, what string, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, last := cond()
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v; last: %s", what, within, last)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, raw)
	}
	return v
}

func metaInt(r e2eReply, key string) int {
	f, _ := r.Meta[key].(float64)
	return int(f)
}
