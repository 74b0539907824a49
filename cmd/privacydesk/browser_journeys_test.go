package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
)

// fileInBrowser fills in /requests/new (already open) as a customer would
// and sends it; it returns how many confirmation emails the address should get.
func fileInBrowser(b *browser, typ, name, email, details string) (confirmations int) {
	b.t.Helper()
	confirmations = b.in.Mail.Count(email, "Confirm your privacy request") + 1
	b.click(`input[name=type][value=` + typ + `]`)
	b.fill("#name", name)
	b.fill("#email", email)
	if details != "" {
		b.fill("#details", details)
	}
	if code := b.follow(`form.form button[type=submit]`); code != 200 || b.path() != "/requests/received" {
		b.t.Fatalf("send the %s request: %d at %s\n%s", typ, code, b.path(), b.text("main"))
	}
	return confirmations
}

// verifyInBrowser opens the nth confirmation link emailed to the address,
// checks that the page it opens changed nothing, presses its "Confirm my
// request" button and checks the status page it leads to; it returns the
// request id and the status page's path with its token.
func verifyInBrowser(b *browser, email string, nth int) (id, statusPath string) {
	b.t.Helper()
	in := b.in
	msg := in.Mail.WaitForNth(b.t, email, "Confirm your privacy request", nth)
	id = regexpFind(b.t, `PD-[0-9A-Z]{5}-[0-9A-Z]{5}`, msg.Subject)
	link := msg.Link("/requests/verify?token=")
	if code := b.open(link); code != 200 || b.path() != "/requests/verify" {
		b.t.Fatalf("confirmation link: %d at %s", code, b.location())
	}
	b.wantText("h1", "Confirm your request")
	b.wantText(".facts", id)
	if n := in.Mail.Count(email, "We have your privacy request "+id); n != 0 {
		b.t.Fatalf("opening the link confirmed the request (%d receipts)", n)
	}
	if proof := proofFor(b.t, in, email); proof != "" { // a store customer also proves an order or a device
		b.wantText("label[for=proof]", "Your order number or a product serial number")
		b.fill("#proof", proof)
	}
	if code := b.follow(`form.confirm-form button[type=submit]`); code != 200 || b.path() != "/requests/"+id+"/status" {
		b.t.Fatalf("confirm button: %d at %s", code, b.location())
	}
	b.wantText("h1", "Request "+id)
	b.wantText(`.notice.ok[role=status]`, "your email is confirmed")
	b.wantText("ol.timeline", "Email confirmed")
	return id, strings.TrimPrefix(b.location(), in.URL)
}

// openFromQueue checks the request is the first row of the queue and opens
// it, saving a screenshot of the queue as shot if not "".
func openFromQueue(b *browser, id, shot string) {
	b.t.Helper()
	if code := b.open("/staff/queue"); code != 200 {
		b.t.Fatalf("queue: %d", code)
	}
	if top := b.text(`table.queue tbody tr:first-child td:first-child a`); top != id {
		b.t.Fatalf("top of the queue is %q, want %s:\n%s", top, id, b.text("table.queue"))
	}
	if shot != "" {
		b.shot(shot, "")
	}
	if code := b.follow(`table.queue tbody tr:first-child td:first-child a`); code != 200 || b.path() != "/staff/requests/"+id {
		b.t.Fatalf("open %s from the queue: %d at %s", id, code, b.path())
	}
}

// collectedJS holds once every source is collected and the request awaits approval.
const collectedJS = `(() => {
	const rows = document.querySelectorAll("section[aria-labelledby=found] tbody tr");
	return !!document.querySelector(".req-head .status-awaiting_approval") && rows.length === 5 &&
		[...rows].every(r => r.cells[1].textContent.trim() === "collected"); })()`

// approve opens the "Approve…" confirmation on the request page and confirms it.
func approve(b *browser) {
	b.t.Helper()
	b.click(`details.confirm > summary.ok`)
	if code := b.follow(`details.confirm[open] form[action$="/approve"] button[type=submit]`); code != 200 {
		b.t.Fatalf("approve: %d", code)
	}
	b.wantText(`.notice.ok[role=status]`, "pproved")
}

// TestBrowserAccessJourney: a customer files an access request in the
// browser (first with every field missing), confirms it from the email and
// sees the status page; an agent in another profile finds it at the top of
// the queue, reads what was collected and approves; the customer downloads a
// ZIP of their records from the completion email.
func TestBrowserAccessJourney(t *testing.T) {
	chromium(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect, "--demo")
		customer := newBrowser(t, in)
		if code := customer.open("/"); code != 200 {
			t.Fatalf("privacy center: %d", code)
		}
		customer.wantText("h1", "Your data, your choice")
		customer.shot("home", "")
		if code := customer.follow(`header nav a[href="/requests/new"]`); code != 200 || customer.path() != "/requests/new" {
			t.Fatalf("make a request: %d at %s", code, customer.path())
		}

		// Sent empty, the form comes back with a summary and a message per field.
		if code := customer.follow(`form.form button[type=submit]`); code != 422 {
			t.Fatalf("empty form: got %d, want 422", code)
		}
		for sel, want := range map[string]string{
			"#form-error": "Please correct", "#type-error": "Choose what", "#name-error": "Enter your name", "#email-error": "Enter your email",
		} {
			if !customer.visible(sel) {
				t.Fatalf("%s is not visible on the form with errors", sel)
			}
			customer.wantText(sel, want)
		}
		links := eval[string](customer, `[...document.querySelectorAll("#form-error li a")].map(a => a.hash).join(" ")`)
		if links != "#type #name #email" {
			t.Fatalf("error summary links %q, want the fields in form order", links)
		}
		if eval[string](customer, `document.querySelector("#name").getAttribute("aria-describedby")`) != "name-error" {
			t.Fatal("the name field is not described by its error")
		}
		if focused := eval[string](customer, `document.activeElement && document.activeElement.id`); focused != "form-error" {
			t.Fatalf("after the failed submit the focus is on %q, want the error summary", focused)
		}
		customer.shot("request-form-errors", "")
		// The opt-out scopes show only for an opt-out: hidden (so not tabbable) for access.
		customer.click(`input[name=type][value=access]`)
		if customer.visible(".scopes") {
			t.Fatal("the opt-out scopes are visible for an access request")
		}
		customer.click(`input[name=type][value=opt_out]`)
		if !customer.visible(".scopes") {
			t.Fatal("the opt-out scopes are hidden for an opt-out")
		}

		n := fileInBrowser(customer, "access", "Alex Morgan", demo.AlexMorganEmail, "Orders since 2024, please.")
		customer.wantText("h1", "Check your email")
		customer.wantText(".facts", demo.AlexMorganEmail)
		id, statusPath := verifyInBrowser(customer, demo.AlexMorganEmail, n)
		customer.shot("status", "")
		// The used link now says so, and gives no new way into the request.
		if code := customer.open(in.Mail.WaitForNth(t, demo.AlexMorganEmail, "Confirm your privacy request", n).Link("/requests/verify?token=")); code != 410 {
			t.Fatalf("used confirmation link: %d, want 410", code)
		}
		customer.wantText("h1", "Already confirmed")
		customer.wantText("main", id)
		if eval[bool](customer, `!!document.querySelector('main a[href*="/status"], main form')`) {
			t.Fatal("the used link's page leads to the status page")
		}

		// Two requests confirmed later, so due later: the queue must put ours first.
		fileAndVerify(t, in, "deletion", "Jane Doe", demo.JaneDoeEmail)
		fileAndVerify(t, in, "access", "Jane Doe", demo.JaneDoeNetEmail)

		agentEmail, agentPass := demoLogin(t, in, "agent")
		agent := newBrowser(t, in)
		agent.signIn(agentEmail, agentPass)
		openFromQueue(agent, id, "queue")
		agent.wantText(".kv", "Alex Morgan")
		agent.wantText(".kv", "Orders since 2024, please.")
		agent.reloadUntil("every source collected", collectedJS)
		agent.wantText("section[aria-labelledby=found]", "order lines")
		agent.shot("request", "")
		approve(agent)

		done := in.Mail.WaitFor(t, demo.AlexMorganEmail, "Your data from Kactoily is ready")
		if code := customer.open(done.Link("/download?token=")); code != 200 {
			t.Fatalf("download link: %d", code)
		}
		customer.wantText("h1", "Download your data")
		customer.wantText(".facts", "5")
		zipBody := customer.downloadClick(`form.confirm-form button[type=submit]`)
		checkExport(t, zipBody, demo.AlexMorganEmail, demo.JaneDoeEmail)

		// The status page has the download box: until when, how many left,
		// and a fresh link to the confirmed address.
		customer.open(statusPath)
		customer.reloadUntil("status page says completed", `!!document.querySelector(".facts .status-completed")`)
		customer.reloadUntil("the download is counted", `document.querySelector(".download-box .uses-left")?.textContent === "4"`)
		customer.wantText(".download-box", "Available until")
		if eval[bool](customer, `!![...document.querySelectorAll(".facts dt")].find(d => d.textContent.includes("answer by"))`) {
			t.Fatal("the completed request still shows a due date")
		}
		customer.shot("status-download", ".download-box")
		if code := customer.follow(`.download-box form button[type=submit]`); code != 200 {
			t.Fatalf("fresh download link: %d", code)
		}
		customer.wantText(`.notice.ok[role=status]`, "fresh download link")
		fresh := in.Mail.WaitForNth(t, demo.AlexMorganEmail, "Your data from Kactoily is ready", 2)
		if code := customer.open(fresh.Link("/download?token=")); code != 200 {
			t.Fatalf("fresh download link: %d", code)
		}
		customer.wantText(".facts", "5")
		checkExport(t, customer.downloadClick(`form.confirm-form button[type=submit]`), demo.AlexMorganEmail, demo.JaneDoeEmail)
	})
}

// TestBrowserDeletionJourney: a customer asks for deletion in the browser;
// a privacy admin reads the erasure plan and approves; the compliance report
// counts it; a later access request finds only what the retention policy
// kept, anonymized.
func TestBrowserDeletionJourney(t *testing.T) {
	chromium(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect, "--demo")
		customer := newBrowser(t, in)
		customer.open("/requests/new?type=deletion")
		if !eval[bool](customer, `document.querySelector("input[name=type][value=deletion]").checked`) {
			t.Fatal("the deletion card does not preselect deletion")
		}
		n := fileInBrowser(customer, "deletion", "Jane Doe", demo.JaneDoeEmail, "")
		id, statusPath := verifyInBrowser(customer, demo.JaneDoeEmail, n)

		adminEmail, adminPass := demoLogin(t, in, "admin")
		admin := newBrowser(t, in)
		admin.signIn(adminEmail, adminPass)
		openFromQueue(admin, id, "")
		admin.reloadUntil("every source collected", collectedJS)
		plan := strings.ToLower(admin.text("section[aria-labelledby=plan]"))
		for _, want := range []string{"erasure plan", "account", "orders", "delete", "anonymize"} {
			if !strings.Contains(plan, want) {
				t.Fatalf("erasure plan lacks %q:\n%s", want, plan)
			}
		}
		admin.shot("erasure-plan", "section[aria-labelledby=plan]")
		admin.wantText("details.confirm > summary.ok", "Approve")
		admin.click(`details.confirm > summary.ok`)
		admin.wantText(`details.confirm[open] form[action$="/approve"]`, "cannot be undone")
		if code := admin.follow(`details.confirm[open] form[action$="/approve"] button[type=submit]`); code != 200 {
			t.Fatalf("approve deletion: %d", code)
		}

		summary := in.Mail.WaitFor(t, demo.JaneDoeEmail, "We have deleted your data")
		if !strings.Contains(summary.Text, "What we kept, and until when") {
			t.Fatalf("deletion summary lacks what was kept:\n%s", summary.Text)
		}
		admin.reloadUntil("erasure result shown", `!!document.querySelector("section[aria-labelledby=done]") &&
			!!document.querySelector(".req-head .status-completed")`)
		// What was kept is anonymized: the orders stay for the accounting period.
		result := admin.text("section[aria-labelledby=done]")
		if !strings.Contains(result, "orders") || !strings.Contains(result, "anonymize") {
			t.Fatalf("erasure result does not show the anonymized orders kept:\n%s", result)
		}
		customer.open(statusPath)
		customer.wantText(".facts", "completed")
		customer.wantText(".facts", "Closed")

		if code := admin.open("/staff/reports"); code != 200 {
			t.Fatalf("report: %d", code)
		}
		admin.wantText("h1", "Compliance report")
		admin.wantText("table.report", "Delete my data")
		admin.shot("report", "")

		// Afterwards an access request finds only what retention kept, anonymized:
		// nothing that still names Jane or leads back to her.
		id, tok := fileAndVerify(t, in, "access", "Jane Doe", demo.JaneDoeEmail)
		waitStatus(t, in, id, tok, "awaiting_approval")
		admin.open("/staff/requests/" + id)
		admin.reloadUntil("every source collected", collectedJS)
		found := eval[string](admin, `document.querySelector("section[aria-labelledby=found]").textContent`)
		if strings.Contains(found, "Jane") || strings.Contains(found, demo.JaneDoeEmail) {
			t.Fatalf("after erasure the preview still shows Jane's data:\n%s", found)
		}
		approve(admin)
		again := in.Mail.WaitForNth(t, demo.JaneDoeEmail, "Your data from Kactoily is ready", 1)
		if code := customer.open(again.Link("/download?token=")); code != 200 {
			t.Fatalf("download link after erasure: %d", code)
		}
		zipBody := customer.downloadClick(`form.confirm-form button[type=submit]`)
		for name, body := range unzip(t, zipBody) {
			if strings.HasPrefix(name, "data/") && (bytes.Contains(body, []byte(demo.JaneDoeEmail)) || bytes.Contains(body, []byte("Jane"))) {
				t.Fatalf("after erasure %s still holds Jane's data:\n%.500s", name, body)
			}
		}
	})
}

// TestBrowserOptOutWithGPC: a browser sending Sec-GPC: 1 is told its signal
// counts, opts out of marketing email, and the opt-out is in effect at once:
// no confirmation link, a confirmation email listing sale/sharing too.
func TestBrowserOptOutWithGPC(t *testing.T) {
	chromium(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect)
		const email = "sam.rivera@example.org"
		customer := newBrowser(t, in)
		customer.sendGPC()
		customer.open("/")
		customer.wantText(".hero .notice.ok", "Global Privacy Control")
		if code := customer.follow(`a[href="/requests/new?type=opt_out"]`); code != 200 {
			t.Fatalf("opt-out card: %d", code)
		}
		if !customer.visible(".scopes .hint") {
			t.Fatal("the form does not show the GPC notice")
		}
		customer.wantText(".scopes .hint", "Global Privacy Control")
		if !eval[bool](customer, `document.querySelector("input[name=scopes][value=sale_sharing]").checked`) {
			t.Fatal("under GPC the form does not start with sale/sharing ticked")
		}
		customer.click(`input[name=scopes][value=marketing_email]`)
		fileInBrowser(customer, "opt_out", "Sam Rivera", email, "")
		customer.wantText("h1", "Your opt-out is in effect")
		customer.wantText(".recorded", "Marketing email")
		customer.wantText(".recorded", "Sale/sharing")
		customer.wantText(".facts", email)

		done := in.Mail.WaitFor(t, email, "Your opt-out is in effect")
		for _, want := range []string{"Marketing email", "Sale/sharing", "Global Privacy Control"} {
			if !strings.Contains(done.Text, want) {
				t.Fatalf("opt-out confirmation lacks %q:\n%s", want, done.Text)
			}
		}
		if n := in.Mail.Count(email, "Confirm your privacy request"); n != 0 {
			t.Fatalf("an opt-out was asked to confirm its email (%d messages)", n)
		}

		// Cancelling asks first: "keep" changes nothing, "yes" cancels.
		customer.open("/requests/new?type=access")
		n := fileInBrowser(customer, "access", "Sam Rivera", email, "")
		id, statusPath := verifyInBrowser(customer, email, n)
		if code := customer.follow(`form.danger-zone button[type=submit]`); code != 200 {
			t.Fatalf("cancel button: %d", code)
		}
		customer.wantText("h1", "Cancel request "+id+"?")
		if code := customer.follow(`form.confirm-form a.button`); code != 200 || customer.path() != "/requests/"+id+"/status" {
			t.Fatalf("keep my request: %d at %s", code, customer.path())
		}
		customer.wantText(".facts", "We will answer by")
		customer.follow(`form.danger-zone button[type=submit]`)
		if code := customer.follow(`form.confirm-form button[type=submit]`); code != 200 {
			t.Fatalf("confirm cancel: %d", code)
		}
		customer.wantText(`.notice.ok[role=status]`, "Your request is cancelled.")
		customer.wantText(".facts", "Closed")
		if customer.visible("form.danger-zone") {
			t.Fatal("a cancelled request still offers to cancel")
		}
		customer.open(statusPath)
		customer.wantText(".facts .badge", "ancelled")
	})
}
