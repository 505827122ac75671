// Package httpx is MediaNest's HTTP plumbing: the server with its timeouts and
// graceful shutdown, the middleware chain, JSON decoding and the response
// envelope, and the one place where an error becomes an HTTP status. It knows
// no domain.
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"

	"medianest/app/apperr"
)

// Meta is the envelope's meta object: paging facts and any extras.
type Meta map[string]any

type envelope struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
	Meta    Meta `json:"meta,omitempty"`
}

type errorEnvelope struct {
	Success bool      `json:"success"`
	Error   *errorOut `json:"error"`
}

type errorOut struct {
	Code      string              `json:"code"`
	Message   string              `json:"message"`
	RequestID string              `json:"requestId"`
	Details   []apperr.FieldError `json:"details,omitempty"`
}

// JSON writes data in the success envelope.
func JSON(w http.ResponseWriter, status int, data any) {
	write(w, status, envelope{Success: true, Data: data})
}

// OK writes data in the success envelope with status 200.
func OK(w http.ResponseWriter, data any) { JSON(w, http.StatusOK, data) }

// OKAppend writes, in the success envelope with status 200, the JSON data
// that appendData appends: for a hot path that builds its answer without
// reflection. The answer is built in a pooled buffer, which net/http
// copies from before OKAppend returns it.
func OKAppend(w http.ResponseWriter, appendData func([]byte) []byte) {
	bp := bodyBufs.Get().(*[]byte)
	b := append((*bp)[:0], `{"success":true,"data":`...)
	b = append(appendData(b), '}', '\n')
	writeBody(w, http.StatusOK, b)
	if cap(b) <= 64<<10 { // a rare large answer's buffer is not kept
		*bp = b
		bodyBufs.Put(bp)
	}
}

var bodyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Created writes data in the success envelope with status 201.
func Created(w http.ResponseWriter, data any) { JSON(w, http.StatusCreated, data) }

// NoContent answers 204.
func NoContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// List writes a list with its meta.
func List(w http.ResponseWriter, data any, meta Meta) {
	write(w, http.StatusOK, envelope{Success: true, Data: data, Meta: meta})
}

// Page is the meta of a paged list.
func Page(page, pageSize int, total int64) Meta {
	pages := 0
	if pageSize > 0 {
		pages = int(math.Ceil(float64(total) / float64(pageSize)))
	}
	return Meta{"page": page, "pageSize": pageSize, "total": total, "totalPages": pages}
}

// Raw writes v as JSON without the envelope (probes).
func Raw(w http.ResponseWriter, status int, v any) {
	write(w, status, v)
}

// RawEncoded writes b, JSON already encoded and ending in a newline,
// without the envelope (probes).
func RawEncoded(w http.ResponseWriter, status int, b []byte) { writeBody(w, status, b) }

func write(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"success":false,"error":{"code":"INTERNAL","message":"The response could not be encoded."}}`)
	}
	writeBody(w, status, append(b, '\n'))
}

// The values of the headers every JSON answer sets, shared: the keys are
// canonical, so the map is written directly instead of through Set.
var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	noStore         = []string{"no-store"}
)

// chunkingSize is net/http's response buffer: a handler that returns
// having written less gets a Content-Length from net/http.
const chunkingSize = 2048

// writeBody writes an encoded JSON answer b.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	// API answers are personal unless a handler says otherwise.
	if len(h["Cache-Control"]) == 0 {
		h["Cache-Control"] = noStore
	}
	// net/http counts a body that fits its buffer itself, without an
	// allocation; a longer one would go out chunked.
	if len(b) >= chunkingSize {
		h["Content-Length"] = []string{strconv.Itoa(len(b))}
	}
	w.WriteHeader(status)
	w.Write(b)
}

// Error answers err in the error envelope. It is the one place where an error
// becomes a status: apperr kinds carry their own; anything else is INTERNAL,
// logged here with the request id and never shown to the client.
//
// Context errors say who gave up. When the client went away (the request's
// context is done) nobody reads an answer and nothing failed on our side: it
// is logged at debug and nothing is written. A deadline of the server's own
// (a write timeout, say) while the client still waits is a temporary
// SERVICE_UNAVAILABLE, not a bug; an upstream's timeout already carries its
// apperr kind (UPSTREAM_TIMEOUT) and keeps it.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		Logger(r.Context()).Debug("client went away", "err", err, "method", r.Method, "path", r.URL.Path)
		markClientGone(w)
		return
	}
	e, ok := apperr.As(err)
	if !ok {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			e = apperr.New(apperr.PayloadTooLarge, "The request body is larger than %d bytes.", mbe.Limit)
			ok = true
		case errors.Is(err, context.DeadlineExceeded):
			e = apperr.Wrap(apperr.Unavailable, err, "The server took too long to answer; try again.")
			ok = true
		}
	}
	if !ok {
		Logger(r.Context()).Error("request failed", "err", err, "method", r.Method, "path", r.URL.Path)
		e = apperr.New(apperr.Internal, "Something went wrong on the server; the error has been logged.")
	} else if e.Kind == apperr.Internal || (e.Err != nil && e.Kind.Status() >= 500) {
		Logger(r.Context()).Warn("request failed", "err", err, "code", e.Kind.Code(), "path", r.URL.Path)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	msg := e.Message
	if e.Kind == apperr.Internal {
		msg = "Something went wrong on the server; the error has been logged."
	}
	write(w, e.Kind.Status(), errorEnvelope{Error: &errorOut{
		Code:      e.Kind.Code(),
		Message:   msg,
		RequestID: RequestID(r.Context()),
		Details:   e.Details,
	}})
}

// statusClientClosed is the status the access log and the metrics record for
// a request whose client went away before an answer (nginx's 499); it is
// never sent.
const statusClientClosed = 499

// markClientGone records statusClientClosed in the middleware's status
// writers without writing anything, so an abandoned request is not counted
// as a 200.
func markClientGone(w http.ResponseWriter) {
	for {
		if sw, ok := w.(*statusWriter); ok && sw.status == 0 {
			sw.status = statusClientClosed
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// Handler is an http handler that returns its error; Handle adapts it so the
// error goes through Error.
type Handler func(w http.ResponseWriter, r *http.Request) error

func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		Error(w, r, err)
	}
}

// discard logs are used when no logger is in the context (tests of bare handlers).
var discard = slog.New(slog.DiscardHandler)
