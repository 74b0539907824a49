// Package templates embeds the HTML pages, the emails and the static files.
package templates

import "embed"

// FS holds pages/*.html, emails/*.txt and *.html, static/*, and the message
// catalogs locales/active.<lang>.toml.
//
//go:embed all:pages all:emails static export locales
var FS embed.FS
