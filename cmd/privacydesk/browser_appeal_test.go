package main

import (
	"testing"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
)

// TestBrowserAppealJourney: an agent denies a request; the customer opens
// the denial email's "Appeal this decision" link and appeals with a reason;
// the agent who denied sees the appeal but no decide form; an admin
// overturns it with a written answer, which the customer gets by email and
// reads on the status page, where the request is open again.
func TestBrowserAppealJourney(t *testing.T) {
	chromium(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect, "--demo")
		id, _ := fileAndVerify(t, in, "access", "Jane Doe", demo.JaneDoeEmail)

		agentEmail, agentPass := demoLogin(t, in, "agent")
		agent := newBrowser(t, in)
		agent.signIn(agentEmail, agentPass)
		if code := agent.open("/staff/requests/" + id); code != 200 {
			t.Fatalf("request page: %d", code)
		}
		agent.click(`#deny-form > summary`)
		agent.click(`#deny-form input[name=reason_choice]:not(#deny-own)`)
		if code := agent.follow(`#deny-form form button[type=submit]`); code != 200 {
			t.Fatalf("deny: %d", code)
		}
		agent.wantText(`.notice.ok[role=status]`, "Request denied")

		denial := in.Mail.WaitFor(t, demo.JaneDoeEmail, "About your privacy request "+id)
		customer := newBrowser(t, in)
		if code := customer.open(denial.Link("/status?token=")); code != 200 {
			t.Fatalf("denial email's link: %d", code)
		}
		customer.wantText(".notice.error", "appeal this decision")
		// Sent empty, the browser's own check keeps the form: fill it in.
		customer.fill("#reason", "The earlier request was my sister's, not mine.")
		if code := customer.follow(`form.appeal-form button[type=submit]`); code != 200 || customer.path() != "/requests/"+id+"/status" {
			t.Fatalf("appeal: %d at %s", code, customer.path())
		}
		customer.wantText(`.notice.ok[role=status]`, "Your appeal is filed")
		customer.wantText(".appeal-box", "Under review")
		customer.shot("status-appeal", ".appeal-box")
		in.Mail.WaitFor(t, demo.JaneDoeEmail, "We have your appeal about request "+id)

		agent.open("/staff/requests/" + id)
		agent.wantText("#appeal-form", "different staff member must decide")
		if agent.visible(`#appeal-form form`) {
			t.Fatal("the agent who denied is offered the decide form")
		}

		adminEmail, adminPass := demoLogin(t, in, "admin")
		admin := newBrowser(t, in)
		admin.signIn(adminEmail, adminPass)
		if code := admin.open("/staff/queue?appeal=open"); code != 200 {
			t.Fatalf("open appeals: %d", code)
		}
		admin.wantText("table.queue", id)
		admin.open("/staff/requests/" + id)
		admin.wantText("#appeal-form", "my sister's")
		admin.click(`#appeal-form input[name=decision][value=overturn]`)
		admin.fill("#appeal-answer", "You are right; we will send your data.")
		if code := admin.follow(`#appeal-form form button[type=submit]`); code != 200 {
			t.Fatalf("decide: %d", code)
		}
		admin.wantText(`.notice.ok[role=status]`, "Appeal decided")
		admin.wantText(".req-head", "in progress")

		answer := in.Mail.WaitFor(t, demo.JaneDoeEmail, "Our answer to your appeal about request "+id)
		if code := customer.open(answer.Link("/status?token=")); code != 200 {
			t.Fatalf("answer email's link: %d", code)
		}
		customer.wantText(".appeal-box", "Overturned")
		customer.wantText(".appeal-box", "we will send your data")
		customer.wantText("ol.timeline", "denial is overturned")
	})
}
