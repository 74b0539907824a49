package org_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
)

// TestBuiltInFileIsKactoilys proves the built-in organization file loads
// and holds Kactoily's facts: its name and contact, the policy's date,
// every Art. 15 list, and the four recipients with what each is told of.
func TestBuiltInFileIsKactoilys(t *testing.T) {
	f := org.Default()
	if f.Name != "Kactoily" || f.Website != "Kactoily.com" || f.PrivacyEmail != "privacy@kactoily.com" || f.Initial() != "K" || f.FileSlug() != "kactoily" {
		t.Errorf("who: %q %q %q %q %q", f.Name, f.Website, f.PrivacyEmail, f.Initial(), f.FileSlug())
	}
	if !f.PolicyUpdated.Equal(time.Date(2026, time.November, 25, 0, 0, 0, 0, time.UTC)) || !strings.HasPrefix(f.PolicyText, "Privacy Policy\n\nWe Kactoily.com") {
		t.Errorf("policy: %v %.40q", f.PolicyUpdated, f.PolicyText)
	}
	s := f.Statements
	for name, l := range map[string][]string{"purposes": s.Purposes, "categories": s.Categories, "recipients": s.Recipients,
		"retention": s.Retention, "sources": s.Sources, "automated decisions": s.AutomatedDecisions, "transfers": s.Transfers} {
		if len(l) < 2 {
			t.Errorf("%s: %q", name, l)
		}
	}
	if s.Purposes[0] != "Set up and authenticate your account" {
		t.Errorf("first purpose %q", s.Purposes[0])
	}
	want := []struct {
		name          string
		types, scopes []string
	}{
		{"PayPal (payment processor)", []string{models.TypeDeletion}, nil},
		{"ParcelGo (delivery partner)", []string{models.TypeDeletion}, nil},
		{"AdReach (advertising network)", []string{models.TypeDeletion, models.TypeOptOut}, []string{models.ScopeSaleSharing}},
		{"MetricsHub (analytics provider)", []string{models.TypeDeletion, models.TypeOptOut}, []string{models.ScopeAnalytics}},
	}
	if len(f.ThirdParties) != len(want) {
		t.Fatalf("%d third parties, want %d", len(f.ThirdParties), len(want))
	}
	for i, w := range want {
		tp := f.ThirdParties[i]
		if tp.Name != w.name || !slices.Equal(tp.Types, w.types) || !slices.Equal(tp.Scopes, w.scopes) || tp.Holds == "" || tp.Email == "" {
			t.Errorf("third party %d: %+v, want %s %q %q", i, tp, w.name, w.types, w.scopes)
		}
	}
	if again := org.Default(); again == f || &again.Statements.Purposes[0] == &f.Statements.Purposes[0] {
		t.Errorf("Default shares its facts between callers")
	}
}

// TestLoadReadsAnotherOrganizationsFile proves a file on disk replaces
// every fact, and "" means the built-in file.
func TestLoadReadsAnotherOrganizationsFile(t *testing.T) {
	f, err := org.Load(filepath.Join("..", "testdata", "org", "brightwater.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "Brightwater Bikes" || f.FileSlug() != "brightwater-bikes" || f.Initial() != "B" ||
		f.PostalAddress != "Brightwater Bikes GmbH, Hafenstraße 4, 20457 Hamburg, Germany" ||
		f.PolicyUpdated.Format(time.DateOnly) != "2025-03-14" || len(f.ThirdParties) != 2 ||
		f.Statements.Retention[0] != "Repair records are kept for 3 years after the last repair" {
		t.Errorf("brightwater: %+v", f)
	}
	if d, err := org.Load(""); err != nil || d.Name != "Kactoily" {
		t.Errorf(`Load(""): %v %v`, d, err)
	}
	if _, err := org.Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// valid is a complete organization file; each case below breaks one line.
const valid = `name: Acme
contact:
  privacy_email: privacy@acme.example
statements:
  purposes: [Sell you anvils]
  categories: [Contact details]
  recipients: [Nobody]
  retention: [Six years]
  sources: [You]
  automated_decisions: [None]
  transfers: [None]
third_parties:
  - name: Rocket Post
    email: dpo@rocket.example
    told_of: [deletion]
policy:
  updated: 2026-01-02
  text: Privacy Policy
`

// TestLoadRefusesABrokenFileNamingFileLineAndField proves each kind of
// mistake is refused with the file, the line of the mistake (or where the
// missing field belongs) and the field's path, in words an author reads.
func TestLoadRefusesABrokenFileNamingFileLineAndField(t *testing.T) {
	if _, err := org.Parse("acme.yaml", []byte(valid)); err != nil {
		t.Fatalf("the valid file: %v", err)
	}
	for _, c := range []struct {
		name, old, new, want string
	}{
		{"bad type: text for a list", "  purposes: [Sell you anvils]", "  purposes: Sell you anvils",
			"acme.yaml:5: statements.purposes: want a list, got text"},
		{"bad type: a list for text", "name: Acme", "name: [Acme, Inc]", "acme.yaml:1: name: want text, got a list"},
		{"unknown key", "  recipients: [Nobody]", "  recipients: [Nobody]\n  recipient: [Typo]", "acme.yaml:8: statements.recipient: unknown field"},
		{"unknown key in a third party", "    told_of: [deletion]", "    told_of: [deletion]\n    phone: 555", "acme.yaml:16: third_parties[0].phone: unknown field"},
		{"missing required field", "name: Acme\n", "", "acme.yaml:1: name: is required"},
		{"missing nested field", "  privacy_email: privacy@acme.example", "  postal_address: 1 Desert Road",
			"acme.yaml:2: contact.privacy_email: is required"},
		{"missing statement list", "  transfers: [None]\n", "", "acme.yaml:4: statements.transfers: is required"},
		{"empty statement", "  sources: [You]", `  sources: [You, ""]`, "acme.yaml:9: statements.sources[1]: must not be empty"},
		{"bad email", "privacy@acme.example", "privacy at acme", `acme.yaml:3: contact.privacy_email: "privacy at acme" is not an email address`},
		{"bad date", "2026-01-02", "2 January 2026", `acme.yaml:17: policy.updated: "2 January 2026" is not a date like 2026-11-25`},
		{"third party without email", "    email: dpo@rocket.example\n", "", "acme.yaml:13: third_parties[0].email: is required"},
		{"third party told of nonsense", "told_of: [deletion]", "told_of: [refunds]", `acme.yaml:15: third_parties[0].told_of: types are deletion, opt_out`},
		{"third party named twice", "    told_of: [deletion]\n", "    told_of: [deletion]\n  - name: rocket post\n    email: b@rocket.example\n    told_of: [deletion]\n",
			`acme.yaml:16: third_parties[1].name: "rocket post" is named twice`},
		{"duplicate key", "name: Acme", "name: Acme\nname: Other", `acme.yaml:2: mapping key "name" already defined`},
		{"syntax", "  recipients: [Nobody]", "  recipients: [Nobody", "acme.yaml:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(valid, c.old) {
				t.Fatalf("the case's old text %q is not in the file", c.old)
			}
			data := strings.Replace(valid, c.old, c.new, 1)
			_, err := org.Parse("acme.yaml", []byte(data))
			var fe *org.Error
			if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("got %v, want an *org.Error starting %q\n%s", err, c.want, data)
			}
		})
	}
}

// TestLoadNamesTheFileOnDisk proves Load's errors name the path it read.
func TestLoadNamesTheFileOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(valid, "name: Acme", "nmae: Acme", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := org.Load(path); err == nil || !strings.HasPrefix(err.Error(), path+":1: nmae: unknown field") {
		t.Errorf("got %v", err)
	}
}

func TestMailFromIsTheOrganizationsPrivacyAddress(t *testing.T) {
	if got, want := org.Default().MailFrom(), `"Kactoily Privacy" <privacy@kactoily.com>`; got != want {
		t.Errorf("org.Default().MailFrom() = %q, want %q", got, want)
	}
}
