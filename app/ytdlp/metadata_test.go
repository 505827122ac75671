package ytdlp_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"medianest/app/ytdlp"
	"medianest/app/ytdlp/ytdlptest"
)

func TestMetadata(t *testing.T) {
	tests := []struct {
		scenario string
		want     ytdlp.Info
	}{
		{"ok", ytdlp.Info{Kind: "video", ID: "clip", Title: "clip", Channel: "Family Videos", DurationSeconds: 2,
			ThumbnailURL: "https://i.ytimg.com/vi/clip/maxresdefault.jpg"}},
		// Flat entries without playlist_index take their position; a
		// missing duration is 0; the channel falls back to the uploader.
		{"playlist", ytdlp.Info{Kind: "playlist", ID: "page", Title: "Holiday Clips", Channel: "Family Videos", DurationSeconds: 62,
			Entries: []ytdlp.Entry{
				{Index: 1, ID: "page-1", Title: "Holiday Clips (1)", URL: "https://www.youtube.com/watch?v=page-1", DurationSeconds: 62},
				{Index: 2, ID: "page-2", Title: "Holiday Clips (2)", URL: "https://www.youtube.com/watch?v=page-2"},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			r := fakeRunner(t, tt.scenario)
			got, err := r.Metadata(context.Background(), "https://www.youtube.com/watch?v=clip")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Metadata =\n%+v\nwant\n%+v", got, tt.want)
			}
			calls := ytdlptest.Calls(t)
			want := []string{"--ignore-config", "--no-colors", "-J", "--flat-playlist", "--", "https://www.youtube.com/watch?v=clip"}
			if len(calls) != 1 || !reflect.DeepEqual(calls[0], want) {
				t.Errorf("ran %q, want %q", calls, want)
			}
		})
	}
}

func TestMetadataErrors(t *testing.T) {
	tests := []struct {
		path func(t *testing.T) string
		kind ytdlp.Kind
		msg  string
	}{
		{func(t *testing.T) string { return ytdlptest.Path(t, "private") }, ytdlp.Permanent, "The video is private."},
		{func(t *testing.T) string { return ytdlptest.Path(t, "http500") }, ytdlp.Transient, "The video site had a server error; it will be tried again later."},
		{func(t *testing.T) string { return ytdlptest.Path(t, "nofile") }, ytdlp.Permanent, "yt-dlp described the video in a form MediaNest does not understand."},
	}
	for _, tt := range tests {
		r := ytdlp.New(ytdlp.Config{Path: tt.path(t), FFmpegPath: noFFmpeg})
		_, err := r.Metadata(context.Background(), "https://example.com/v")
		if e := asError(t, err); e.Kind != tt.kind || e.Msg != tt.msg {
			t.Errorf("got %v %q, want %v %q", e.Kind, e.Msg, tt.kind, tt.msg)
		}
	}
}

func TestMetadataTimeout(t *testing.T) {
	r := fakeRunner(t, "slow")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := r.Metadata(ctx, "https://example.com/v")
	if e := asError(t, err); e.Kind != ytdlp.Cancelled || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	for _, pid := range ytdlptest.Pids(t) {
		if running(pid) {
			t.Errorf("process %d still running", pid)
		}
	}
}
