// Command barehttp serves httpxtest.BareHandler, the bare net/http handler
// MediaNest's hot path is measured against, with http.ListenAndServe: no
// middleware, no timeouts, no log. It is test data, not part of the binary.
package main

import (
	"flag"
	"log"
	"net/http"

	"medianest/app/httpx/httpxtest"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:18081", "address")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, httpxtest.BareHandler()))
}
