package httpx_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

// keysBody mixes the shapes the strict key check walks through.
type keysBody struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Untagged string
	Skipped  string `json:"-"`
	Optional int    `json:"optional,omitempty"`
	Nested   struct {
		URL string `json:"url"`
	} `json:"nested"`
	Ptr *struct {
		On bool `json:"on"`
	} `json:"ptr"`
	List []struct {
		ID int `json:"id"`
	} `json:"list"`
	Labels map[string]string `json:"labels"`
	Any    any               `json:"any"`
	Raw    json.RawMessage   `json:"raw"`
	Custom custom            `json:"custom"`
	embedded
}

type embedded struct {
	Promoted string `json:"promoted"`
}

// custom reads its own JSON, so the check leaves its insides alone.
type custom struct{ n int }

func (c *custom) UnmarshalJSON(b []byte) error { c.n = len(b); return nil }

// TestDecodeExactKeys: a key must be spelt exactly like the field's JSON
// name, once. encoding/json alone matches names case-insensitively and lets
// the last duplicate win, so {"USERNAME":"x","ROLE":"admin"} or a second
// "username" would slip past validation meant for the first.
func TestDecodeExactKeys(t *testing.T) {
	cases := []struct {
		name, body string
		field      string // "" when the body is accepted
	}{
		{"exact", `{"username":"a","role":"user","Untagged":"u","optional":1,"promoted":"p"}`, ""},
		{"nested exact", `{"nested":{"url":"x"},"ptr":{"on":true},"list":[{"id":1},{"id":2}]}`, ""},
		{"free-form keys", `{"labels":{"Any":"1","any":"2"},"any":{"X":{"x":1}},"raw":{"R":1},"custom":{"C":1,"C":2}}`, ""},
		{"empty", ``, ""},
		{"upper case", `{"USERNAME":"a","ROLE":"admin"}`, "USERNAME"},
		{"title case", `{"Username":"a"}`, "Username"},
		{"untagged lower", `{"untagged":"u"}`, "untagged"},
		{"skipped field", `{"Skipped":"s"}`, "Skipped"},
		{"promoted case", `{"Promoted":"p"}`, "Promoted"},
		{"nested case", `{"nested":{"URL":"x"}}`, "nested.URL"},
		{"pointer case", `{"ptr":{"On":true}}`, "ptr.On"},
		{"list case", `{"list":[{"id":1},{"ID":2}]}`, "list.ID"},
		{"duplicate", `{"username":"a","username":"b"}`, "username"},
		{"duplicate by case", `{"role":"user","Role":"admin"}`, "Role"},
		{"nested duplicate", `{"nested":{"url":"a","url":"b"}}`, "nested.url"},
		{"map duplicate", `{"labels":{"k":"a","k":"b"}}`, "labels.k"},
		{"any duplicate", `{"any":{"k":1,"k":2}}`, "any.k"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v keysBody
			err := httpx.Decode(httptest.NewRequest("POST", "/", strings.NewReader(c.body)), &v)
			if c.field == "" {
				if err != nil {
					t.Fatalf("Decode(%s) = %v, want it accepted", c.body, err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid {
				t.Fatalf("Decode(%s) = %v, want VALIDATION_ERROR", c.body, err)
			}
			if len(e.Details) != 1 || e.Details[0].Field != c.field || e.Details[0].Message == "" {
				t.Fatalf("Decode(%s) details = %+v, want one naming %q", c.body, e.Details, c.field)
			}
		})
	}
}
