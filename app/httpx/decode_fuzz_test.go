package httpx_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

// fuzzBody has a field of each shape the API's request bodies use.
type fuzzBody struct {
	Name   string            `json:"name"`
	Count  int               `json:"count"`
	ID     int64             `json:"id"`
	Ratio  float64           `json:"ratio"`
	Flag   *bool             `json:"flag"`
	Tags   []string          `json:"tags"`
	Labels map[string]string `json:"labels"`
	Nested struct {
		URL string `json:"url"`
	} `json:"nested"`
}

func decode(body io.Reader) (fuzzBody, error) {
	var v fuzzBody
	err := httpx.Decode(httptest.NewRequest("POST", "/", body), &v)
	return v, err
}

// checkKind fails unless err is a user mistake: VALIDATION_ERROR or
// PAYLOAD_TOO_LARGE, never an internal error.
func checkKind(t *testing.T, body []byte, err error) apperr.Kind {
	t.Helper()
	if _, ok := apperr.As(err); !ok {
		t.Fatalf("Decode(%q) = %v (%T): not an apperr", body, err, err)
	}
	k := apperr.KindOf(err)
	if k != apperr.Invalid && k != apperr.PayloadTooLarge {
		t.Fatalf("Decode(%q) = %v: kind %s, want VALIDATION_ERROR or PAYLOAD_TOO_LARGE", body, err, k.Code())
	}
	return k
}

// The strict decoder never panics and answers every bad body with a user
// error; what it accepts survives a round trip; and nothing passes once the
// body is over MaxBody.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		``, ` `, `{}`, `null`, `{"name":"a","count":1,"id":9007199254740993,"ratio":0.5,"flag":true,"tags":["x"],"labels":{"k":"v"},"nested":{"url":"http://x"}}`,
		`{"name":"a"}{"name":"b"}`, `{}}`, `{} x`, `{"nope":1}`, `{"nested":{"nope":1}}`, `{"count":"1"}`,
		`{"count":1.5}`, `{"count":1e400}`, `{"id":99999999999999999999}`, `{"tags":"x"}`, `{"labels":[]}`,
		`[]`, `"str"`, `1`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"name":`, `{"na`, `{"flag":null}`,
		`{"Name":"case"}`, `{"name":"a","name":"b"}`, `{"NAME":"a","COUNT":1}`, `{"nested":{"URL":"x"}}`,
		`{"nested":{"url":"a","url":"b"}}`, `{"labels":{"k":"a","k":"b"}}`, `{"labels":{"K":"a","k":"b"}}`,
		`{"tags":["a"],"tags":["b"]}`, `{"flag":true,"Flag":false}`, `{"nested":{},"nested":{"url":"x"}}`, "\ufeff{}", `{"ratio":-0}`, strings.Repeat("[", 200),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := decode(bytes.NewReader(body))
		if err != nil {
			if checkKind(t, body, err) == apperr.PayloadTooLarge && len(body) <= httpx.MaxBody {
				t.Fatalf("Decode(%d bytes) = %v: too large although under MaxBody", len(body), err)
			}
			return
		}
		if len(body) > httpx.MaxBody {
			t.Fatalf("Decode accepted %d bytes, over MaxBody", len(body))
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", v, err)
		}
		v2, err := decode(bytes.NewReader(b))
		if err != nil || !reflect.DeepEqual(v, v2) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", b, v2, err, v)
		}
		// The same value padded past MaxBody with white space is too large.
		padded := io.MultiReader(bytes.NewReader(body), strings.NewReader(strings.Repeat(" ", httpx.MaxBody+1)))
		if _, err := decode(padded); checkKind(t, body, err) != apperr.PayloadTooLarge {
			t.Fatalf("Decode(%q + MaxBody spaces) = %v, want PAYLOAD_TOO_LARGE", body, err)
		}
	})
}
