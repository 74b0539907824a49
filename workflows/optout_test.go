package workflows_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// What each opt-out scope switches off in the store, written from the
// privacy policy's categories rather than from the code.
var (
	scopePrefs = map[string][]string{
		models.ScopeMarketingEmail: {"email_marketing"},
		models.ScopeSaleSharing:    {"sale_sharing", "personalized_ads"},
		models.ScopeAnalytics:      {"analytics"},
	}
	scopeConsent = map[string]string{
		models.ScopeSaleSharing: store.ConsentAdvertising,
		models.ScopeAnalytics:   store.ConsentAnalytics,
	}
)

// optOutDue is 15 business days after clockStart (Monday 2 March 2026).
var optOutDue = time.Date(2026, 3, 23, 10, 0, 0, 0, time.UTC)

// allOn switches on every marketing preference of the customer with email
// and grants all their consent choices, so any opt-out has something to
// switch off, and returns the customer.
func allOn(t *testing.T, a *testapp.App, email string) *store.Customer {
	t.Helper()
	var c store.Customer
	if err := a.DB.Where("email = ?", email).Take(&c).Error; err != nil {
		t.Fatalf("customer %s: %v", email, err)
	}
	on := map[string]any{"email_marketing": true, "sms_marketing": true, "personalized_ads": true, "sale_sharing": true, "analytics": true}
	if res := a.DB.Model(&store.MarketingPreference{}).Where("customer_id = ?", c.ID).Updates(on); res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("preferences of %s: %d rows, %v", email, res.RowsAffected, res.Error)
	}
	if err := a.DB.Model(&store.ConsentChoice{}).Where("customer_id = ?", c.ID).Update("granted", true).Error; err != nil {
		t.Fatal(err)
	}
	return &c
}

// smallStore gives the app two customers with preferences and consents,
// for tests that need a customer but not the whole demo store.
func smallStore(t *testing.T, a *testapp.App, emails ...string) {
	t.Helper()
	now := a.Clock.Now()
	for i, email := range emails {
		c := &store.Customer{Email: email, FirstName: "Sam", LastName: fmt.Sprint(i), CreatedAt: now, UpdatedAt: now}
		if err := a.DB.Create(c).Error; err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Create(&store.MarketingPreference{CustomerID: c.ID, UpdatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
		for _, cat := range []string{store.ConsentNecessary, store.ConsentAnalytics, store.ConsentAdvertising} {
			cc := &store.ConsentChoice{CustomerID: &c.ID, VisitorID: fmt.Sprintf("v_%d", i), Category: cat, RecordedAt: now}
			if err := a.DB.Create(cc).Error; err != nil {
				t.Fatal(err)
			}
		}
		allOn(t, a, email)
	}
}

func optOut(email string, scopes ...string) workflows.NewRequest {
	return workflows.NewRequest{Type: models.TypeOptOut, Email: email, Name: "Alex Morgan", Scopes: scopes, Channel: "web"}
}

// prefRows returns every customer's marketing preferences by column name.
func prefRows(t *testing.T, a *testapp.App) map[int64]map[string]bool {
	t.Helper()
	var ps []store.MarketingPreference
	if err := a.DB.Order("id").Find(&ps).Error; err != nil || len(ps) < 2 {
		t.Fatalf("%d marketing preferences, %v", len(ps), err)
	}
	out := map[int64]map[string]bool{}
	for _, p := range ps {
		out[p.CustomerID] = map[string]bool{
			"email_marketing": p.EmailMarketing, "sms_marketing": p.SMSMarketing,
			"personalized_ads": p.PersonalizedAds, "sale_sharing": p.SaleSharing, "analytics": p.Analytics,
		}
	}
	return out
}

// consentRows returns every consent choice by id.
func consentRows(t *testing.T, a *testapp.App) map[int64]store.ConsentChoice {
	t.Helper()
	var cs []store.ConsentChoice
	if err := a.DB.Order("id").Find(&cs).Error; err != nil || len(cs) < 2 {
		t.Fatalf("%d consent choices, %v", len(cs), err)
	}
	out := map[int64]store.ConsentChoice{}
	for _, c := range cs {
		out[c.ID] = c
	}
	return out
}

// consentSig renders every consent choice as text, to compare before and after.
func consentSig(t *testing.T, a *testapp.App) string {
	t.Helper()
	sig := map[int64]string{} // fmt prints maps sorted by key
	for id, c := range consentRows(t, a) {
		owner := "visitor"
		if c.CustomerID != nil {
			owner = fmt.Sprint(*c.CustomerID)
		}
		sig[id] = fmt.Sprintf("%s %s %v %s", owner, c.Category, c.Granted, c.RecordedAt.UTC())
	}
	return fmt.Sprint(sig)
}

// TestOptOutTakesEffectAtOnce proves an opt-out is completed when filed,
// due in 15 business days, puts a salted hash of the email (never the
// email) on the suppression list per scope, switches off exactly the
// matching preferences and consents of that customer and of no one else,
// and is confirmed by email.
func TestOptOutTakesEffectAtOnce(t *testing.T) {
	// Each case opts a different seeded customer out, so one store serves all.
	cases := []struct {
		email  string
		scopes []string
	}{
		{demo.AlexMorganEmail, []string{models.ScopeMarketingEmail, models.ScopeAnalytics}},
		{demo.JaneDoeEmail, []string{models.ScopeSaleSharing}},
		{demo.JaneDoeNetEmail, []string{models.ScopeMarketingEmail, models.ScopeSaleSharing, models.ScopeAnalytics}},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		if _, err := demo.Seed(t.Context(), a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			scopes := tc.scopes
			t.Run(tc.email+" "+strings.Join(scopes, "+"), func(t *testing.T) {
				cust := allOn(t, a, tc.email)
				prefsBefore, consentsBefore := prefRows(t, a), consentRows(t, a)
				withdrawn := 0
				for _, c := range consentsBefore {
					if c.CustomerID != nil && *c.CustomerID == cust.ID && c.Granted && slices.ContainsFunc(scopes,
						func(sc string) bool { return scopeConsent[sc] == c.Category }) {
						withdrawn++
					}
				}
				for _, sc := range scopes {
					for _, col := range scopePrefs[sc] {
						if !prefsBefore[cust.ID][col] {
							t.Fatalf("precondition: %s is already off", col)
						}
					}
				}
				if wantConsents := slices.ContainsFunc(scopes, func(sc string) bool { return scopeConsent[sc] != "" }); wantConsents != (withdrawn > 0) {
					t.Fatalf("precondition: %d consents to withdraw", withdrawn)
				}

				r := submit(t, a, optOut("  "+strings.ToUpper(tc.email), scopes...))
				got := reload(t, a, r.ID)
				if got.Status != models.StatusCompleted || got.DueAt == nil || !got.DueAt.Equal(optOutDue) ||
					got.ClosedAt == nil || !got.ClosedAt.Equal(clockStart) || got.Scopes != strings.Join(scopes, " ") {
					t.Fatalf("opt-out = status %s due %v closed %v scopes %q; want completed, %v, %v",
						got.Status, got.DueAt, got.ClosedAt, got.Scopes, optOutDue, clockStart)
				}
				events, err := models.AuditEventsFor(t.Context(), a.DB.DB, r.ID)
				if err != nil || len(events) != 1 || events[0].FromStatus != "" || events[0].ToStatus != models.StatusCompleted {
					t.Fatalf("audit = %+v, %v", events, err)
				}

				var sups []models.Suppression
				if err := a.DB.Where("request_id = ?", r.ID).Order("scope").Find(&sups).Error; err != nil {
					t.Fatal(err)
				}
				var supScopes []string
				plain := sha256.Sum256([]byte(tc.email))
				for _, s := range sups {
					supScopes = append(supScopes, s.Scope)
					if len(s.EmailHash) != 64 || s.EmailHash == hex.EncodeToString(plain[:]) || s.EmailHash != sups[0].EmailHash {
						t.Fatalf("suppression hash %q is not one salted hash of the email", s.EmailHash)
					}
				}
				if want := slices.Sorted(slices.Values(scopes)); !slices.Equal(supScopes, want) {
					t.Fatalf("suppressed scopes %v, want %v", supScopes, want)
				}
				for _, needle := range []string{tc.email, strings.Split(tc.email, "@")[0]} {
					if n := rowsContaining(t, a, "suppressions", needle); n != 0 {
						t.Fatalf("%q stored in clear in %d suppression rows", needle, n)
					}
				}
				for _, sc := range models.OptOutScopes {
					on, err := a.Svc.IsSuppressed(t.Context(), strings.ToUpper(tc.email)+" ", sc)
					if err != nil || on != slices.Contains(scopes, sc) {
						t.Errorf("IsSuppressed(%s) = %v, %v", sc, on, err)
					}
					if on, _ := a.Svc.IsSuppressed(t.Context(), demo.HeavyCustomerEmail, sc); on {
						t.Errorf("IsSuppressed(another customer, %s) = true", sc)
					}
				}

				prefsAfter := prefRows(t, a)
				for id, before := range prefsBefore {
					want := fmt.Sprint(before)
					if id == cust.ID {
						exp := map[string]bool{}
						for col, v := range before {
							exp[col] = v
						}
						for _, sc := range scopes {
							for _, col := range scopePrefs[sc] {
								exp[col] = false
							}
						}
						want = fmt.Sprint(exp)
					}
					if got := fmt.Sprint(prefsAfter[id]); got != want {
						t.Errorf("customer %d preferences %s, want %s", id, got, want)
					}
				}
				changed := 0
				for id, after := range consentRows(t, a) {
					was := consentsBefore[id]
					wantGranted := was.Granted
					if was.CustomerID != nil && *was.CustomerID == cust.ID && slices.ContainsFunc(scopes,
						func(sc string) bool { return scopeConsent[sc] == was.Category }) {
						wantGranted = false
					}
					if after.Granted != wantGranted || after.Category != was.Category || after.VisitorID != was.VisitorID {
						t.Errorf("consent %d (%s): granted %v, want %v", id, was.Category, after.Granted, wantGranted)
					}
					if after.Granted != was.Granted {
						changed++
					}
				}
				if changed != withdrawn {
					t.Errorf("%d consents withdrawn, want %d", changed, withdrawn)
				}

				m := a.Mail.WaitFor(t, tc.email, "Your opt-out is in effect")
				for _, sc := range scopes {
					if !strings.Contains(m.Text, workflows.Label(sc)) {
						t.Errorf("confirmation does not name %q:\n%s", workflows.Label(sc), m.Text)
					}
				}
			})
		}
	})
}

// TestOptOutAnswersTheSameForAnUnknownEmail proves an opt-out for an
// address that is no customer's is accepted and completed exactly like a
// customer's, so the answer reveals nothing, and still suppresses it.
func TestOptOutAnswersTheSameForAnUnknownEmail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		smallStore(t, a, "sam@example.com", "kim@example.com")
		prefsBefore, consentsBefore := fmt.Sprint(prefRows(t, a)), consentSig(t, a)
		stranger, err := a.Svc.Submit(t.Context(), optOut("nobody@example.org", models.ScopeMarketingEmail, models.ScopeAnalytics))
		if err != nil {
			t.Fatalf("opt-out for an unknown email: %v", err)
		}
		if fmt.Sprint(prefRows(t, a)) != prefsBefore || consentSig(t, a) != consentsBefore {
			t.Fatal("an unknown email's opt-out changed a customer's preferences or consents")
		}
		customer := submit(t, a, optOut("sam@example.com", models.ScopeMarketingEmail, models.ScopeAnalytics))
		if fmt.Sprint(prefRows(t, a)) == prefsBefore {
			t.Fatal("the customer's opt-out changed nothing: the comparison proves nothing")
		}
		for _, r := range []*models.Request{stranger, customer} {
			if r.Status != models.StatusCompleted || !r.DueAt.Equal(optOutDue) {
				t.Fatalf("%s: status %s due %v", r.Email, r.Status, r.DueAt)
			}
		}
		// The filer sees only the returned request: it must not tell the two apart.
		if stranger.Status != customer.Status || !stranger.ClosedAt.Equal(*customer.ClosedAt) ||
			stranger.Scopes != customer.Scopes || stranger.Type != customer.Type {
			t.Fatalf("answers differ: %+v vs %+v", stranger, customer)
		}
		if on, err := a.Svc.IsSuppressed(t.Context(), "nobody@example.org", models.ScopeMarketingEmail); err != nil || !on {
			t.Fatalf("unknown email not suppressed: %v %v", on, err)
		}
		m := a.Mail.WaitFor(t, "nobody@example.org", "Your opt-out is in effect")
		if !strings.Contains(m.Text, stranger.ID) {
			t.Fatalf("confirmation does not name the request:\n%s", m.Text)
		}
	})
}

// TestAccessRequestWithGPCOptsOutOfSaleSharing proves a browser's Global
// Privacy Control signal on an access request is honoured at once as a
// sale/sharing opt-out, while the access request itself still awaits
// verification.
func TestAccessRequestWithGPCOptsOutOfSaleSharing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		smallStore(t, a, "sam@example.com", "kim@example.com")
		var sam, kim store.Customer
		if err := a.DB.Where("email = ?", "sam@example.com").Take(&sam).Error; err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Where("email = ?", "kim@example.com").Take(&kim).Error; err != nil {
			t.Fatal(err)
		}
		kimBefore := fmt.Sprint(prefRows(t, a)[kim.ID])
		in := accessFor("Sam@Example.com")
		in.GPC = true
		r := submit(t, a, in)
		if got := reload(t, a, r.ID); got.Status != models.StatusPendingVerification || !got.GPC || got.Scopes != "" {
			t.Fatalf("request = %+v", got)
		}
		for _, sc := range models.OptOutScopes {
			on, err := a.Svc.IsSuppressed(t.Context(), "sam@example.com", sc)
			if err != nil || on != (sc == models.ScopeSaleSharing) {
				t.Errorf("IsSuppressed(%s) = %v, %v", sc, on, err)
			}
		}
		var sups []models.Suppression
		if err := a.DB.Where("request_id = ?", r.ID).Find(&sups).Error; err != nil || len(sups) != 1 ||
			sups[0].Scope != models.ScopeSaleSharing {
			t.Fatalf("suppressions = %+v, %v", sups, err)
		}
		var p store.MarketingPreference
		if err := a.DB.Where("customer_id = ?", sam.ID).Take(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.SaleSharing || p.PersonalizedAds || !p.EmailMarketing || !p.Analytics || !p.SMSMarketing {
			t.Fatalf("preferences after GPC = %+v; want only sale/sharing and personalized ads off", p)
		}
		if got := fmt.Sprint(prefRows(t, a)[kim.ID]); got != kimBefore {
			t.Fatalf("another customer's preferences changed: %s → %s", kimBefore, got)
		}
	})
}
