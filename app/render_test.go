package app

import (
	"testing"

	"github.com/kactoily/privacydesk/locale"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/templates"
)

// TestEventTextShowsRequesterOnlyWhatConcernsThem proves staff-internal
// events (claim, note, assignment) never show on the requester's status
// page, and that a status change is told once in words.
func TestEventTextShowsRequesterOnlyWhatConcernsThem(t *testing.T) {
	cat, err := locale.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	en := cat.Tr(locale.Default)
	for _, c := range []struct {
		from, to, action, want string
	}{
		{"", models.StatusPendingVerification, "submit", "Request received; waiting for you to confirm your email"},
		{models.StatusPendingVerification, models.StatusVerified, "verify", "Email confirmed; request sent to our privacy team"},
		{models.StatusVerified, models.StatusVerified, "claim", ""},
		{models.StatusVerified, models.StatusVerified, "note", ""},
		{models.StatusVerified, models.StatusVerified, "assign", ""},
		{models.StatusVerified, models.StatusVerified, "extend", "We extended the deadline"},
		{models.StatusPendingVerification, models.StatusPendingVerification, "verification_resent", "Confirmation link sent again"},
		{models.StatusCompleted, models.StatusCompleted, "download", "Your data was downloaded"},
		{"", models.StatusCompleted, "opt_out", "Opt-out received and in effect"},
	} {
		got, err := eventText(en, models.AuditEvent{FromStatus: c.from, ToStatus: c.to, Action: c.action})
		if err != nil || got != c.want {
			t.Errorf("%s %s→%s: %q, want %q", c.action, c.from, c.to, got, c.want)
		}
	}
}

// TestEventTextSpeaksTheVisitorsLanguage proves the status page's history
// lines come from the visitor's catalog.
func TestEventTextSpeaksTheVisitorsLanguage(t *testing.T) {
	cat, err := locale.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	e := models.AuditEvent{FromStatus: models.StatusPendingVerification, ToStatus: models.StatusVerified, Action: "verify"}
	for lang, want := range map[string]string{
		"es": "Correo electrónico confirmado; solicitud enviada a nuestro equipo de privacidad",
		"de": "E-Mail-Adresse bestätigt; Anfrage an unser Datenschutzteam weitergeleitet",
		"fr": "Adresse e-mail confirmée ; demande transmise à notre équipe de protection des données",
	} {
		if got, err := eventText(cat.Tr(lang), e); err != nil || got != want {
			t.Errorf("%s: %q (%v), want %q", lang, got, err, want)
		}
	}
}
