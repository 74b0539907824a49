package app_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

func TestCorrectionFilingRefusesUnknownFieldsAndEmptyValuesByAPIAndForm(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, roomy)
		cases := []struct {
			name        string
			corrections string // JSON list
			typ         string
			status      int
		}{
			{"unknown field", `[{"field":"shoe_size","value":"42"}]`, "correction", http.StatusUnprocessableEntity},
			{"empty value", `[{"field":"name","value":"  "}]`, "correction", http.StatusUnprocessableEntity},
			{"no field at all", `[]`, "correction", http.StatusUnprocessableEntity},
			{"bad email", `[{"field":"email","value":"not-an-address"}]`, "correction", http.StatusUnprocessableEntity},
			{"same field twice", `[{"field":"phone","value":"+1 555 0100"},{"field":"phone","value":"+1 555 0101"}]`, "correction", http.StatusUnprocessableEntity},
			{"corrections on an access request", `[{"field":"name","value":"Ana B"}]`, "access", http.StatusUnprocessableEntity},
			{"name and address", `[{"field":"name","value":"Ana B"},{"field":"address","value":"1 New Road, Springfield"}]`, "correction", http.StatusAccepted},
		}
		for _, tc := range cases {
			t.Run("api "+tc.name, func(t *testing.T) {
				before := a.Count(t, &models.Correction{})
				ans := postJSON(t, a, `{"type":"`+tc.typ+`","email":"ana@example.com","name":"Ana","corrections":`+tc.corrections+`}`, nil)
				if ans.Status != tc.status {
					t.Fatalf("status %d (%s), want %d", ans.Status, ans.Body, tc.status)
				}
				after := a.Count(t, &models.Correction{})
				if tc.status != http.StatusAccepted {
					if e := decodeAPIError(t, ans); e.Error.Fields["corrections"] == "" {
						t.Errorf("error %s names no corrections field", ans.Body)
					}
					if after != before {
						t.Errorf("corrections %d → %d after a refused filing", before, after)
					}
				} else if after != before+2 {
					t.Errorf("corrections %d → %d, want two more", before, after)
				}
			})
		}
		form := func(field, value string) url.Values {
			return url.Values{"type": {"correction"}, "name": {"Ana"}, "email": {"ana@example.com"},
				"correction_field": {field, ""}, "correction_value": {value, ""}}
		}
		for _, tc := range []struct {
			name, field, value string
			status             int
			says               string
		}{
			{"unknown field", "shoe_size", "42", http.StatusUnprocessableEntity, "Choose which detail is wrong"},
			{"empty value", "phone", "", http.StatusUnprocessableEntity, "Write what the phone should be."},
			{"a phone number", "phone", "+1 555 0199", http.StatusSeeOther, ""},
		} {
			t.Run("form "+tc.name, func(t *testing.T) {
				ans := postForm(t, a, "/requests/new", form(tc.field, tc.value), nil)
				if ans.Status != tc.status {
					t.Fatalf("status %d, want %d", ans.Status, tc.status)
				}
				if tc.says != "" {
					contains(t, ans.Body, tc.says, `name="correction_value" value="`+tc.value+`"`)
				}
			})
		}
	})
}

func TestCorrectionAcceptedFieldIsWrittenToTheStoreAndTheRejectedOneIsNotAndBothAreMailed(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: roomy.Limits})
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		now := a.Clock.Now()
		cust := store.Customer{Email: "cleo@example.com", FirstName: "Cleo", LastName: "Olde", Phone: "+1 555 0100", CreatedAt: now, UpdatedAt: now}
		if err := a.DB.Create(&cust).Error; err != nil {
			t.Fatal(err)
		}
		order := store.Order{Number: "KO-20260301-1", CustomerID: &cust.ID, Email: cust.Email, PlacedAt: now, Status: "delivered", Currency: "USD"}
		if err := a.DB.Create(&order).Error; err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"type": "correction", "email": "cleo@example.com", "name": "Cleo Olde",
			"corrections": []map[string]string{{"field": "name", "value": "Cleo Newman"}, {"field": "phone", "value": "+1 555 0199"}}})
		id, _ := created(t, postJSON(t, a, string(body), nil))
		link := verifyEmail(t, a, "cleo@example.com", id).Link("/requests/verify")
		// A correction rewrites the account, so it needs the same proof as access and deletion.
		if _, _, err := a.Svc.Verify(t.Context(), tokenOf(t, link), "WRONG-1"); models.ErrorCode(err) != models.EInvalid {
			t.Fatalf("verify with a wrong order number: %v, want invalid", err)
		}
		if _, _, err := a.Svc.Verify(t.Context(), tokenOf(t, link), "KO-20260301-1"); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, a, id, models.StatusAwaitingApproval)
		contains(t, a.Mail.WaitFor(t, "cleo@example.com", "We have your privacy request "+id).Text, "we have corrected your data")
		if due := reloadRequest(t, a, id).DueAt; due == nil || due.Sub(now).Hours() != 30*24 {
			t.Errorf("due %v, want 30 days after %v", due, now)
		}

		page := "/staff/requests/" + id
		shown := agent.get(t, page)
		wantStatus(t, shown, http.StatusOK, "")
		contains(t, shown.Body, "Requested corrections", "account: Cleo Olde", "Cleo Newman", "account: &#43;1 555 0100", "&#43;1 555 0199")

		// Approval waits for a decision on every field.
		if ans := agent.post(t, page+"/approve", url.Values{}); ans.Status != http.StatusConflict {
			t.Fatalf("approve before deciding: %d, want 409", ans.Status)
		}
		if ans := agent.post(t, page+"/correction", url.Values{"field": {"name"}, "decision": {"accepted"}, "reason": {""}}); ans.Status != http.StatusUnprocessableEntity {
			t.Fatalf("decision without reason: %d, want 422", ans.Status)
		}
		wantStatus(t, agent.post(t, page+"/correction", url.Values{"field": {"name"}, "decision": {"accepted"},
			"reason": {"Matches your ID."}}), http.StatusSeeOther, page)
		wantStatus(t, agent.post(t, page+"/correction", url.Values{"field": {"phone"}, "decision": {"rejected"},
			"reason": {"The number could not be confirmed by a call."}}), http.StatusSeeOther, page)
		wantStatus(t, agent.post(t, page+"/approve", url.Values{}), http.StatusSeeOther, page)
		waitStatus(t, a, id, models.StatusCompleted)

		var got store.Customer
		if err := a.DB.Where("id = ?", cust.ID).Take(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got.FirstName != "Cleo" || got.LastName != "Newman" || got.Phone != "+1 555 0100" || got.Email != "cleo@example.com" {
			t.Errorf("store customer after: %+v, want the name changed and the phone kept", got)
		}
		cs, err := models.CorrectionsFor(t.Context(), a.DB.DB, id)
		if err != nil || len(cs) != 2 {
			t.Fatalf("corrections %+v (%v)", cs, err)
		}
		if n := cs[0]; n.Field != "name" || n.AppliedAt == nil || n.Result != `{"account":"changed"}` || n.Current != `{"account":"Cleo Olde"}` || n.DecidedBy != "quinn@kactoily.example" {
			t.Errorf("name correction recorded as %+v", n)
		}
		if p := cs[1]; p.Field != "phone" || p.AppliedAt != nil || p.Decision != models.CorrectionRejected {
			t.Errorf("phone correction recorded as %+v", p)
		}
		mail := a.Mail.WaitFor(t, "cleo@example.com", "We have answered your correction request "+id)
		contains(t, mail.Text, `name: changed to "Cleo Newman". Matches your ID.`,
			`phone: not changed ("+1 555 0199" was not accepted). The number could not be confirmed by a call.`)

		admin, _ := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		sheet := admin.get(t, "/staff/reports.csv?from="+now.Format("2006-01-02")+"&to="+now.AddDate(0, 0, 1).Format("2006-01-02"))
		wantStatus(t, sheet, http.StatusOK, "")
		rows, _ := csv.NewReader(strings.NewReader(strings.SplitN(sheet.Body, "\r\n\r\n", 2)[0])).ReadAll()
		found := false
		for _, r := range rows {
			if r[0] == "correction" {
				found = r[1] == "1" && r[2] == "1"
			}
		}
		if !found {
			t.Errorf("report %q has no correction line with 1 received and 1 completed", rows)
		}
	})
}

func TestCorrectedEmailChangesTheStoreAccountButTheRequestKeepsTheConfirmedAddressAndThePurgeClearsIt(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: roomy.Limits})
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		root := adminActor(t, a)
		now := a.Clock.Now()
		cust := store.Customer{Email: "dan@example.com", FirstName: "Dan", LastName: "K", Phone: "", CreatedAt: now, UpdatedAt: now}
		if err := a.DB.Create(&cust).Error; err != nil {
			t.Fatal(err)
		}
		r, err := a.Svc.FileOnBehalf(t.Context(), root, workflows.NewRequest{Type: models.TypeCorrection, Email: "dan@example.com", Name: "Dan K",
			Corrections: []workflows.CorrectionInput{{Field: "email", Value: " Dan.New@Example.com "}}}, "Identity checked on a call-back.")
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(t, a, r.ID, models.StatusAwaitingApproval)
		page := "/staff/requests/" + r.ID
		contains(t, agent.get(t, page).Body, "account: dan@example.com", "dan.new@example.com")
		wantStatus(t, agent.post(t, page+"/correction", url.Values{"field": {"email"}, "decision": {"accepted"},
			"reason": {"You confirmed the new address."}}), http.StatusSeeOther, page)
		wantStatus(t, agent.post(t, page+"/approve", url.Values{}), http.StatusSeeOther, page)
		waitStatus(t, a, r.ID, models.StatusCompleted)

		var got store.Customer
		if err := a.DB.Where("id = ?", cust.ID).Take(&got).Error; err != nil || got.Email != "dan.new@example.com" {
			t.Fatalf("store customer %+v (%v), want the new email", got, err)
		}
		if e := reloadRequest(t, a, r.ID).Email; e != "dan@example.com" {
			t.Errorf("request email %q, want the confirmed dan@example.com", e)
		}
		mail := a.Mail.WaitFor(t, "dan@example.com", "We have answered your correction request "+r.ID)
		contains(t, mail.Text, `email: changed to "dan.new@example.com".`, "stays as you confirmed it")

		// The retention purge removes the requested and snapshotted values with the rest.
		a.Clock.Advance(25 * 30 * 24 * time.Hour)
		if n, err := a.Svc.PurgeRequestRecords(t.Context()); err != nil || n < 1 {
			t.Fatalf("purge: %d, %v", n, err)
		}
		cs, err := models.CorrectionsFor(t.Context(), a.DB.DB, r.ID)
		if err != nil || len(cs) != 1 || cs[0].Requested != "" || cs[0].Current != "{}" || cs[0].Reason != "" || cs[0].Result != "{}" {
			t.Errorf("corrections after the purge: %+v (%v)", cs, err)
		}
	})
}
