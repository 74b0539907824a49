// Package templates embeds the HTML pages, the emails and the static files.
package templates

import "embed"

// FS holds pages/*.html, emails/*.txt and *.html, and static/*.
//
//go:embed all:pages all:emails static export
var FS embed.FS
