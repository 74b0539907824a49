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

// verifyInBrowser opens the nth confirmation link emailed to the address and
// checks the status page it leads to; it returns the request id and the
// status page's path with its token.
func verifyInBrowser(b *browser, email string, nth int) (id, statusPath string) {
	b.t.Helper()
	in := b.in
	msg := in.Mail.WaitForNth(b.t, email, "Confirm your privacy request", nth)
	id = regexpFind(b.t, `PD-[0-9A-Z]{5}-[0-9A-Z]{5}`, msg.Subject)
	link := msg.Link("/requests/verify?token=")
	if code := b.open(link); code != 200 || b.path() != "/requests/"+id+"/status" {
		b.t.Fatalf("confirmation link: %d at %s", code, b.location())
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
		customer.shot("request-form-errors", "")

		n := fileInBrowser(customer, "access", "Alex Morgan", demo.AlexMorganEmail, "Orders since 2024, please.")
		customer.wantText("h1", "Check your email")
		id, statusPath := verifyInBrowser(customer, demo.AlexMorganEmail, n)
		customer.shot("status", "")

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
		agent.wantText("section[aria-labelledby=found]", "order_line")
		agent.shot("request", "")
		approve(agent)

		done := in.Mail.WaitFor(t, demo.AlexMorganEmail, "Your data from Kactoily is ready")
		code, zipBody := get(t, in.Client, done.Link("/download?token="))
		if code != 200 {
			t.Fatalf("download: %d", code)
		}
		checkExport(t, []byte(zipBody), demo.AlexMorganEmail, demo.JaneDoeEmail)
		customer.open(statusPath)
		customer.reloadUntil("status page says completed", `!!document.querySelector(".facts .status-completed")`)
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
		plan := admin.text("section[aria-labelledby=plan]")
		for _, want := range []string{"Erasure plan", "account", "orders", "delete", "anonymize"} {
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
		code, zipBody := get(t, in.Client, again.Link("/download?token="))
		if code != 200 {
			t.Fatalf("download after erasure: %d", code)
		}
		for name, body := range unzip(t, []byte(zipBody)) {
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
		customer.click(`input[name=scopes][value=marketing_email]`)
		fileInBrowser(customer, "opt_out", "Sam Rivera", email, "")
		customer.wantText("h1", "Your opt-out is in effect")

		done := in.Mail.WaitFor(t, email, "Your opt-out is in effect")
		for _, want := range []string{"Marketing email", "Sale/sharing", "Global Privacy Control"} {
			if !strings.Contains(done.Text, want) {
				t.Fatalf("opt-out confirmation lacks %q:\n%s", want, done.Text)
			}
		}
		if n := in.Mail.Count(email, "Confirm your privacy request"); n != 0 {
			t.Fatalf("an opt-out was asked to confirm its email (%d messages)", n)
		}
	})
}
