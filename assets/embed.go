// Package assets holds the web UI, embedded into the binary. It is data
// only; app/web serves it.
package assets

import "embed"

// FS is the UI: index.html, the stylesheet, icons, the manifest, the ES
// modules (js/) and the vendored view library (vendor/).
//
//go:embed index.html app.css icon.svg icon-192.png icon-512.png manifest.webmanifest js vendor
var FS embed.FS
