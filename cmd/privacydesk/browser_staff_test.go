package main

import (
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testdb"
)

// TestBrowserStaffWorksTheQueueAndRecoversFromErrors walks the staff side
// as an agent and an admin meet it in Chromium: a search by part of a name
// finds the request and says how many matched, a search for nothing says
// so under the filter (not "every request is handled"), the Filed column
// sorts, a refused extension keeps what was typed and says the error once,
// an unknown request answers in the staff layout with a way back to the
// queue, and the report draws its charts with a table beside them.
func TestBrowserStaffWorksTheQueueAndRecoversFromErrors(t *testing.T) {
	chromium(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect, "--demo")
		first, _ := fileAndVerify(t, in, "access", "Nora Quillfeather", "nora.q@example.com")
		second, _ := fileAndVerify(t, in, "access", "Otis Brambleton", "otis.b@example.com")

		agentEmail, agentPass := demoLogin(t, in, "agent")
		agent := newBrowser(t, in)
		agent.signIn(agentEmail, agentPass)

		// Part of a name finds the one request, and the total says so.
		agent.open("/staff/queue")
		agent.fill("#q", "quillfeat")
		if code := agent.follow(`form.search button[type=submit]`); code != 200 {
			t.Fatalf("search: %d", code)
		}
		if rows := eval[int](agent, `document.querySelectorAll("table.queue tbody tr").length`); rows != 1 {
			t.Fatalf("search by part of a name shows %d rows:\n%s", rows, agent.text("table.queue"))
		}
		agent.wantText(`table.queue tbody tr:first-child td:first-child a`, first)
		agent.wantText("#total", "1–1 of 1")
		agent.wantText("#total", "matching these filters")

		// A search that matches nothing says that, with a way to clear it.
		agent.fill("#q", "zzzz-nobody")
		agent.follow(`form.search button[type=submit]`)
		agent.wantText("td.empty", "No request matches")
		if empty := agent.text("td.empty"); strings.Contains(empty, "Every open request is handled") {
			t.Fatalf("the empty search claims the queue is done: %q", empty)
		}

		// The Filed column sorts: oldest first puts the first filing on top.
		agent.open("/staff/queue")
		agent.follow(`th a.sort[href*="sort=filed"]`)
		agent.wantText(`table.queue tbody tr:first-child td:first-child a`, first)
		agent.follow(`th a.sort[href*="sort=-filed"]`)
		agent.wantText(`table.queue tbody tr:first-child td:first-child a`, second)

		// A refused extension shows the form again, open, with what was typed.
		agent.open("/staff/requests/" + first)
		agent.click(`#extend-form > summary`)
		agent.fill("#days", "99")
		agent.fill("#ext-reason", "Waiting on the warehouse archive.")
		if code := agent.follow(`form[action$="/extend"] button[type=submit]`); code != 422 {
			t.Fatalf("extend by 99 days: %d, want 422", code)
		}
		if v := eval[string](agent, `document.querySelector("#ext-reason").value`); v != "Waiting on the warehouse archive." {
			t.Fatalf("the typed reason is lost: %q", v)
		}
		if open := eval[bool](agent, `document.querySelector("#extend-form").open`); !open {
			t.Fatal("the extend form is closed after its error")
		}
		if n := strings.Count(agent.text("main"), "Extend by 1 to"); n != 1 {
			t.Fatalf("the error is shown %d times, want once:\n%s", n, agent.text("main"))
		}

		// An unknown request stays in the staff layout and leads back to the queue.
		if code := agent.open("/staff/requests/PD-00000-00000"); code != 404 {
			t.Fatalf("unknown request: %d", code)
		}
		agent.wantText("header", "Sign out")
		if code := agent.follow(`a[href="/staff/queue"].button`); code != 200 || agent.path() != "/staff/queue" {
			t.Fatalf("back to the queue: %d at %s", code, agent.path())
		}

		// The report draws volume, on-time and overdue charts, each with a table.
		adminEmail, adminPass := demoLogin(t, in, "admin")
		admin := newBrowser(t, in)
		admin.signIn(adminEmail, adminPass)
		if code := admin.open("/staff/reports"); code != 200 {
			t.Fatalf("report: %d", code)
		}
		if n := eval[int](admin, `document.querySelectorAll("figure.svg-chart svg[role=img]").length`); n < 3 {
			t.Fatalf("report draws %d charts, want volume, on-time and overdue", n)
		}
		admin.shot("report-charts", "figure.svg-chart")
		if code := admin.open("/staff/reports?from=yesterday"); code != 422 {
			t.Fatalf("bad report period: %d, want 422", code)
		}
		admin.wantText("main", "YYYY-MM-DD")
		admin.wantText("header", "Sign out")
	})
}
