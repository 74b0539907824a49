package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// TestDRPStaffSeeAgentRequestsAndManageAgents shows staff the agent's
// name on its request, the queue filtered by channel, the report's agent
// count, and the admin page adding an agent (and refusing a bad key).
func TestDRPStaffSeeAgentRequestsAndManageAgents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := drpApp(t, dialect)
		cr := newDRPAgent(t, "CR_AA_DRP_ID_001", 0)
		addAgent(t, a, cr, "agent.example")
		cr.pair(t, a)
		_, st := drpDo(t, a, http.MethodPost, "/v1/data-rights-request", cr.token, cr.sign(cr.exercise(t, a.Clock.Now(), "access", demo.AlexMorganEmail, nil)))
		id, _ := st["request_id"].(string)
		if _, err := a.Svc.Submit(context.Background(), workflowsWebAccess(demo.JaneDoeNetEmail)); err != nil {
			t.Fatal(err)
		}
		pw := a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		c := a.NewClient()
		a.Login(t, c, "admin@kactoily.example", pw)
		get := func(path string) string {
			resp, err := c.Get(a.URL() + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, b)
			}
			return string(b)
		}
		if page := get("/staff/requests/" + id); !strings.Contains(page, "(Agent CR_AA_DRP_ID_001, CR_AA_DRP_ID_001)") {
			t.Fatal("the request page does not name the agent")
		}
		agentQueue, webQueue := get("/staff/queue?hidden=true&channel=agent"), get("/staff/queue?hidden=true&channel=web")
		if !strings.Contains(agentQueue, id) || strings.Contains(webQueue, id) || strings.Contains(agentQueue, demo.JaneDoeNetEmail) {
			t.Fatal("the channel filter does not separate agent from web requests")
		}
		if resp, err := c.Get(a.URL() + "/staff/queue?channel=fax"); err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("unknown channel filter: %v %v, want 400", resp, err)
		} else {
			resp.Body.Close()
		}
		if !strings.Contains(get("/staff/reports"), "Filed by authorized agents (Data Rights Protocol): <strong>1</strong>") {
			t.Fatal("the report does not count the agent request")
		}
		post := func(form url.Values) int {
			req, _ := http.NewRequest(http.MethodPost, a.URL()+"/staff/admin/agents", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		other := newDRPAgent(t, "OTHER_AGENT", 1)
		if code := post(url.Values{"id": {other.id}, "name": {"Other Agent"}, "verify_key": {"short"}}); code != http.StatusUnprocessableEntity {
			t.Fatalf("bad key: %d, want 422", code)
		}
		if code := post(url.Values{"id": {other.id}, "name": {"Other Agent"}, "verify_key": {other.verifyKey()}, "callback_hosts": {"other.example"}}); code != http.StatusSeeOther {
			t.Fatalf("add agent: %d, want 303", code)
		}
		if page := get("/staff/admin/agents"); !strings.Contains(page, "Other Agent") || !strings.Contains(page, "other.example") {
			t.Fatal("the admin page does not list the new agent")
		}
		other.pair(t, a)
	})
}

func workflowsWebAccess(email string) workflows.NewRequest {
	return workflows.NewRequest{Type: models.TypeAccess, Email: email, Name: "Jane Doe"}
}
