package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"medianest/app/apperr"
)

// MaxBody is the largest request body the API accepts.
const MaxBody = 1 << 20

// Decode reads a JSON body into v strictly: malformed JSON, a wrong type, an
// unknown field, a key spelt in another case than the field's JSON name, a
// key given twice or trailing data is a VALIDATION_ERROR naming the field; a
// body over MaxBody is PAYLOAD_TOO_LARGE. An empty body decodes as {}.
func Decode(r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return apperr.New(apperr.PayloadTooLarge, "The request body is larger than %d bytes.", mbe.Limit)
		}
		return apperr.Field("body", "could not be read: "+err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err == nil {
		// Anything but white space after the value is refused: "{}}" must not
		// pass as "{}".
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			return apperr.Field("body", "must hold a single JSON value")
		}
		return checkKeys(data, reflect.TypeOf(v))
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
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

// checkKeys walks data, a JSON value that decoded into a value of type t,
// and refuses what encoding/json lets through: a key that names a struct
// field in another case ({"ROLE":"admin"} fills Role) and a key given twice
// in one object (the last one wins, past whatever looked at the first).
// Values whose type reads its own JSON are left to it.
func checkKeys(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walkKeys(dec, t, ""); err != nil {
		if _, ok := apperr.As(err); ok {
			return err
		}
		// The value decoded, so it is valid JSON; a token error here
		// would be a bug in the walk, not in the request.
		return apperr.Field("body", "could not be read: "+err.Error())
	}
	return nil
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// walkKeys checks the next value of dec against t (nil: any JSON, keys
// free); path names it in an error ("nested.url").
func walkKeys(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && reflect.PointerTo(t).Implements(unmarshaler) {
		var skip json.RawMessage
		return dec.Decode(&skip)
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := walkKeys(dec, elem, path); err != nil {
				return err
			}
		}
	case json.Delim('{'):
		var fields map[string]reflect.Type
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			name := key
			if path != "" {
				name = path + "." + key
			}
			if seen[key] {
				return apperr.Field(name, "is given more than once")
			}
			seen[key] = true
			next := elem
			if fields != nil {
				ft, ok := fields[key]
				if !ok {
					return apperr.Field(name, unknownKey(key, fields))
				}
				next = ft
			}
			if err := walkKeys(dec, next, name); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing ']' or '}'
	return err
}

// unknownKey is the message for key, hinting at the field it misspells.
func unknownKey(key string, fields map[string]reflect.Type) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("is not a known field (names are case-sensitive: %q)", name)
		}
	}
	return "is not a known field"
}

// fieldCache maps a struct type to its jsonFields.
var fieldCache sync.Map

// jsonFields maps the exact JSON names of t's fields to their types, as
// encoding/json names them: the tag's name, else the Go name; "-" is left
// out; an untagged embedded struct's fields are promoted unless a shallower
// field has the name.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	level := []reflect.Type{t}
	for depth := 0; len(level) > 0 && depth < 8; depth++ {
		var next []reflect.Type
		found := map[string]reflect.Type{}
		for _, st := range level {
			for i := range st.NumField() {
				f := st.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
					next = append(next, ft)
					continue
				}
				if !f.IsExported() {
					continue
				}
				if name == "" {
					name = f.Name
				}
				if _, ok := m[name]; !ok {
					found[name] = f.Type
				}
			}
		}
		for name, ft := range found {
			m[name] = ft
		}
		level = next
	}
	fieldCache.Store(t, m)
	return m
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

// IDQuery reads an optional id query parameter (a filter such as userId):
// 0 when absent, a field error when it is not a positive integer.
func IDQuery(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Field(name, "must be an id (a whole number from 1)")
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
