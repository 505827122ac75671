package plextest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// obj is a JSON object as Plex sends it. Building answers as maps lets one
// value be written as JSON or XML, and lets fields be left out (Plex omits
// empty lists) or typed the way Plex types them.
type obj = map[string]any

// wantsJSON is Plex's content negotiation: JSON only when asked for.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// write answers v as JSON or, unless asked for JSON, as XML with root element
// root. Plex's XML uses attributes for scalars and child elements for lists.
func write(w http.ResponseWriter, r *http.Request, status int, root string, v any) {
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	var b strings.Builder
	b.WriteString(xml.Header)
	switch v := v.(type) {
	case obj:
		writeXML(&b, root, v)
	case []obj:
		b.WriteString("<" + root + fmt.Sprintf(` size="%d">`, len(v)))
		child := strings.TrimSuffix(root, "s")
		for _, o := range v {
			writeXML(&b, child, o)
		}
		b.WriteString("</" + root + ">")
	}
	_, _ = w.Write([]byte(b.String()))
}

// writeXML writes o as element name: scalars become attributes (booleans as
// "1"/"0", as Plex writes them), objects and lists child elements.
func writeXML(b *strings.Builder, name string, o obj) {
	// An envelope such as {"MediaContainer": {...}} is the element itself.
	if inner, ok := o[name].(obj); ok && len(o) == 1 {
		o = inner
	}
	keys := slices.Sorted(maps.Keys(o))
	b.WriteString("<" + name)
	var children []string
	for _, k := range keys {
		switch v := o[k].(type) {
		case nil, []any:
			// Lists of scalars (features, roles) have no XML form here.
		case obj, []obj:
			children = append(children, k)
		case bool:
			fmt.Fprintf(b, ` %s="%s"`, k, map[bool]string{true: "1", false: "0"}[v])
		default:
			var esc strings.Builder
			_ = xml.EscapeText(&esc, fmt.Append(nil, v))
			fmt.Fprintf(b, ` %s="%s"`, k, esc.String())
		}
	}
	if len(children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteString(">")
	for _, k := range children {
		switch v := o[k].(type) {
		case obj:
			writeXML(b, k, v)
		case []obj:
			for _, c := range v {
				writeXML(b, k, c)
			}
		}
	}
	b.WriteString("</" + name + ">")
}
