package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
)

func TestReceiptCheckPageSpeaksTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	a := testapp.New(t, "sqlite", roomy)
	es := send(t, a, http.MethodGet, "/receipts/verify", "", "", hdr("Accept-Language", "es-ES,es;q=0.9"))
	contains(t, es.Body, "Comprobar un recibo", "El texto del recibo")
	lacks(t, es.Body, "Check the receipt")

	form := url.Values{"receipt": {`{"receipt":{}}`}}
	de := send(t, a, http.MethodPost, "/receipts/verify", "application/x-www-form-urlencoded", form.Encode(),
		hdr("Accept-Language", "de", "Sec-Fetch-Site", "same-origin"))
	contains(t, de.Body, "Keine gültige Quittung.", "Dies ist keine korrekt aufgebaute Quittung von uns.")
	lacks(t, de.Body, "not a well-formed receipt")

	empty := send(t, a, http.MethodPost, "/receipts/verify", "application/x-www-form-urlencoded", "receipt=",
		hdr("Accept-Language", "fr", "Sec-Fetch-Site", "same-origin"))
	wantStatus(t, empty, http.StatusUnprocessableEntity, "")
	if !strings.Contains(empty.Body, "Collez le texte du reçu ou choisissez son fichier.") {
		t.Fatalf("the empty form's error is not in French:\n%s", empty.Body)
	}
}
