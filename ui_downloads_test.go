package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/ytdlp/ytdlptest"
)

// The downloads pages with the real yt-dlp and ffmpeg fetching files from a
// local media server: /clip.mp4 (title "clip"), /playlist.html ("Holiday
// Clips", two videos) and /slow/{name}, which trickles the clip over ~12 s.

// uiDownloads starts newUIServer with downloads from the media server
// allowed, and the media server.
func uiDownloads(t *testing.T, opts ...func(*uiConfig)) (*uiServer, *ytdlptest.MediaServer) {
	t.Helper()
	needChromium(t)
	needDownloadTools(t)
	media := ytdlptest.NewMediaServer(t)
	dir := t.TempDir()
	// yt-dlp must reach 127.0.0.1 directly, whatever proxy the machine has.
	for _, v := range []string{"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"} {
		t.Setenv(v, "")
	}
	opts = append([]func(*uiConfig){withTOML(fmt.Sprintf(`[youtube]
allowed_hosts = ["127.0.0.1"]
download_dir = %q
quota_per_hour = 20
concurrency = 2
`, filepath.Join(dir, "downloads")))}, opts...)
	return newUIServer(t, opts...), media
}

// progressOf reads the value of the progress bar named "Progress of
// <title>" (-1 when there is none).
func progressOf(p *uiPage, title string) float64 {
	p.t.Helper()
	var v float64
	p.eval(fmt.Sprintf(`(() => { const e = [...document.querySelectorAll("progress")].find(e => e.getAttribute("aria-label") === %q); return e ? e.value : -1; })()`,
		"Progress of "+title), &v)
	return v
}

// waitRowStatus waits until the queue row of the download called title
// shows the status word (the badge beside its title).
func waitRowStatus(p *uiPage, title, word string) {
	p.t.Helper()
	waitRowSays(p, title, title+"\n"+word+"\n")
}

// waitRowSays waits until the queue row of the download called title (the
// list item holding its progress bar) says want.
func waitRowSays(p *uiPage, title, want string) {
	p.t.Helper()
	js := fmt.Sprintf(`(() => { const e = [...document.querySelectorAll("progress")].find(e => e.getAttribute("aria-label") === %q); return e ? e.closest("li").innerText : ""; })()`,
		"Progress of "+title)
	p.poll(fmt.Sprintf("waiting for the row of %q to say %q", title, want), func(ctx context.Context) (bool, string) {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			return false, err.Error()
		}
		return strings.Contains(s, want), fmt.Sprintf("the row says %q", s)
	})
}

// queue puts url in the form, waits for its preview (a heading with the
// title yt-dlp found) and presses Download.
func queue(p *uiPage, url, title string) {
	p.t.Helper()
	p.fill("Video or playlist URL", url)
	p.waitRole("heading", title)
	p.click("button", "Download")
	p.waitRole("progressbar", "Progress of "+title)
}

func TestUIDownloadsProgress(t *testing.T) {
	s, media := uiDownloads(t)
	p := s.open(t, 1280, 800, false)
	p.signIn("jane", uiJanePassword)
	p.goTo("/downloads")
	p.waitText("0 of 20 this hour")
	queue(p, media.URL+"/slow/Trickle.mp4", "Trickle")

	// The bar moves while yt-dlp receives the file: at least two values
	// strictly between 0 and 100, read as the events arrive.
	seen := map[float64]bool{}
	p.poll("waiting for the progress bar to move", func(ctx context.Context) (bool, string) {
		v := progressOf(p, "Trickle")
		if v > 0 && v < 100 {
			seen[v] = true
		}
		return len(seen) >= 2, fmt.Sprintf("values seen %v, now %v", seen, v)
	})
	waitRowStatus(p, "Trickle", "Completed")
	if v := progressOf(p, "Trickle"); v != 100 {
		t.Errorf("a completed download's bar is at %v, want 100", v)
	}
	p.waitText("1 of 20 this hour")

	// With the quota used up the refusal says when to try again.
	setJane(t, s, map[string]any{"downloadQuota": 1})
	p.allowStatus("/api/v1/youtube/downloads", 429)
	p.fill("Video or playlist URL", media.URL+"/clip.mp4")
	p.waitRole("heading", "clip")
	p.click("button", "Download")
	p.waitText("your limit. Try again in ")
}

// setJane changes jane's account as an admin (PATCH /admin/users/{id}).
func setJane(t *testing.T, s *uiServer, patch map[string]any) {
	t.Helper()
	who := decode[struct {
		User struct{ ID int64 } `json:"user"`
	}](t, s.Jane.expect(t, "GET", "/api/v1/auth/session", nil, 200).Data)
	s.Admin.expect(t, "PATCH", "/api/v1/admin/users/"+strconv.FormatInt(who.User.ID, 10), patch, 200)
}

func TestUIDownloadsCancelDeletePlaylist(t *testing.T) {
	s, media := uiDownloads(t)
	p := s.open(t, 390, 844, false)
	p.signIn("jane", uiJanePassword)
	p.goTo("/downloads")

	// Refusals are told next to the field, in the API's words.
	p.allowStatus("/api/v1/youtube/metadata", 400)
	p.allowStatus("/api/v1/youtube/downloads", 409)
	p.fill("Video or playlist URL", "https://example.com/watch?v=1")
	p.waitText("Downloads from example.com are not allowed.")

	queue(p, media.URL+"/slow/Second.mp4", "Second")
	p.fill("Video or playlist URL", media.URL+"/slow/Second.mp4")
	p.waitRole("heading", "Second")
	p.click("button", "Download")
	p.waitText("You are already downloading this URL.")
	p.fill("Video or playlist URL", "")
	p.click("button", "Cancel download of Second")
	p.waitRole("dialog", "Cancel “Second”?")
	p.click("button", "Cancel download")
	waitRowStatus(p, "Second", "Cancelled")
	p.waitRole("button", "Retry Second")

	p.click("button", "Delete Second")
	p.waitRole("dialog", "Delete “Second”?")
	p.click("checkbox", "Also delete the files")
	p.click("button", "Delete")
	p.waitGone("progressbar", "Progress of Second")
	r := s.Jane.expect(t, "GET", "/api/v1/youtube/downloads", nil, 200)
	if list := decode[[]e2eDownload](t, r.Data); len(list) != 0 {
		t.Errorf("after the delete jane has %d downloads: %+v", len(list), list)
	}

	// A playlist: the preview counts its videos, and the row opens onto
	// them, each with its own status and bar.
	p.fill("Video or playlist URL", media.URL+"/playlist.html")
	p.waitRole("heading", ytdlptest.PlaylistTitle)
	p.waitText("Playlist of 2 videos")
	p.click("button", "Download")
	p.click("button", "Show the videos of "+ytdlptest.PlaylistTitle)
	p.waitRole("button", "Hide the videos of "+ytdlptest.PlaylistTitle)
	p.poll("waiting for the playlist's two videos", func(ctx context.Context) (bool, string) {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("ol.dl-items > li progress").length`))
		return err == nil && n == 2, fmt.Sprintf("%d videos shown (%v)", n, err)
	})
	p.poll("waiting for both videos to complete", func(ctx context.Context) (bool, string) {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("ol.dl-items").innerText`))
		return err == nil && strings.Count(s, "Completed") == 2, fmt.Sprintf("the videos say %q (%v)", s, err)
	})
	waitRowStatus(p, ytdlptest.PlaylistTitle, "Completed")
}

func TestUIDownloadsApproval(t *testing.T) {
	s, media := uiDownloads(t)
	setJane(t, s, map[string]any{"requireApproval": true})

	jane := s.open(t, 1280, 800, false)
	jane.signIn("jane", uiJanePassword)
	jane.goTo("/downloads")
	queue(jane, media.URL+"/clip.mp4", "clip")
	waitRowStatus(jane, "clip", "Awaiting approval")

	admin := s.open(t, 1280, 800, true)
	admin.signIn("admin", uiAdminPassword)
	admin.goTo("/admin/downloads")
	admin.waitRole("navigation", "Admin")
	waitRowSays(admin, "clip", "by jane")
	admin.click("button", "Approve clip")
	admin.waitGone("button", "Approve clip")
	waitRowStatus(admin, "clip", "Completed")

	// Jane's page hears of it without a reload.
	waitRowStatus(jane, "clip", "Completed")
}

// TestUIDownloadsPages checks the three pages, with something on each, on a
// phone and a desktop, light and dark, in one browser.
func TestUIDownloadsPages(t *testing.T) {
	s, media := uiDownloads(t)
	owners := []*e2eBrowser{s.Jane, s.Admin}
	var ids []int64
	for _, b := range owners {
		ids = append(ids, decode[e2eDownload](t, b.expect(t, "POST", "/api/v1/youtube/downloads", map[string]any{"url": media.URL + "/clip.mp4"}, 201).Data).ID)
	}
	s.Jane.expect(t, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}, 201)
	request := requestTitle(t, s)
	p := s.open(t, 1280, 800, false)
	p.signIn("admin", uiAdminPassword)
	for i, b := range owners {
		waitStatus(t, b, ids[i], "completed", uiWait)
	}
	for _, v := range uiViewports {
		p.emulate(v.w, v.h, v.dark)
		p.goTo("/downloads")
		waitRowStatus(p, "clip", "Completed")
		p.waitText("1 of 20 this hour")
		p.check("downloads")
		p.goTo("/admin/downloads")
		p.waitText("by jane")
		p.check("admin-downloads")
		p.goTo("/admin/requests")
		p.waitRole("button", "Approve "+request)
		p.check("admin-requests")
	}

	// Approving a request answers it as Overseerr took it, in place.
	p.click("button", "Approve "+request)
	p.waitGone("button", "Approve "+request)
	list := decode[[]struct{ Status string }](t, s.Admin.expect(t, "GET", "/api/v1/admin/requests", nil, 200).Data)
	word := map[string]string{"approved": "Approved", "processing": "Processing", "available": "Available"}[list[0].Status]
	if word == "" {
		t.Fatalf("the approved request is %q", list[0].Status)
	}
	p.waitRole("cell", word)

	// Overseerr says it is available: the badge changes without a reload.
	req := decode[[]e2eRequest](t, s.Jane.expect(t, "GET", "/api/v1/media/requests", nil, 200).Data)[0]
	body := overseerrtest.WebhookBody(overseerrtest.WebhookParams{
		NotificationType: overseerr.NotifyMediaAvailable, Subject: request, MediaType: "movie", TmdbID: 45745,
		RequestID: *req.OverseerrRequestID, RequestedByEmail: "jane@example.com", RequestedByUsername: "jane.doe",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if code, err := overseerrtest.PostWebhook(ctx, s.Base+"/api/v1/webhooks/overseerr", s.HookSecret, body); err != nil || code != 204 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	p.waitRole("cell", "Available")
}

// requestTitle is the name the admin's list gives jane's one request.
func requestTitle(t *testing.T, s *uiServer) string {
	t.Helper()
	list := decode[[]struct {
		Title string `json:"title"`
		Year  int    `json:"year"`
	}](t, s.Admin.expect(t, "GET", "/api/v1/admin/requests", nil, 200).Data)
	if len(list) != 1 {
		t.Fatalf("%d requests, want 1", len(list))
	}
	if list[0].Year > 0 {
		return fmt.Sprintf("%s (%d)", list[0].Title, list[0].Year)
	}
	return list[0].Title
}
