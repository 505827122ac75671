package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"medianest/app/apperr"
)

// MaxBody is the largest request body the API accepts.
const MaxBody = 1 << 20

// Decode reads a JSON body into v strictly: malformed JSON, a wrong type, an
// unknown field or trailing data is a VALIDATION_ERROR naming the field; a
// body over MaxBody is PAYLOAD_TOO_LARGE. An empty body decodes as {}.
func Decode(r *http.Request, v any) error {
	body := http.MaxBytesReader(nil, r.Body, MaxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err == nil {
		// Anything but white space after the value is refused: "{}}" must not
		// pass as "{}".
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			var mbe *http.MaxBytesError
			if errors.As(terr, &mbe) {
				return apperr.New(apperr.PayloadTooLarge, "The request body is larger than %d bytes.", mbe.Limit)
			}
			return apperr.Field("body", "must hold a single JSON value")
		}
		return nil
	}
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return apperr.New(apperr.PayloadTooLarge, "The request body is larger than %d bytes.", mbe.Limit)
	case errors.As(err, &se):
		return apperr.Field("body", fmt.Sprintf("is not valid JSON (at byte %d)", se.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Field("body", "is not valid JSON (it ends too early)")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return apperr.Field(field, "must be "+jsonType(te.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apperr.Field(name, "is not a known field")
	default:
		return apperr.Field("body", "could not be read: "+err.Error())
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "float64", "float32":
		return "a number"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	default:
		return "of another type"
	}
}

// PathID parses a positive integer path value; anything else is NOT_FOUND,
// since no object has that id.
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "No such %s.", name)
	}
	return id, nil
}

// MaxPage bounds page so that (page-1)*pageSize cannot overflow.
const MaxPage = 1_000_000

// Paging reads page (from 1) and pageSize (default 20, clamped to 100).
func Paging(r *http.Request) (page, pageSize int, err error) {
	page, pageSize = 1, 20
	q := r.URL.Query()
	if s := q.Get("page"); s != "" {
		page, err = strconv.Atoi(s)
		if err != nil || page < 1 || page > MaxPage {
			return 0, 0, apperr.Field("page", fmt.Sprintf("must be a whole number from 1 to %d", MaxPage))
		}
	}
	if s := q.Get("pageSize"); s != "" {
		pageSize, err = strconv.Atoi(s)
		if err != nil || pageSize < 1 {
			return 0, 0, apperr.Field("pageSize", "must be a whole number from 1")
		}
	}
	return page, min(pageSize, 100), nil
}

// IntQuery reads an optional integer query parameter within [lo, ...),
// clamping it to hi; def when absent.
func IntQuery(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo {
		return 0, apperr.Field(name, fmt.Sprintf("must be a whole number from %d", lo))
	}
	return min(n, hi), nil
}
