package config

import (
	"os"
	"regexp"
	"testing"
)

// TestREADMENamesEverySetting proves the README documents each setting:
// its environment variable appears there by name (the Configure table,
// or the section of its feature, such as the DRP settings).
func TestREADMENamesEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	for _, s := range c.settings() {
		if !regexp.MustCompile(`\b` + s.env + `\b`).Match(readme) {
			t.Errorf("README.md does not name %s", s.env)
		}
	}
}
