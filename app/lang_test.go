package app_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

func langOf(t *testing.T, a *testapp.App, id string) string {
	t.Helper()
	var r models.Request
	if err := a.DB.Where("id = ?", id).First(&r).Error; err != nil {
		t.Fatal(err)
	}
	return r.Lang
}

// TestAPIFilesInTheLanguageItIsGiven proves the API stores the "lang"
// field (a BCP 47 tag matched to a supported language), else the
// Accept-Language header, else English, that the confirmation email is
// written in it, and that a language it does not serve is refused with a
// field error and nothing filed.
func TestAPIFilesInTheLanguageItIsGiven(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		for _, c := range []struct {
			email, body, accept, lang, subject string
		}{
			{"fr@example.com", `"lang":"fr-CA"`, "", "fr", "Confirmez votre demande "},
			{"es@example.com", "", "es-MX,es;q=0.9", "es", "Confirme su solicitud de privacidad "},
			{"de@example.com", `"lang":"de"`, "fr", "de", "Bestätigen Sie Ihre Datenschutzanfrage "},
			{"en@example.com", "", "", "en", "Confirm your privacy request "},
		} {
			body := `{"type":"deletion","email":"` + c.email + `","name":"Kim"`
			if c.body != "" {
				body += "," + c.body
			}
			h := http.Header{}
			if c.accept != "" {
				h.Set("Accept-Language", c.accept)
			}
			id, _ := created(t, postJSON(t, a, body+"}", h))
			if got := langOf(t, a, id); got != c.lang {
				t.Errorf("%s stored in %q, want %q", c.email, got, c.lang)
			}
			a.Mail.WaitFor(t, c.email, c.subject+id)
		}
		before := snapshot(t, a)
		ans := postJSON(t, a, `{"type":"access","email":"xx@example.com","name":"Kim","lang":"tlh"}`, nil)
		if ans.Status != http.StatusUnprocessableEntity || !strings.Contains(ans.Body, `"lang":"Choose a language we write in: en, es, de, fr."`) {
			t.Fatalf("unsupported lang: %d %s", ans.Status, ans.Body)
		}
		assertUnchanged(t, a, before)
	})
}

// TestSwitcherCookieAndLookupEmailFollowTheVisitor proves ?lang= sets a
// Lax cookie that later pages honour over Accept-Language, that an unknown
// ?lang= changes nothing, and that the lookup email goes out in the
// language of the page that asked for it.
func TestSwitcherCookieAndLookupEmailFollowTheVisitor(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		fr := http.Header{"Accept-Language": {"fr-FR,fr;q=0.9"}}
		home := send(t, a, http.MethodGet, "/", "", "", fr)
		contains(t, home.Body, `<html lang="fr">`, "Vos données, votre choix", `href="/?lang=de" hreflang="de"`)
		if strings.Contains(home.Header.Get("Set-Cookie"), "pd_lang") {
			t.Fatal("a page without ?lang= set the language cookie")
		}
		if v := home.Header.Get("Vary"); !strings.Contains(v, "Accept-Language") {
			t.Errorf("Vary %q lacks Accept-Language", v)
		}
		bad := send(t, a, http.MethodGet, "/?lang=<script>", "", "", fr)
		contains(t, bad.Body, `<html lang="fr">`)
		sw := send(t, a, http.MethodGet, "/requests/lookup?lang=de", "", "", fr)
		ck := sw.Header.Get("Set-Cookie")
		if !strings.Contains(ck, "pd_lang=de") || !strings.Contains(ck, "SameSite=Lax") {
			t.Fatalf("switcher cookie %q", ck)
		}
		contains(t, sw.Body, `<html lang="de">`, "Meine Anfragen finden")
		withCookie := http.Header{"Accept-Language": {"fr"}, "Cookie": {"pd_lang=de"}}
		page := send(t, a, http.MethodGet, "/requests/lookup", "", "", withCookie)
		contains(t, page.Body, `<html lang="de">`)

		id := fileAccess(t, a, "lu@example.com", "Lu")
		ans := postForm(t, a, "/requests/lookup", url.Values{"email": {"lu@example.com"}}, withCookie)
		contains(t, ans.Body, "Wenn wir Anfragen dieser Adresse haben")
		msg := a.Mail.WaitFor(t, "lu@example.com", "Ihre Datenschutzanfragen bei")
		contains(t, msg.Text, id+" · Auskunft über meine Daten · eingereicht am ", "wartet auf Bestätigung der E-Mail-Adresse")
		if got := langOf(t, a, id); got != "en" {
			t.Errorf("the lookup changed the request's own language to %q", got)
		}
	})
}

// TestFormErrorsSpeakTheVisitorsLanguage proves a refused form shows the
// summary and each field's error in the page's language.
func TestFormErrorsSpeakTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		es := http.Header{"Accept-Language": {"es"}}
		ans := postForm(t, a, "/requests/new", url.Values{"email": {"not-an-address"}}, es)
		if ans.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty form: %d", ans.Status)
		}
		contains(t, ans.Body, "Corrija los campos señalados, por favor.", "Elija qué desea que hagamos",
			"Introduzca su nombre.", "Introduzca un correo electrónico válido, como nombre@example.com.")
		if strings.Contains(ans.Body, "Enter your name.") {
			t.Error("an English field error on the Spanish page")
		}
		missing := send(t, a, http.MethodGet, "/no/such/page", "", "", http.Header{"Accept-Language": {"fr"}})
		contains(t, missing.Body, "Page introuvable", "Nous n&#39;avons pas trouvé cette page.")
	})
}

// TestSwitcherLinksStayOnTheSite proves the language switcher of a page
// reached by a path that starts with several slashes (a link an attacker
// can send: https://privacy.example//evil.example/) points at this site,
// never at the protocol-relative //evil.example/, which a browser would
// open as another site.
func TestSwitcherLinksStayOnTheSite(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		for _, p := range []string{"//evil.example/", "//evil.example", "///evil.example/requests/new", "//evil.example/?lang=es"} {
			page := requestLine(t, a, p)
			if !strings.Contains(page, `hreflang="de"`) {
				t.Fatalf("GET %s: no language switcher on the page:\n%s", p, page)
			}
			for _, bad := range []string{`href="//`, `href="/\`} {
				if strings.Contains(page, bad) {
					t.Errorf("GET %s: a switcher link leaves the site (%s…)", p, bad)
				}
			}
		}
	})
}

// requestLine sends "GET target HTTP/1.1" with target exactly as written
// (Go's client would turn a target that starts with // into a host) and
// returns the whole answer.
func requestLine(t *testing.T, a *testapp.App, target string) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, strings.TrimPrefix(a.URL(), "http://")); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
