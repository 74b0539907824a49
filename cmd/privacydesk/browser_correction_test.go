package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
)

// TestBrowserCorrectionJourney: a demo customer asks in the browser for
// their name and phone to be corrected (first forgetting the new value,
// which the form refuses while keeping what was chosen), confirms from the
// email with their order number, and an admin sees the current value beside
// the requested one, accepts the name, rejects the phone with a reason and
// approves; the customer is emailed what changed and what did not, and the
// staff page shows the accepted name applied to the store's account.
func TestBrowserCorrectionJourney(t *testing.T) {
	chromium(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect, "--demo")
		customer := newBrowser(t, in)
		customer.open("/requests/new")
		customer.click(`input[name=type][value=correction]`)
		customer.fill("#name", "Alex Morgan")
		customer.fill("#email", demo.AlexMorganEmail)
		customer.do("choose the detail", chromedp.SetValue(chromedp.CSS("#correction_field"), "name"))
		if code := customer.follow(`form.form button[type=submit]`); code != 422 {
			t.Fatalf("correction without its new value: %d, want 422", code)
		}
		customer.wantText("#corrections-error", "should be")
		if v := eval[string](customer, `document.querySelector("#correction_field").value`); v != "name" {
			t.Fatalf("the chosen detail is lost after the error: %q", v)
		}
		customer.do("write the names", chromedp.SetValue(chromedp.CSS(`.correction-row:nth-of-type(1) input[name=correction_value]`), "Alexandra Morgan"))
		customer.do("choose the phone", chromedp.SetValue(chromedp.CSS(`.correction-row:nth-of-type(2) select[name=correction_field]`), "phone"))
		customer.do("write the phone", chromedp.SetValue(chromedp.CSS(`.correction-row:nth-of-type(2) input[name=correction_value]`), "+1 415 555 0199"))
		confirmations := in.Mail.Count(demo.AlexMorganEmail, "Confirm your privacy request") + 1
		if code := customer.follow(`form.form button[type=submit]`); code != 200 || customer.path() != "/requests/received" {
			t.Fatalf("send the correction: %d at %s\n%s", code, customer.path(), customer.text("main"))
		}
		id, statusPath := verifyInBrowser(customer, demo.AlexMorganEmail, confirmations)

		adminEmail, adminPass := demoLogin(t, in, "admin")
		admin := newBrowser(t, in)
		admin.signIn(adminEmail, adminPass)
		openFromQueue(admin, id, "")
		admin.reloadUntil("every source collected", collectedJS)
		admin.wantText("#correction-name .current", "Alex Morgan")
		admin.wantText("#correction-name .requested", "Alexandra Morgan")
		admin.wantText("#correction-phone .requested", "+1 415 555 0199")
		admin.shot("correction", "section[aria-labelledby=corrections]")

		admin.fill(`#correction-name input[name=reason]`, "Matches the name on your order.")
		if code := admin.follow(`#correction-name button[value=accepted]`); code != 200 {
			t.Fatalf("accept the name: %d\n%s", code, admin.text("main"))
		}
		admin.fill(`#correction-phone input[name=reason]`, "We could not confirm this number with you.")
		if code := admin.follow(`#correction-phone button[value=rejected]`); code != 200 {
			t.Fatalf("reject the phone: %d\n%s", code, admin.text("main"))
		}
		approve(admin)

		done := in.Mail.WaitFor(t, demo.AlexMorganEmail, "We have answered your correction request "+id)
		for _, want := range []string{`name: changed to "Alexandra Morgan"`, "Matches the name on your order.",
			`phone: not changed ("+1 415 555 0199" was not accepted)`, "We could not confirm this number with you."} {
			if !strings.Contains(done.Text, want) {
				t.Fatalf("completion email lacks %q:\n%s", want, done.Text)
			}
		}
		admin.reloadUntil("correction applied", `!!document.querySelector(".req-head .status-completed") &&
			document.querySelector("#correction-name").textContent.includes("applied")`)
		customer.open(statusPath)
		customer.wantText(".facts", "completed")
	})
}
