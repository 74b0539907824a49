package app_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// injections are template-injection payloads: Go template actions and the
// Jinja forms of Fides's CVE-2024-45053. Each must reach the customer as
// written, never run.
var injections = []string{
	"{{.}}", `{{template "layout" .}}`, "{{call .Request.Email}}", "{{.Request.Email}}",
	`{{printf "%v" .Settings}}`, "{{ ''.__class__.__mro__[1].__subclasses__() }}",
	"{% for x in ().__class__.__base__.__subclasses__() %}{{ x.__init__.__globals__ }}{% endfor %}",
}

func TestWordingEditorFillsPlaceholdersAndShowsTemplateSyntaxLiterally(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: wideLimits})
		admin, _ := signedIn(t, a, "admin@kactoily.example", "Ada Admin", models.RoleAdmin)
		page := "/staff/admin/wording/verify/en"

		contains(t, admin.get(t, "/staff/admin/wording").Body, "Confirm your email address", page)
		subject := "{{store}} asks you to confirm {{ request_id }} " + strings.Join(injections[:4], " ")
		intro := "Dear customer, <b>please</b> confirm {{request_id}}. " + strings.Join(injections, " ")

		pv := admin.post(t, page, url.Values{"action": {"preview"}, "subject": {subject}, "intro": {intro}})
		wantStatus(t, pv, http.StatusOK, "")
		contains(t, pv.Body, "Kactoily asks you to confirm R7K2M9QX4T", html.EscapeString("{{call .Request.Email}}"))
		if a.Count(t, &models.Wording{}) != 0 {
			t.Fatal("a preview saved the wording")
		}

		wantStatus(t, admin.post(t, page, url.Values{"action": {"save"}, "subject": {subject}, "intro": {intro}}), http.StatusSeeOther, "")
		edited := admin.get(t, page).Body
		contains(t, edited, "Last changed by admin@kactoily.example", html.EscapeString(`{{template "layout" .}}`))

		id := fileAccess(t, a, "wanda@example.com", "Wanda")
		m := a.Mail.WaitFor(t, "wanda@example.com", "asks you to confirm")
		want := "Kactoily asks you to confirm " + id + " " + strings.Join(injections[:4], " ")
		if m.Subject != want {
			t.Fatalf("subject %q, want %q", m.Subject, want)
		}
		if m.Link("/verify") == "" {
			t.Fatal("the edited verification email lost its link")
		}
		wantIntro := "Dear customer, <b>please</b> confirm " + id + ". " + strings.Join(injections, " ")
		contains(t, m.Text, wantIntro)
		contains(t, m.HTML, html.EscapeString(wantIntro))
		lacks(t, m.HTML, "<b>please</b>")
		lacks(t, m.Text, "We received a request to send you a copy")

		// The privacy center's introduction, per language: German visitors
		// see the German one, English ones the built-in text.
		center := "/staff/admin/wording/privacy_center/de"
		wantStatus(t, admin.post(t, center, url.Values{"action": {"save"}, "intro": {"Willkommen bei {{store}} {{.}} <i>x</i>"}}), http.StatusSeeOther, "")
		de := send(t, a, http.MethodGet, "/", "", "", hdr("Accept-Language", "de-DE,de;q=0.9"))
		contains(t, de.Body, "Willkommen bei Kactoily {{.}} &lt;i&gt;x&lt;/i&gt;")
		lacks(t, get(t, a, "/").Body, "Willkommen")

		var events []models.AuditEvent
		if err := a.DB.Where("action = ?", "wording_update").Order("id").Find(&events).Error; err != nil || len(events) != 2 {
			t.Fatalf("wording_update events: %d, %v", len(events), err)
		}
		var d map[string]string
		if err := json.Unmarshal([]byte(events[0].Details), &d); err != nil || d["subject"] != subject || d["kind"] != "verify" || d["lang"] != "en" {
			t.Fatalf("audit details %s (%v)", events[0].Details, err)
		}
		if events[0].Actor != "admin@kactoily.example" {
			t.Fatalf("audit actor %q", events[0].Actor)
		}

		wantStatus(t, admin.post(t, page, url.Values{"action": {"reset"}}), http.StatusSeeOther, "")
		contains(t, admin.get(t, page).Body, "The built-in wording is in use.")
		fileAccess(t, a, "walt@example.com", "Walt")
		a.Mail.WaitFor(t, "walt@example.com", "Confirm your privacy request")
		var left int64
		if err := a.DB.Model(&models.Wording{}).Where("kind = ?", "verify").Count(&left).Error; err != nil || left != 0 {
			t.Fatalf("reset left %d verify wordings (%v)", left, err)
		}
		var resets int64
		a.DB.Model(&models.AuditEvent{}).Where("action = ?", "wording_reset").Count(&resets)
		if resets != 1 {
			t.Fatalf("%d wording_reset events, want 1", resets)
		}
	})
}

func TestWordingEditorRefusesBrokenPlaceholdersAndNonAdmins(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: wideLimits, NoJobs: true})
		admin, _ := signedIn(t, a, "admin@kactoily.example", "Ada Admin", models.RoleAdmin)
		for _, c := range []struct{ subject, intro, want string }{
			{"Confirm {{request_id", "", "never closes it"},
			{"", "Hello {{customer_name}}", html.EscapeString("{{customer_name}} is not a placeholder")},
			{"Two\r\nBcc: x@example.com", "", "a subject is one line"},
			{strings.Repeat("x", 201), "", "at most 200 characters"},
		} {
			for _, action := range []string{"save", "preview"} {
				ans := admin.post(t, "/staff/admin/wording/receipt/de", url.Values{"action": {action}, "subject": {c.subject}, "intro": {c.intro}})
				wantStatus(t, ans, http.StatusUnprocessableEntity, "")
				contains(t, strings.ToLower(ans.Body), strings.ToLower(c.want))
				contains(t, ans.Body, html.EscapeString(c.intro)) // what was typed is kept
			}
		}
		if a.Count(t, &models.Wording{}) != 0 {
			t.Fatal("a refused wording was saved")
		}
		pageSubject := admin.post(t, "/staff/admin/wording/privacy_center/en", url.Values{"action": {"save"}, "subject": {"x"}})
		wantStatus(t, pageSubject, http.StatusUnprocessableEntity, "")
		contains(t, pageSubject.Body, "A page has no subject")
		wantStatus(t, admin.get(t, "/staff/admin/wording/staff_new_request/en"), http.StatusNotFound, "")
		wantStatus(t, admin.get(t, "/staff/admin/wording/receipt/xx"), http.StatusNotFound, "")

		agent, _ := signedIn(t, a, "agent@kactoily.example", "Al Agent", models.RoleAgent)
		wantStatus(t, agent.get(t, "/staff/admin/wording"), http.StatusForbidden, "")
		wantStatus(t, agent.post(t, "/staff/admin/wording/receipt/en", url.Values{"action": {"save"}, "subject": {"x"}}), http.StatusForbidden, "")
		if a.Count(t, &models.Wording{}) != 0 {
			t.Fatal("a support agent changed the wording")
		}
	})
}

// TestWordingOfOnlySpacesKeepsTheBuiltInText proves a subject or opening
// paragraph of nothing but spaces and line breaks counts as empty (the
// built-in text), not as a blank subject or a blank first paragraph, and
// that an edited text is saved without its surrounding spaces.
func TestWordingOfOnlySpacesKeepsTheBuiltInText(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: wideLimits})
		admin, _ := signedIn(t, a, "admin@kactoily.example", "Ada Admin", models.RoleAdmin)
		page := "/staff/admin/wording/verify/en"
		wantStatus(t, admin.post(t, page, url.Values{"action": {"save"}, "subject": {"   "}, "intro": {" \r\n\t "}}), http.StatusSeeOther, "")
		if n := a.Count(t, &models.Wording{}); n != 0 {
			t.Fatalf("a wording of spaces was saved (%d rows)", n)
		}
		fileAccess(t, a, "sue@example.com", "Sue")
		m := a.Mail.WaitFor(t, "sue@example.com", "Confirm your privacy request")
		contains(t, m.Text, "We received a request")

		wantStatus(t, admin.post(t, page, url.Values{"action": {"save"}, "subject": {"  Please confirm {{request_id}}  "}, "intro": {"\n"}}), http.StatusSeeOther, "")
		var w models.Wording
		if err := a.DB.Where("kind = ? AND lang = ?", "verify", "en").First(&w).Error; err != nil {
			t.Fatal(err)
		}
		if w.Subject != "Please confirm {{request_id}}" || w.Intro != "" {
			t.Fatalf("saved subject %q, intro %q", w.Subject, w.Intro)
		}
	})
}
