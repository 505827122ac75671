package overseerrtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
)

// do sends a raw request to the fake and returns status and body.
func do(t *testing.T, s *overseerrtest.Server, method, path, key, user, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	if user != "" {
		req.Header.Set("X-API-User", user)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

const key = overseerrtest.DefaultAPIKey

func TestWireQuirks(t *testing.T) {
	s := overseerrtest.New(t)
	noAccess := `{"error":"You do not have permission to access this endpoint","status":403}`
	tests := []struct {
		name                    string
		method, path, key, user string
		body                    string
		status                  int
		contains                string
	}{
		{"status is public", "GET", "/api/v1/status", "", "", "", 200, `"version":"1.33.2"`},
		{"no key", "GET", "/api/v1/request", "", "", "", 403, noAccess},
		{"wrong key", "GET", "/api/v1/request", "nope", "", "", 403, noAccess},
		{"unknown acting user", "GET", "/api/v1/auth/me", key, "99", "", 403, noAccess},
		{"search needs query", "GET", "/api/v1/search", key, "", "", 400, `"errorCode":"required.openapi.validation"`},
		{"request needs mediaType", "POST", "/api/v1/request", key, "", `{"mediaId":1}`, 400, `must have required property 'mediaType'`},
		{"request needs mediaId", "POST", "/api/v1/request", key, "", `{"mediaType":"movie"}`, 400, `must have required property 'mediaId'`},
		{"unknown movie is a 500", "GET", "/api/v1/movie/1", key, "", "", 500, `{"message":"Unable to retrieve movie."}`},
		{"unknown show is a 500", "GET", "/api/v1/tv/1", key, "", "", 500, `{"message":"Unable to retrieve series."}`},
		{"missing request", "GET", "/api/v1/request/77", key, "", "", 404, `{"message":"Request not found."}`},
		{"first movie request", "POST", "/api/v1/request", key, "2", `{"mediaType":"movie","mediaId":45745}`, 201, `"status":1`},
		{"duplicate movie request", "POST", "/api/v1/request", key, "", `{"mediaType":"movie","mediaId":45745}`, 409, `{"message":"Request for this media already exists."}`},
		{"approve needs manage requests", "POST", "/api/v1/request/1/approve", key, "2", "", 403, noAccess},
		{"tv request", "POST", "/api/v1/request", key, "2", `{"mediaType":"tv","mediaId":1399,"seasons":[1]}`, 201, `"seasonNumber":1`},
		{"no seasons left", "POST", "/api/v1/request", key, "", `{"mediaType":"tv","mediaId":1399,"seasons":[1]}`, 202, `{"message":"No seasons available to request"}`},
		{"approve", "POST", "/api/v1/request/1/approve", key, "", "", 200, `"status":2`},
		{"other's approved request", "DELETE", "/api/v1/request/1", key, "3", "", 401, "permission to delete this request"},
		{"delete", "DELETE", "/api/v1/request/1", key, "", "", 204, ""},
		{"delete again", "DELETE", "/api/v1/request/1", key, "", "", 404, `{"message":"Request not found."}`},
	}
	for _, tt := range tests {
		status, body := do(t, s, tt.method, tt.path, tt.key, tt.user, tt.body)
		if status != tt.status || (tt.contains == "" && body != "") || !strings.Contains(body, tt.contains) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.name, status, body, tt.status, tt.contains)
		}
	}
}

func TestVisibility(t *testing.T) {
	s := overseerrtest.New(t)
	s.AddRequest(overseerrtest.RequestSpec{UserID: overseerrtest.AdminID, MediaType: "movie", TmdbID: 45745})
	s.AddRequest(overseerrtest.RequestSpec{UserID: overseerrtest.JaneID, MediaType: "movie", TmdbID: 133701})

	var page struct {
		PageInfo map[string]int   `json:"pageInfo"`
		Results  []map[string]any `json:"results"`
	}
	_, body := do(t, s, "GET", "/api/v1/request", key, "2", "")
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Results) != 1 || page.PageInfo["results"] != 1 {
		t.Fatalf("jane sees %s", body)
	}
	status, _ := do(t, s, "GET", "/api/v1/request/1", key, "2", "")
	if status != http.StatusForbidden {
		t.Fatalf("jane reads the admin's request: %d", status)
	}

	_, body = do(t, s, "GET", "/api/v1/user", key, "2", "")
	if strings.Contains(body, "email") || strings.Contains(body, "plexId") {
		t.Fatalf("users for a non-manager leak email/plexId: %s", body)
	}
	_, body = do(t, s, "GET", "/api/v1/user?take=2&skip=2", key, "", "")
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if page.PageInfo["pages"] != 2 || page.PageInfo["page"] != 2 || page.PageInfo["pageSize"] != 2 || len(page.Results) != 1 ||
		page.Results[0]["email"] != "auto@example.com" {
		t.Fatalf("users page = %s", body)
	}
}

func TestWebhookBodyIsAllStrings(t *testing.T) {
	b := overseerrtest.WebhookBody(overseerrtest.WebhookParams{
		NotificationType: overseerr.NotifyMediaApproved, Subject: "Big Buck Bunny (2008)",
		MediaType: "movie", TmdbID: 10378, RequestID: 42, RequestedByEmail: "jane@example.com",
	})
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	media := m["media"].(map[string]any)
	request := m["request"].(map[string]any)
	if media["tmdbId"] != "10378" || media["tvdbId"] != "" || media["status"] != "PROCESSING" ||
		request["request_id"] != "42" || m["event"] != "Movie Request Approved" {
		t.Fatalf("body = %s", b)
	}
	if m["issue"] != nil || m["comment"] != nil || len(m["extra"].([]any)) != 0 {
		t.Fatalf("body = %s", b)
	}
	for k, v := range media {
		if _, ok := v.(string); !ok {
			t.Errorf("media.%s is %T", k, v)
		}
	}
	if !strings.HasPrefix(string(b), "{\n  \"notification_type\"") {
		t.Fatalf("template order: %s", b)
	}

	var test map[string]any
	if err := json.Unmarshal(overseerrtest.WebhookTestBody(), &test); err != nil {
		t.Fatal(err)
	}
	if test["media"] != nil || test["request"] != nil || test["subject"] != "Test Notification" {
		t.Fatalf("test body = %v", test)
	}
}
