package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// proofApp is a test app with the demo store seeded and no store sources,
// so a confirmed request stays "verified" while a test looks at it.
func proofApp(t *testing.T, dialect string) *testapp.App {
	t.Helper()
	a := testapp.New(t, dialect, noCollect)
	if _, err := demo.Seed(context.Background(), a.DB.DB, a.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return a
}

// proofsOf reads the order numbers and serials of a demo customer.
func proofsOf(t *testing.T, a *testapp.App, email string) *store.IdentityProofs {
	t.Helper()
	p, err := store.DemoDatasets().IdentityProofs(context.Background(), a.DB.DB, email)
	if err != nil || len(p.OrderNumbers) == 0 || len(p.Serials) == 0 {
		t.Fatalf("demo customer %s: proofs %+v, %v; want orders and registrations", email, p, err)
	}
	return p
}

// fileOfType files a request of typ by the JSON API and returns its id and
// the token of its verification link.
func fileOfType(t *testing.T, a *testapp.App, typ, email string) (string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"type": typ, "email": email, "name": "Test Person"})
	id, _ := created(t, postJSON(t, a, string(body), nil))
	return id, tokenOf(t, verifyEmail(t, a, email, id).Link("/requests/verify?token="))
}

func confirmWithProof(t *testing.T, a *testapp.App, token, proof string) answer {
	t.Helper()
	return postForm(t, a, "/requests/verify", url.Values{"token": {token}, "proof": {proof}}, nil)
}

// TestCustomerWithOrdersConfirmsOnlyWithOwnOrderNumberOrSerial proves an
// access or deletion request of a store customer is confirmed only with
// one of their own order numbers or serials (any case and spacing): the
// page asks for one and names the accepted kinds but shows no value; no
// value, a made-up one or another customer's is refused with 422 and the
// tries left, leaves the link unused and the request waiting; a right one
// on a later try confirms.
func TestCustomerWithOrdersConfirmsOnlyWithOwnOrderNumberOrSerial(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := proofApp(t, dialect)
		own, other := proofsOf(t, a, demo.AlexMorganEmail), proofsOf(t, a, demo.JaneDoeEmail)
		spaced := func(v string) string { return "  " + strings.ToLower(v[:2]) + " " + strings.ToLower(v[2:]) + " " }
		for _, tc := range []struct {
			typ, wrong, right string
		}{
			{models.TypeDeletion, "", spaced(own.OrderNumbers[0])},
			{models.TypeAccess, other.OrderNumbers[0], spaced(own.Serials[0])},
			{models.TypeDeletion, other.Serials[0], own.Serials[len(own.Serials)-1]},
			{models.TypeAccess, "KT-000000", own.OrderNumbers[len(own.OrderNumbers)-1]},
		} {
			id, token := fileOfType(t, a, tc.typ, demo.AlexMorganEmail)
			page := get(t, a, "/requests/verify?token="+url.QueryEscape(token))
			if page.Status != http.StatusOK {
				t.Fatalf("%s page: %d, want 200", tc.typ, page.Status)
			}
			contains(t, page.Body, `name="proof"`, "Your order number or a product serial number",
				"an order number or a product serial number", "3 tries")
			lacks(t, page.Body, own.OrderNumbers[0], own.Serials[0])

			wrong := confirmWithProof(t, a, token, tc.wrong)
			if wrong.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s with %q: %d, want 422\n%s", tc.typ, tc.wrong, wrong.Status, wrong.Body)
			}
			contains(t, wrong.Body, "does not match our records", "2 tries left", `name="proof"`)
			if st := statusOf(t, a, id); st != models.StatusPendingVerification || tokenUses(t, a, token) != 0 {
				t.Fatalf("after a wrong answer: status %s, token uses %d; want pending and unused", st, tokenUses(t, a, token))
			}
			if n := auditCount(t, a, id, "verification_failed"); n != 1 {
				t.Fatalf("verification_failed events: %d, want 1", n)
			}

			right := confirmWithProof(t, a, token, tc.right)
			if right.Status != http.StatusSeeOther || !strings.Contains(right.Header.Get("Location"), "/status?token=") {
				t.Fatalf("%s with %q: %d to %q, want 303 to the status page\n%s", tc.typ, tc.right, right.Status, right.Header.Get("Location"), right.Body)
			}
			if st := statusOf(t, a, id); st != models.StatusVerified {
				t.Fatalf("after the right answer: status %s, want verified", st)
			}
		}
	})
}

// TestThreeWrongAnswersLockTheRequestAndTellStaff proves the third wrong
// order number locks the request: the answer and the link's page then say
// it is locked and staff will get in touch (423), the right value no
// longer confirms it, nor does a freshly sent link, it does not expire
// (it waits for staff), the audit trail has
// verification_locked once and the support address gets one email.
func TestThreeWrongAnswersLockTheRequestAndTellStaff(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := proofApp(t, dialect)
		own := proofsOf(t, a, demo.AlexMorganEmail)
		id, token := fileOfType(t, a, models.TypeDeletion, demo.AlexMorganEmail)
		for i, want := range []int{http.StatusUnprocessableEntity, http.StatusUnprocessableEntity, http.StatusLocked} {
			ans := confirmWithProof(t, a, token, "KT-99999"+string(rune('0'+i)))
			if ans.Status != want {
				t.Fatalf("wrong answer %d: %d, want %d\n%s", i+1, ans.Status, want, ans.Body)
			}
		}
		staffMail := a.Mail.WaitFor(t, "privacy-team@kactoily.example", "Verification locked")
		contains(t, staffMail.Text, id, "3 times", "/staff/requests/"+id)
		contains(t, staffMail.HTML, id, "Open the request")
		lacks(t, staffMail.Text, demo.AlexMorganEmail, own.OrderNumbers[0])

		for name, ans := range map[string]answer{
			"right value after the lock": confirmWithProof(t, a, token, own.OrderNumbers[0]),
			"link page after the lock":   get(t, a, "/requests/verify?token="+url.QueryEscape(token)),
		} {
			if ans.Status != http.StatusLocked {
				t.Fatalf("%s: %d, want 423\n%s", name, ans.Status, ans.Body)
			}
			contains(t, ans.Body, "This request is locked", "will contact you")
			lacks(t, ans.Body, `name="proof"`)
		}
		postForm(t, a, "/requests/resend", url.Values{"email": {demo.AlexMorganEmail}}, nil)
		waitMailCount(t, a, demo.AlexMorganEmail, "Confirm your privacy request "+id, 2)
		fresh := tokenOf(t, a.Mail.WaitForNth(t, demo.AlexMorganEmail, "Confirm your privacy request "+id, 2).Link("/requests/verify?token="))
		if ans := confirmWithProof(t, a, fresh, own.OrderNumbers[0]); ans.Status != http.StatusLocked {
			t.Fatalf("fresh link after the lock: %d, want 423\n%s", ans.Status, ans.Body)
		}
		// Past the links' life it does not expire: it waits for staff.
		a.Clock.Advance(72 * time.Hour)
		if _, err := a.Svc.ExpireUnverified(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st := statusOf(t, a, id); st != models.StatusPendingVerification {
			t.Fatalf("locked request: status %s, want still pending verification", st)
		}
		if n := auditCount(t, a, id, "verification_locked"); n != 1 {
			t.Fatalf("verification_locked events: %d, want 1", n)
		}
		if n := a.Mail.Count("privacy-team@kactoily.example", "Verification locked"); n != 1 {
			t.Fatalf("staff lock emails: %d, want 1", n)
		}
	})
}

// TestRequesterWithoutStoreRecordsConfirmsWithTheButtonAlone proves that
// an email with no store customer, or a customer with no orders or
// registrations, is confirmed by the button alone, with no field on the
// page.
func TestRequesterWithoutStoreRecordsConfirmsWithTheButtonAlone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := proofApp(t, dialect)
		ctx := context.Background()
		bare := &store.Customer{Email: "no.orders@example.com", FirstName: "No", LastName: "Orders", CreatedAt: a.Clock.Now(), UpdatedAt: a.Clock.Now()}
		if err := a.DB.WithContext(ctx).Create(bare).Error; err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"not.a.customer@example.com", bare.Email} {
			id, token := fileOfType(t, a, models.TypeDeletion, email)
			page := get(t, a, "/requests/verify?token="+url.QueryEscape(token))
			lacks(t, page.Body, `name="proof"`)
			if ans := confirmVerify(t, a, token, nil); ans.Status != http.StatusSeeOther {
				t.Fatalf("%s: button alone gave %d, want 303\n%s", email, ans.Status, ans.Body)
			}
			if st := statusOf(t, a, id); st != models.StatusVerified {
				t.Fatalf("%s: status %s, want verified", email, st)
			}
		}
	})
}

// lockRequest files a deletion for email and gives three wrong answers.
func lockRequest(t *testing.T, a *testapp.App, email string) string {
	t.Helper()
	id, token := fileOfType(t, a, models.TypeDeletion, email)
	for range 3 {
		confirmWithProof(t, a, token, "not-mine")
	}
	if r, err := models.FindRequest(context.Background(), a.DB.DB, id); err != nil || r.VerifyLocked == nil {
		t.Fatalf("request %s not locked after three wrong answers: %v", id, err)
	}
	return id
}

// TestOnlyAnAdminUnlocksALockedRequestAndTheNewLinkConfirmsIt proves the
// staff page shows a locked request as locked; an agent may not unlock it
// (403), an admin can: the requester is mailed a new link whose page again
// allows three tries, and the right value then confirms.
func TestOnlyAnAdminUnlocksALockedRequestAndTheNewLinkConfirmsIt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := proofApp(t, dialect)
		own := proofsOf(t, a, demo.AlexMorganEmail)
		id := lockRequest(t, a, demo.AlexMorganEmail)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		admin, _ := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)

		page := agent.get(t, "/staff/requests/"+id)
		contains(t, page.Body, `id="verify-locked"`, "after 3 wrong order numbers or serials")
		lacks(t, page.Body, "unlock-verification")
		if ans := agent.post(t, "/staff/requests/"+id+"/unlock-verification", nil); ans.Status != http.StatusForbidden {
			t.Fatalf("agent unlock: %d, want 403", ans.Status)
		}
		contains(t, admin.get(t, "/staff/requests/"+id).Body, "Unlock and send a new link")
		if ans := admin.post(t, "/staff/requests/"+id+"/unlock-verification", nil); ans.Status != http.StatusSeeOther {
			t.Fatalf("admin unlock: %d, want 303\n%s", ans.Status, ans.Body)
		}
		if n := auditCount(t, a, id, "verification_unlocked"); n != 1 {
			t.Fatalf("verification_unlocked events: %d, want 1", n)
		}
		fresh := tokenOf(t, a.Mail.WaitForNth(t, demo.AlexMorganEmail, "Confirm your privacy request "+id, 2).Link("/requests/verify?token="))
		page = get(t, a, "/requests/verify?token="+url.QueryEscape(fresh))
		if page.Status != http.StatusOK {
			t.Fatalf("new link after unlock: %d, want 200\n%s", page.Status, page.Body)
		}
		contains(t, page.Body, `name="proof"`, "3 tries")
		if ans := confirmWithProof(t, a, fresh, own.Serials[0]); ans.Status != http.StatusSeeOther {
			t.Fatalf("right value after unlock: %d, want 303\n%s", ans.Status, ans.Body)
		}
		if ans := admin.post(t, "/staff/requests/"+id+"/unlock-verification", nil); ans.Status != http.StatusConflict {
			t.Fatalf("unlocking a confirmed request: %d, want 409", ans.Status)
		}
	})
}

// TestFilingAgainBuysNoMoreGuesses proves the three tries belong to the
// address, not to one request: wrong answers on an access request and on a
// deletion request filed beside it add up and lock at the third, and then
// no waiting request of that address can be confirmed, even with the right
// value, until staff unlock.
func TestFilingAgainBuysNoMoreGuesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := proofApp(t, dialect)
		own := proofsOf(t, a, demo.AlexMorganEmail)
		_, first := fileOfType(t, a, models.TypeAccess, demo.AlexMorganEmail)
		for i := range 2 {
			if ans := confirmWithProof(t, a, first, "KT-8888"+string(rune('0'+i))); ans.Status != http.StatusUnprocessableEntity {
				t.Fatalf("wrong answer %d: %d, want 422", i+1, ans.Status)
			}
		}
		_, second := fileOfType(t, a, models.TypeDeletion, demo.AlexMorganEmail)
		if ans := confirmWithProof(t, a, second, "KT-88882"); ans.Status != http.StatusLocked {
			t.Fatalf("third wrong answer, on a new request: %d, want 423 (locked)\n%s", ans.Status, ans.Body)
		}
		if ans := confirmWithProof(t, a, first, own.OrderNumbers[0]); ans.Status != http.StatusLocked {
			t.Fatalf("the first request after the address locked: %d, want 423\n%s", ans.Status, ans.Body)
		}
	})
}
