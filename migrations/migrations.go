// Package migrations embeds the versioned SQL schema, one folder per dialect.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql, applied in order by goose.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
