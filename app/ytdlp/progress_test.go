package ytdlp_test

import (
	"testing"

	"medianest/app/ytdlp"
)

func TestParseProgress(t *testing.T) {
	tests := []struct {
		line string
		want ytdlp.Progress
		ok   bool
	}{
		// Lines the Debian 2023.03.04 build printed (reference §5.2, §5.3).
		{"PROG downloading 1024 45677 NA NA NA", ytdlp.Progress{Status: "downloading", Downloaded: 1024, Total: 45677, ETASeconds: -1}, true},
		{"PROG downloading 1024 45677 NA 2 20413.536706622686", ytdlp.Progress{Status: "downloading", Downloaded: 1024, Total: 45677, SpeedBps: 20413, ETASeconds: 2}, true},
		{"PROG downloading 45677 45677 NA 0 20460.948186121223", ytdlp.Progress{Status: "downloading", Downloaded: 45677, Total: 45677, SpeedBps: 20460, ETASeconds: 0}, true},
		{"PROG finished 45677 45677 NA NA 6400187.87", ytdlp.Progress{Status: "finished", Downloaded: 45677, Total: 45677, SpeedBps: 6400187, ETASeconds: -1}, true},
		{"PROG finished 45677 45677 NA NA 20392.34472977777\r\n", ytdlp.Progress{Status: "finished", Downloaded: 45677, Total: 45677, SpeedBps: 20392, ETASeconds: -1}, true},
		// No Content-Length: the estimate stands in; nothing known at all.
		{"PROG downloading 2048 NA 99000.5 12 1000", ytdlp.Progress{Status: "downloading", Downloaded: 2048, Total: 99000, SpeedBps: 1000, ETASeconds: 12}, true},
		{"PROG downloading NA NA NA NA NA", ytdlp.Progress{Status: "downloading", ETASeconds: -1}, true},
		// Nonsense numbers are unknown, not an overflow.
		{"PROG downloading 99999999999999999999999 45677 NA 1e300 1e400", ytdlp.Progress{Status: "downloading", Total: 45677, ETASeconds: -1}, true},
		{"PROG downloading -5 -45677 -1 -3 -20.5", ytdlp.Progress{Status: "downloading", ETASeconds: -1}, true},
		{"PROG downloading 10 NaN NA Inf NA", ytdlp.Progress{Status: "downloading", Downloaded: 10, ETASeconds: -1}, true},
		// Not a progress line.
		{"", ytdlp.Progress{}, false},
		{"PROG", ytdlp.Progress{}, false},
		{"PROG downloading 1024 45677 NA NA", ytdlp.Progress{}, false},
		{"PROG downloading 1024 45677 NA NA NA extra", ytdlp.Progress{}, false},
		{"PROG error 1024 45677 NA NA NA", ytdlp.Progress{}, false},
		{"PROG downloading ten 45677 NA NA NA", ytdlp.Progress{}, false},
		{"[download]  33.6% of   44.61KiB at    8.63MiB/s ETA 00:00", ytdlp.Progress{}, false},
		{"DONE /media/video [video].mp4", ytdlp.Progress{}, false},
		{" PROG downloading 1 2 NA NA NA", ytdlp.Progress{}, false},
	}
	for _, tt := range tests {
		got, ok := ytdlp.ParseProgress(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseProgress(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestProgressPercent(t *testing.T) {
	tests := []struct {
		p    ytdlp.Progress
		want float64
	}{
		{ytdlp.Progress{Downloaded: 1024, Total: 4096}, 25},
		{ytdlp.Progress{Downloaded: 1024}, 0},
		{ytdlp.Progress{Downloaded: 9000, Total: 4096}, 100},
	}
	for _, tt := range tests {
		if got := tt.p.Percent(); got != tt.want {
			t.Errorf("%+v.Percent() = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func FuzzParseProgress(f *testing.F) {
	for _, s := range []string{
		"PROG downloading 1024 45677 NA 2 20413.536706622686",
		"PROG finished 45677 45677 NA NA 6400187.87",
		"PROG downloading NA NA 1e308 NA -1",
		"PROG downloading 99999999999999999999 1 NA NA NA",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p, ok := ytdlp.ParseProgress(line)
		if !ok {
			if p != (ytdlp.Progress{}) {
				t.Fatalf("rejected line gave %+v", p)
			}
			return
		}
		if pc := p.Percent(); pc < 0 || pc > 100 {
			t.Fatalf("percent %v of %q", pc, line)
		}
		if p.Downloaded < 0 || p.Total < 0 || p.SpeedBps < 0 || p.ETASeconds < -1 {
			t.Fatalf("negative field in %+v of %q", p, line)
		}
	})
}

func BenchmarkParseProgress(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ytdlp.ParseProgress("PROG downloading 15360 45677 NA 1 19563.323685967775"); !ok {
			b.Fatal("not parsed")
		}
	}
}
