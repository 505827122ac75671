// Package assets holds the web UI, embedded into the binary. It is data
// only; app/web serves it.
package assets

import "embed"

// FS is the UI: index.html, styles and ES modules.
//
//go:embed index.html app.css app.js
var FS embed.FS
