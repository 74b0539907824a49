package workflows_test

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// outboxKinds returns the kinds of email queued for a request, sorted.
func outboxKinds(t *testing.T, a *testapp.App, id string) []string {
	t.Helper()
	var kinds []string
	if err := a.DB.Model(&models.Email{}).Where("request_id = ?", id).Order("kind").Pluck("kind", &kinds).Error; err != nil {
		t.Fatal(err)
	}
	return kinds
}

// waitStatus waits until the request reaches status.
func waitStatus(t *testing.T, a *testapp.App, id, status string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for reload(t, a, id).Status != status {
		if time.Now().After(deadline) {
			t.Fatalf("request %s is %s, not %s, after 20s", id, reload(t, a, id).Status, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// has fails unless every want is in the email's text part and in the words
// of its HTML part, and none of the unwanted is in either.
func has(t *testing.T, m *smtptest.Message, want, unwanted []string) {
	t.Helper()
	words := html.UnescapeString(tagRE.ReplaceAllString(m.HTML, ""))
	for _, part := range []struct{ name, body string }{{"text", m.Text}, {"HTML", words}} {
		for _, w := range want {
			if !strings.Contains(part.body, w) {
				t.Errorf("%s part of %q lacks %q:\n%s", part.name, m.Subject, w, part.body)
			}
		}
		for _, u := range unwanted {
			if strings.Contains(part.body, u) {
				t.Errorf("%s part of %q still says %q:\n%s", part.name, m.Subject, u, part.body)
			}
		}
	}
}

// TestConfirmingSendsOneReceiptThatSaysWhatHappensNext proves confirming a
// request sends the customer one email, the receipt, which says what
// happens next, and no "working on it" email once collection has started.
func TestConfirmingSendsOneReceiptThatSaysWhatHappensNext(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		r := submit(t, a, accessFor("alex@example.com"))
		verifyTok, _ := verifyMail(t, a, r)
		if _, _, err := a.Svc.Verify(t.Context(), verifyTok, ""); err != nil {
			t.Fatal(err)
		}
		// Collection moved it to in progress and on: every email it would cause is queued.
		waitStatus(t, a, r.ID, models.StatusAwaitingApproval)
		receipt := a.Mail.WaitFor(t, r.Email, "We have your privacy request "+r.ID)
		has(t, receipt, []string{"Thank you for confirming your email address.", "What happens next",
			"we are now gathering the records we hold about you", "when your copy is ready to download"},
			[]string{"We have started on your request"})
		if got, want := outboxKinds(t, a, r.ID), []string{"receipt", "staff_new_request", "verify"}; !slices.Equal(got, want) {
			t.Fatalf("emails queued for the request: %q, want %q", got, want)
		}
		if n := a.Mail.Count(r.Email, "We are working on"); n != 0 {
			t.Fatalf("%d 'working on it' emails arrived, want none", n)
		}
	})
}

// TestReceiptOfAStaffConfirmedRequestDoesNotMentionConfirmingAnEmail
// proves a request whose identity an admin confirmed by other means gets a
// receipt (and staff notice) saying so, while one the customer confirmed
// by email still thanks them for it.
func TestReceiptOfAStaffConfirmedRequestDoesNotMentionConfirmingAnEmail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		admin := addStaff(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		phoned, err := a.Svc.FileOnBehalf(t.Context(), admin, workflows.NewRequest{Type: models.TypeDeletion,
			Email: "pat@example.com", Name: "Pat Phone"}, "Identity checked on a call-back to the number on the account.")
		if err != nil {
			t.Fatal(err)
		}
		emailed := submit(t, a, accessFor("alex@example.com"))
		tok, _ := verifyMail(t, a, emailed)
		if _, _, err := a.Svc.Verify(t.Context(), tok, ""); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name         string
			r            *models.Request
			receipt      []string
			notInReceipt []string
			staffSays    string
			staffMustNot string
		}{
			{"identity confirmed by staff", phoned,
				[]string{"Our privacy team has filed this request for you and confirmed your identity", "and approves the deletion"},
				[]string{"confirming your email", "Identity checked on a call-back"},
				"A privacy admin filed this request and confirmed the requester's identity.", "confirmed their email"},
			{"email confirmed by the customer", emailed,
				[]string{"Thank you for confirming your email address."}, []string{"confirmed your identity"},
				"A requester has confirmed their email.", "confirmed the requester's identity"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				receipt := a.Mail.WaitFor(t, tc.r.Email, "We have your privacy request "+tc.r.ID)
				has(t, receipt, tc.receipt, tc.notInReceipt)
				staff := a.Mail.WaitFor(t, supportAddr, tc.r.ID)
				has(t, staff, []string{tc.staffSays}, []string{tc.staffMustNot})
			})
		}
	})
}

// TestCancellationEmailSaysWhoCancelledAndWhy proves a cancellation by
// staff tells the customer the privacy team cancelled it and their reason,
// and that only the customer's own cancellation says "as you asked".
func TestCancellationEmailSaysWhoCancelledAndWhy(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		agent := addStaff(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)
		byStaff := submit(t, a, accessFor("sam@example.com"))
		const reason = "You phoned us on 3 March to withdraw it."
		if _, err := a.Svc.StaffCancel(t.Context(), agent, byStaff.ID, reason); err != nil {
			t.Fatal(err)
		}
		byCustomer := submit(t, a, accessFor("alex@example.com"))
		_, statusTok := verifyMail(t, a, byCustomer)
		if _, err := a.Svc.Cancel(t.Context(), byCustomer.ID, statusTok); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name           string
			r              *models.Request
			want, unwanted []string
		}{
			{"by staff", byStaff, []string{"Our privacy team has cancelled your request " + byStaff.ID, reason}, []string{"As you asked"}},
			{"by the customer", byCustomer, []string{"As you asked, we have cancelled your request"}, []string{"Our privacy team has cancelled"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				has(t, a.Mail.WaitFor(t, tc.r.Email, "is cancelled"), tc.want, tc.unwanted)
			})
		}
	})
}

// deletionCustomer gives the store one customer with an account, a recent
// order of 7 lines placed on 12 March 2025, an order older than the
// accounting period, 3 registered devices without warranty and one with a
// paid extended warranty running until 1 June 2028.
func deletionCustomer(t *testing.T, a *testapp.App, email string) {
	t.Helper()
	now := a.Clock.Now()
	c := &store.Customer{Email: email, FirstName: "Dana", LastName: "Delete", Phone: "+1 555 0100", CreatedAt: now, UpdatedAt: now}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.DB.Create(c).Error)
	must(a.DB.Create(&store.MarketingPreference{CustomerID: c.ID, UpdatedAt: now}).Error)
	must(a.DB.Create(&store.Address{CustomerID: c.ID, Kind: "shipping", RecipientName: "Dana Delete", Line1: "1 Main St",
		City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"}).Error)
	for i, placed := range []time.Time{time.Date(2025, 3, 12, 15, 0, 0, 0, time.UTC), time.Date(2018, 5, 1, 9, 0, 0, 0, time.UTC)} {
		o := &store.Order{CustomerID: &c.ID, Number: fmt.Sprintf("KT-90000%d", i), PlacedAt: placed, Status: "delivered",
			Currency: "USD", TotalCents: 9900, Email: email, ShippingName: "Dana Delete", ShippingCountry: "US", PaymentProvider: "paypal"}
		must(a.DB.Create(o).Error)
		for l := range 7 - 6*i {
			must(a.DB.Create(&store.OrderLine{OrderID: o.ID, SKU: fmt.Sprintf("SKU-%d", l), ProductName: "Smart plug", Quantity: 1, UnitPriceCents: 1400}).Error)
		}
	}
	for i := range 4 {
		reg := &store.ProductRegistration{CustomerID: &c.ID, ProductName: "Doorbell", SKU: "DB-1", SerialNumber: fmt.Sprintf("SN%d", i),
			PurchasedAt: now.AddDate(-1, 0, 0), RegisteredAt: now.AddDate(-1, 0, 0)}
		must(a.DB.Create(reg).Error)
		if i == 3 {
			must(a.DB.Create(&store.ExtendedWarranty{RegistrationID: reg.ID, CustomerID: &c.ID, Plan: "3 years", PriceCents: 4900, Paid: true,
				StartsAt: now.AddDate(-1, 0, 0), EndsAt: time.Date(2028, 6, 1, 0, 0, 0, 0, time.UTC)}).Error)
		}
	}
}

// TestDeletionSummaryEmailSpeaksPlainlyWithDatesAccountAndPartners
// carries a deletion through approval and reads the summary email the
// customer receives: record kinds in words with singular and plural, kept
// records with the day they go and why (statutes only in the footnote),
// the account closed and the partners told, none of the database words.
func TestDeletionSummaryEmailSpeaksPlainlyWithDatesAccountAndPartners(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		admin := addStaff(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		deletionCustomer(t, a, "dana@example.com")
		r := submit(t, a, workflows.NewRequest{Type: models.TypeDeletion, Email: "dana@example.com", Name: "Dana Delete", Channel: "web"})
		tok, _ := verifyMail(t, a, r)
		if _, _, err := a.Svc.Verify(t.Context(), tok, a.IdentityProof(t, "dana@example.com")); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, a, r.ID, models.StatusAwaitingApproval)
		if _, err := a.Svc.Approve(t.Context(), admin, r.ID); err != nil {
			t.Fatal(err)
		}
		m := a.Mail.WaitFor(t, r.Email, "We have deleted your data")
		has(t, m, []string{
			"Your Kactoily account is closed",
			"your customer profile", "your marketing preferences", "1 saved address", "3 product registrations",
			"1 order more than 7 years old", "1 order line from orders more than 7 years old",
			"1 order: kept until ", "12 March 2032", " because tax law requires us to keep order records for 7 years.",
			"We removed your name, email address, phone number and street address from it.",
			"7 order lines: kept until ", "with the orders they belong to. They show only products, quantities and prices.",
			"1 product registration: kept until ", "1 extended warranty: kept until ", "1 June 2028",
			"PayPal (payment processor)", "ParcelGo (delivery partner)", "AdReach (advertising network)", "MetricsHub (analytics provider)",
		}, []string{
			"customer:", "order_line", "product_registration", "extended_warranty", "marketing_preference",
			"1 customer", "7 order_line", "anonymized and kept",
		})
		main, footnote, ok := strings.Cut(m.Text, "For reference, the legal grounds")
		if !ok || !strings.Contains(footnote, "GDPR Art. 17(3)(b)") {
			t.Fatalf("no footnote with the legal grounds:\n%s", m.Text)
		}
		for _, statute := range []string{"GDPR", "CCPA", "§", "Art."} {
			if strings.Contains(main, statute) {
				t.Errorf("the summary's main text quotes %q:\n%s", statute, main)
			}
		}
	})
}

// TestRecordLabelSaysKindsInWordsWithSingularAndPlural proves record
// kinds read as words, with the right form for one and for several.
func TestRecordLabelSaysKindsInWordsWithSingularAndPlural(t *testing.T) {
	cases := []struct {
		kind string
		n    int
		want string
	}{
		{"customer", 1, "your customer profile"},
		{"order_line", 7, "7 order lines"},
		{"order_line", 1, "1 order line"},
		{"product_registration", 3, "3 product registrations"},
		{"extended_warranty", 2, "2 extended warranties"},
		{"address", 2, "2 saved addresses"},
		{"consent_choice", 1, "1 cookie choice"},
		{"page_view", 40, "40 records of visits to our website"},
		{"something_new", 2, "2 something new records"},
	}
	for _, tc := range cases {
		if got := workflows.RecordLabel(tc.kind, tc.n); got != tc.want {
			t.Errorf("RecordLabel(%q, %d) = %q, want %q", tc.kind, tc.n, got, tc.want)
		}
	}
}

// TestOptOutEmailSaysWhatChangedWithCountsInWords proves the opt-out
// confirmation counts withdrawn cookie permissions with the right singular
// or plural, in plain words, never "consent(s)".
func TestOptOutEmailSaysWhatChangedWithCountsInWords(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		smallStore(t, a, "sam@example.com")
		var c store.Customer
		if err := a.DB.Where("email = ?", "sam@example.com").Take(&c).Error; err != nil {
			t.Fatal(err)
		}
		// A second browser with analytics allowed: two analytics permissions, one advertising.
		second := &store.ConsentChoice{CustomerID: &c.ID, VisitorID: "v_phone", Category: store.ConsentAnalytics, Granted: true, RecordedAt: a.Clock.Now()}
		if err := a.DB.Create(second).Error; err != nil {
			t.Fatal(err)
		}
		submit(t, a, optOut("sam@example.com", models.ScopeAnalytics, models.ScopeSaleSharing))
		m := a.Mail.WaitFor(t, "sam@example.com", "Your opt-out is in effect")
		has(t, m, []string{
			"Analytics: switched off in your account settings; 2 cookie permissions withdrawn; added to our do-not-use list",
			"Sale/sharing and personalized advertising: switched off in your account settings; 1 cookie permission withdrawn; added to our do-not-use list",
		}, []string{"consent(s)", "cookie consent", "1 cookie permissions"})

		submit(t, a, optOut("nobody@example.com", models.ScopeMarketingEmail))
		has(t, a.Mail.WaitFor(t, "nobody@example.com", "Your opt-out is in effect"),
			[]string{"Marketing email: added to our do-not-use list (there was nothing else to switch off)"}, []string{"consent"})
	})
}

// TestQueuedEmailOfARetiredKindIsCancelledNotRetried proves an "in
// progress" email queued by an earlier version before an upgrade is
// cancelled at once rather than retried for a day, and nothing is sent.
func TestQueuedEmailOfARetiredKindIsCancelledNotRetried(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		r := submit(t, a, accessFor("alex@example.com"))
		a.Mail.WaitFor(t, r.Email, "Confirm your privacy request "+r.ID)
		id := r.ID
		old := &models.Email{RequestID: &id, Kind: "in_progress", ToAddr: r.Email, Data: "{}", Status: models.EmailQueued,
			MessageID: "<old.in_progress@privacydesk.invalid>", CreatedAt: a.Clock.Now()}
		if err := a.DB.Create(old).Error; err != nil {
			t.Fatal(err)
		}
		c := jobInserter(t, a)
		res, err := c.Insert(t.Context(), workflows.SendEmailArgs{EmailID: old.ID}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if j := waitJob(t, c, res.Job.ID); j.State != rivertype.JobStateCancelled {
			t.Fatalf("send job for a retired kind ended %s (errors %v), want cancelled", j.State, j.Errors)
		}
		if n := len(a.Mail.Messages()); n != 1 {
			t.Fatalf("%d messages arrived, want only the verification email", n)
		}
	})
}
