package models

import "strings"

// NormalizeEmail trims and lower-cases an address, the one form stored and compared.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
