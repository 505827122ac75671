package server

import (
	_ "embed"
	"net/http"
)

// openAPI is the HTTP contract as an OpenAPI 3.1 document; tests check that
// every operation it lists is routed.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(openAPI)
}
