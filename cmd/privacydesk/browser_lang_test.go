package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// acceptLanguage makes every request of the profile carry the header, as a
// browser set to that language does.
func (b *browser) acceptLanguage(header string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": header}}); err != nil {
		b.t.Fatalf("set Accept-Language: %v", err)
	}
}

// wantLang fails unless the page says it is in lang.
func (b *browser) wantLang(lang string) {
	b.t.Helper()
	if got := eval[string](b, `document.documentElement.lang`); got != lang {
		b.t.Fatalf("%s is in %q, want %q:\n%s", b.path(), got, lang, b.text("main"))
	}
}

// storedLang is the language a request was filed in, as stored.
func storedLang(t *testing.T, in *instance, id string) string {
	t.Helper()
	var r models.Request
	if err := openForTest(t, in.DBURL).DB.Where("id = ?", id).First(&r).Error; err != nil {
		t.Fatal(err)
	}
	return r.Lang
}

func wantAll(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Fatalf("%s lacks %q:\n%s", what, w, body)
		}
	}
}

// TestBrowserSpanishJourney: a browser set to Spanish (Accept-Language)
// gets the privacy center in Spanish, files an access request, confirms it
// from a Spanish email and follows it on a Spanish status page with Spanish
// dates. Switched to English afterwards, it cancels the request: the page
// is English, but the cancellation email is still Spanish, the language the
// request was filed in.
func TestBrowserSpanishJourney(t *testing.T) {
	chromium(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect, "--demo")
		const email = "ana.garcia@example.com"
		c := newBrowser(t, in)
		c.acceptLanguage("es-ES,es;q=0.9,en;q=0.5")
		if code := c.open("/"); code != 200 {
			t.Fatalf("privacy center: %d", code)
		}
		c.wantLang("es")
		c.wantText("h1", "Sus datos, su decisión")
		c.wantText(".cards", "Respuesta en 30 días")
		c.wantText(`nav.langs a[aria-current]`, "Español")
		c.shot("home-es", "")
		if code := c.follow(`header nav a[href="/requests/new"]`); code != 200 {
			t.Fatalf("hacer una solicitud: %d", code)
		}
		c.wantText("h1", "Hacer una solicitud de privacidad")
		c.click(`input[name=type][value=access]`)
		c.fill("#name", "Ana García")
		c.fill("#email", email)
		if code := c.follow(`form.form button[type=submit]`); code != 200 || c.path() != "/requests/received" {
			t.Fatalf("enviar: %d at %s", code, c.path())
		}
		c.wantText("h1", "Revise su correo electrónico")

		confirm := in.Mail.WaitFor(t, email, "Confirme su solicitud de privacidad")
		id := regexpFind(t, `PD-[0-9A-Z]{5}-[0-9A-Z]{5}`, confirm.Subject)
		wantAll(t, "confirmation email", confirm.Text, "Hola:", "enviarle una copia de los datos personales",
			"en el plazo de 24 horas", "respondemos en 30 días", "— Equipo de privacidad de")
		wantAll(t, "confirmation email html", confirm.HTML, `<html lang="es">`, "Confirmar mi solicitud")
		if got := storedLang(t, in, id); got != "es" {
			t.Fatalf("request %s stored in %q, want es", id, got)
		}
		if code := c.open(confirm.Link("/requests/verify?token=")); code != 200 {
			t.Fatalf("confirmation link: %d", code)
		}
		c.wantText("h1", "Confirme su solicitud")
		if code := c.follow(`form.confirm-form button[type=submit]`); code != 200 || c.path() != "/requests/"+id+"/status" {
			t.Fatalf("confirmar: %d at %s", code, c.path())
		}
		c.wantText("h1", "Solicitud "+id)
		c.wantText(`.notice.ok[role=status]`, "su correo electrónico está confirmado")
		c.wantText("ol.timeline", "Correo electrónico confirmado")
		if facts := c.text(".facts"); !regexp.MustCompile(`Responderemos antes del\s+\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre) de \d{4}`).MatchString(facts) {
			t.Fatalf("status facts without a Spanish due date:\n%s", facts)
		}
		c.shot("status-es", "")

		receipt := in.Mail.WaitFor(t, email, "Hemos recibido su solicitud de privacidad "+id)
		wantAll(t, "receipt", receipt.Text, "Hola, Ana García:", "Gracias por confirmar su correo electrónico.", "Tipo: Acceso a mis datos")
		if !regexp.MustCompile(`Responderemos antes del: (lunes|martes|miércoles|jueves|viernes|sábado|domingo), \d{1,2} de [a-z]+ de \d{4}`).MatchString(receipt.Text) {
			t.Fatalf("receipt without a Spanish due date:\n%s", receipt.Text)
		}

		staff := in.Mail.WaitFor(t, "privacy-team@kactoily.example", "New Access to my data request "+id)
		if !regexp.MustCompile(`due (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d`).MatchString(staff.Subject) {
			t.Fatalf("the support address's notice is not in English: %q", staff.Subject)
		}

		// The visitor switches to English: the pages follow, the request's emails do not.
		status := strings.TrimPrefix(c.location(), in.URL)
		if code := c.follow(`nav.langs a[hreflang=en]`); code != 200 {
			t.Fatalf("switch to English: %d", code)
		}
		c.wantLang("en")
		c.wantText("h1", "Request "+id)
		if code := c.open(status); code != 200 {
			t.Fatalf("status page again: %d", code)
		}
		c.wantLang("en") // remembered in the cookie
		if code := c.follow(`form.danger-zone button[type=submit]`); code != 200 {
			t.Fatalf("cancel: %d", code)
		}
		if code := c.follow(`form.confirm-form button.danger`); code != 200 {
			t.Fatalf("confirm cancel: %d", code)
		}
		c.wantText(`.notice.ok[role=status]`, "Your request is cancelled.")
		cancelled := in.Mail.WaitFor(t, email, "Su solicitud de privacidad "+id+" está cancelada")
		wantAll(t, "cancellation email", cancelled.Text, "Tal como nos pidió, hemos cancelado su solicitud "+id+" (Acceso a mis datos).")
	})
}

// TestBrowserGermanSwitcherJourney: a browser in English picks Deutsch in
// the switcher; the choice sticks across pages, the deletion request it
// files is confirmed from a German email, and when an agent (whose pages
// stay English) denies it, the denial email is German too.
func TestBrowserGermanSwitcherJourney(t *testing.T) {
	chromium(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect, "--demo")
		const email = "jonas.becker@example.com"
		c := newBrowser(t, in)
		c.acceptLanguage("en-US,en;q=0.9")
		if code := c.open("/requests/new?type=deletion"); code != 200 {
			t.Fatalf("request form: %d", code)
		}
		c.wantLang("en")
		c.wantText("h1", "Make a privacy request")
		if code := c.follow(`nav.langs a[hreflang=de]`); code != 200 {
			t.Fatalf("Deutsch: %d", code)
		}
		c.wantLang("de")
		c.wantText("h1", "Datenschutzanfrage stellen")
		if !eval[bool](c, `!!document.querySelector("input[name=type][value=deletion]:checked")`) {
			t.Fatal("switching language lost the chosen type")
		}
		c.shot("request-form-de", "")
		if code := c.open("/"); code != 200 {
			t.Fatalf("privacy center: %d", code)
		}
		c.wantLang("de") // the cookie remembers the switch
		c.wantText("h1", "Ihre Daten, Ihre Entscheidung")
		c.open("/requests/new?type=deletion")
		c.fill("#name", "Jonas Becker")
		c.fill("#email", email)
		if code := c.follow(`form.form button[type=submit]`); code != 200 || c.path() != "/requests/received" {
			t.Fatalf("absenden: %d at %s", code, c.path())
		}
		c.wantText("h1", "Sehen Sie in Ihr E-Mail-Postfach")

		confirm := in.Mail.WaitFor(t, email, "Bestätigen Sie Ihre Datenschutzanfrage")
		id := regexpFind(t, `PD-[0-9A-Z]{5}-[0-9A-Z]{5}`, confirm.Subject)
		wantAll(t, "confirmation email", confirm.Text, "Guten Tag,", "die personenbezogenen Daten zu löschen",
			"innerhalb von 24 Stunden", "innerhalb von 30 Tagen")
		if got := storedLang(t, in, id); got != "de" {
			t.Fatalf("request %s stored in %q, want de", id, got)
		}
		if code := c.open(confirm.Link("/requests/verify?token=")); code != 200 {
			t.Fatalf("confirmation link: %d", code)
		}
		c.wantText("h1", "Bestätigen Sie Ihre Anfrage")
		if code := c.follow(`form.confirm-form button[type=submit]`); code != 200 || c.path() != "/requests/"+id+"/status" {
			t.Fatalf("bestätigen: %d at %s", code, c.path())
		}
		c.wantText("h1", "Anfrage "+id)
		c.wantText("ol.timeline", "E-Mail-Adresse bestätigt")
		if facts := c.text(".facts"); !regexp.MustCompile(`Wir antworten bis\s+\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}`).MatchString(facts) {
			t.Fatalf("status facts without a German due date:\n%s", facts)
		}
		c.shot("status-de", "")
		receipt := in.Mail.WaitFor(t, email, "Wir haben Ihre Datenschutzanfrage "+id+" erhalten")
		wantAll(t, "receipt", receipt.Text, "Guten Tag Jonas Becker,", "Art: Meine Daten löschen", "genehmigt die Löschung")

		agentEmail, agentPass := demoLogin(t, in, "agent")
		agent := newBrowser(t, in)
		agent.acceptLanguage("de-DE,de;q=0.9")
		agent.signIn(agentEmail, agentPass)
		if code := agent.open("/staff/requests/" + id); code != 200 {
			t.Fatalf("request page: %d", code)
		}
		agent.wantLang("en") // staff pages stay English whatever the browser asks
		agent.wantText("#request-lang", "Deutsch")
		agent.click(`#deny-form > summary`)
		agent.click(`#deny-form input[name=reason_choice]:not(#deny-own)`)
		if code := agent.follow(`#deny-form form button[type=submit]`); code != 200 {
			t.Fatalf("deny: %d", code)
		}
		agent.wantText(`.notice.ok[role=status]`, "Request denied")
		denial := in.Mail.WaitFor(t, email, "Zu Ihrer Datenschutzanfrage "+id)
		wantAll(t, "denial email", denial.Text, "Wir konnten Ihre Anfrage "+id+" (Meine Daten löschen) nicht ausführen.",
			"Widerspruch gegen diese Entscheidung", "innerhalb von 45 Tagen", "Unsere Begründung: Wir konnten nicht bestätigen")
		c.open(denial.Link("/status?token="))
		c.wantText(".notice.error", "Widerspruch gegen diese Entscheidung einlegen")
		c.wantText(".notice.error", "Wir konnten nicht bestätigen, dass Sie die Person sind") // the standard reason staff picked
		c.shot("status-denied-de", ".notice.error")
	})
}
