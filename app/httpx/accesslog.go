package httpx

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// AccessOutput lets the access log write its lines itself, in the form the
// server's slog handler gives every other line. Through slog a line costs
// a caller lookup, a copy of its attributes and the handler's pooled
// state: about a tenth of the CPU of a cached GET /auth/session. A line
// whose strings would need escaping or quoting still goes through the
// logger, so the two forms never differ (accesslog_test.go holds them to
// the same bytes).
type AccessOutput struct {
	// Format is "json" or "text", the handler the logger was built with.
	Format string
	// W is what that handler writes to.
	W io.Writer
}

// access is one access-log entry.
type access struct {
	at       time.Time
	level    slog.Level
	id       string
	method   string
	path     string
	route    string
	status   int
	bytes    int64
	duration time.Duration
	ip       netip.Addr
}

// log writes the entry; the caller has asked l whether its level is
// enabled.
func (a *access) log(ctx context.Context, l *slog.Logger, out AccessOutput) {
	if out.W != nil && (out.Format == "json" || out.Format == "text") && a.plain(out.Format == "text") {
		bp := lineBufs.Get().(*[]byte)
		b := a.appendLine((*bp)[:0], out.Format == "json")
		out.W.Write(b)
		*bp = b
		lineBufs.Put(bp)
		return
	}
	// A record of our own: the logger would look up its caller, which no
	// handler of ours writes.
	r := slog.NewRecord(a.at, a.level, "request", 0)
	r.AddAttrs(
		slog.String("request_id", a.id),
		slog.String("method", a.method),
		slog.String("path", a.path),
		slog.String("route", a.route),
		slog.Int("status", a.status),
		slog.Int64("bytes", a.bytes),
		slog.Duration("duration", a.duration),
		slog.String("ip", a.ip.String()),
	)
	l.Handler().Handle(ctx, r)
}

var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// plain reports whether every string of the entry is written as it is:
// printable ASCII without quote or backslash, and for text neither empty
// nor holding a space or '='; and an address to write.
func (a *access) plain(text bool) bool {
	if !a.ip.IsValid() {
		return false // slog writes "invalid IP"
	}
	for _, s := range [...]string{a.id, a.method, a.path, a.route} {
		if text && s == "" {
			return false
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || text && (c == ' ' || c == '=') {
				return false
			}
		}
	}
	return true
}

// appendLine appends the line slog's JSON or text handler would write for
// the entry, with no ReplaceAttr and no source.
func (a *access) appendLine(b []byte, json bool) []byte {
	now := a.at.Round(0)
	if json {
		b = append(b, `{"time":"`...)
		b = now.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"`...)
		b = append(b, a.level.String()...)
		b = append(b, `","msg":"request","request_id":"`...)
		b = append(b, a.id...)
		b = append(b, `","method":"`...)
		b = append(b, a.method...)
		b = append(b, `","path":"`...)
		b = append(b, a.path...)
		b = append(b, `","route":"`...)
		b = append(b, a.route...)
		b = append(b, `","status":`...)
		b = strconv.AppendInt(b, int64(a.status), 10)
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, a.bytes, 10)
		b = append(b, `,"duration":`...)
		b = strconv.AppendInt(b, int64(a.duration), 10)
		b = append(b, `,"ip":"`...)
		b = a.ip.AppendTo(b)
		return append(b, "\"}\n"...)
	}
	b = append(b, "time="...)
	// slog's text time: RFC 3339 to the millisecond, always three digits.
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	b = now.Truncate(time.Millisecond).Add(time.Millisecond/10).AppendFormat(b, time.RFC3339Nano)
	b = append(b[:n+prefixLen], b[n+prefixLen+1:]...)
	b = append(b, " level="...)
	b = append(b, a.level.String()...)
	b = append(b, " msg=request request_id="...)
	b = append(b, a.id...)
	b = append(b, " method="...)
	b = append(b, a.method...)
	b = append(b, " path="...)
	b = append(b, a.path...)
	b = append(b, " route="...)
	b = append(b, a.route...)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(a.status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, a.bytes, 10)
	b = append(b, " duration="...)
	b = append(b, a.duration.String()...)
	b = append(b, " ip="...)
	b = a.ip.AppendTo(b)
	return append(b, '\n')
}
