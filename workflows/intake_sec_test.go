package workflows_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// waitJobsDone waits until n jobs of kind have completed.
func waitJobsDone(t *testing.T, a *testapp.App, kind string, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var done int64
		if err := a.DB.Table("river_job").Where("kind = ? AND state = ?", kind, "completed").Count(&done).Error; err != nil {
			t.Fatal(err)
		}
		if done >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s jobs completed within 20s, want %d", done, kind, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNameRefusesFormatCharactersAndLinks proves a name with invisible
// format characters (bidi overrides, zero-width characters) or text that
// reads as a link or an address is refused under the name field, while
// real names in any script, with dots, hyphens and apostrophes, pass.
func TestNameRefusesFormatCharactersAndLinks(t *testing.T) {
	refused := map[string]string{
		"right-to-left override":    "Alex \u202Emoc.evil\u202C",
		"isolate":                   "Alex \u2066Morgan\u2069",
		"zero-width space":          "Al\u200Bex",
		"zero-width joiner":         "Alex\u200DMorgan",
		"byte-order mark":           "\uFEFFAlex",
		"line separator":            "Alex\u2028Morgan",
		"URL":                       "Your account is locked: https://kactoily-help.example/reset",
		"www":                       "visit www.kactoily-refund",
		"bare domain":               "Claim your refund at kactoily-refund.com now",
		"domain with a path":        "see evil.example/login",
		"fullwidth dot domain":      "kactoily。com support",
		"email address":             "write to help@kactoily-support.example",
		"punycode host":             "xn--kctoily-9wa",
		"domain in capitals":        "ALEX MORGAN KACTOILY.NET",
		"domain after a comma":      "Alex,refunds.shop",
		"domain in brackets":        "Alex (kactoily.support)",
		"scheme without a dot host": "javascript://alert",
	}
	for name, value := range refused {
		t.Run("refuses "+name, func(t *testing.T) {
			in := workflows.NewRequest{Type: models.TypeAccess, Email: "alex@example.com", Name: value}
			err := in.Validate()
			wantErr(t, err, models.EInvalid, "")
			if f := models.ErrorFields(err); len(f) != 1 || f["name"] == "" {
				t.Fatalf("fields = %q, want a message for name only", f)
			}
		})
	}
	for _, value := range []string{"J.R.R. Tolkien", "J.R.Smith", "Anne-Marie O'Neil", "José Álvarez-Núñez", "李小龙",
		"Dr. Alex Morgan Jr.", "Zoë Ångström", "محمد علي", "St. John Smith"} {
		t.Run("accepts "+value, func(t *testing.T) {
			in := workflows.NewRequest{Type: models.TypeAccess, Email: "alex@example.com", Name: value}
			if err := in.Validate(); err != nil {
				t.Fatalf("%q refused: %v %q", value, err, models.ErrorFields(err))
			}
		})
	}
}

// TestInternationalizedEmailIsRefusedWithAClearMessage proves an address
// with non-ASCII letters, which go-mail would write as a malformed encoded
// word in To:, is refused at intake and at resend with a message saying
// why, not as a typo.
func TestInternationalizedEmailIsRefusedWithAClearMessage(t *testing.T) {
	for _, email := range []string{"jörg@example.de", "alex@exämple.com", "用户@例子.广告"} {
		t.Run(email, func(t *testing.T) {
			in := workflows.NewRequest{Type: models.TypeAccess, Email: email, Name: "Jörg"}
			err := in.Validate()
			wantErr(t, err, models.EInvalid, "")
			if msg := models.ErrorFields(err)["email"]; !strings.Contains(msg, "letters a–z") {
				t.Fatalf("email message %q does not say why", msg)
			}
			if workflows.ValidEmail(email) {
				t.Fatalf("ValidEmail(%q) = true", email)
			}
		})
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		err := a.Svc.Resend(t.Context(), "jörg@example.de")
		wantErr(t, err, models.EInvalid, "")
		if msg := models.ErrorFields(err)["email"]; !strings.Contains(msg, "letters a–z") {
			t.Fatalf("resend email message %q", msg)
		}
		if n := a.Count(t, &models.Request{}); n != 0 {
			t.Fatalf("%d requests stored", n)
		}
	})
}

// TestEmailsBeforeConfirmationNeverCarryTheName proves the name typed at
// intake (anyone's text, for any address) is in no email sent before the
// address is confirmed: not the verification email, not the opt-out
// confirmation, not the cancellation of a waiting request; and that the
// receipt, sent once the owner confirmed, greets them by it.
func TestEmailsBeforeConfirmationNeverCarryTheName(t *testing.T) {
	const phish = "Your refund is ready call 0800 555 0199"
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		in := accessFor("victim@example.com")
		in.Name = phish
		r := submit(t, a, in)
		verifyTok, statusTok := verifyMail(t, a, r)
		opt := optOutOf("victim@example.com", models.ScopeMarketingEmail)
		opt.Name = phish
		o := submit(t, a, opt)
		del := accessFor("victim@example.com")
		del.Type, del.Name = models.TypeDeletion, phish
		d := submit(t, a, del)
		_, dStatus := verifyMail(t, a, d)
		if _, err := a.Svc.Cancel(t.Context(), d.ID, dStatus); err != nil {
			t.Fatal(err)
		}
		for _, subject := range []string{"Confirm your privacy request " + r.ID, "Your opt-out is in effect", "Confirm your privacy request " + d.ID, d.ID + " is cancelled"} {
			m := a.Mail.WaitFor(t, "victim@example.com", subject)
			if strings.Contains(m.Text, "refund") || strings.Contains(m.HTML, "refund") {
				t.Errorf("%q carries the typed name:\n%s", m.Subject, m.Text)
			}
			if !strings.Contains(m.Text, "Hello,") {
				t.Errorf("%q does not greet plainly:\n%s", m.Subject, m.Text)
			}
		}
		if !strings.Contains(a.Mail.WaitFor(t, "victim@example.com", "Your opt-out is in effect").Text, o.ID) {
			t.Error("opt-out confirmation lacks its request")
		}
		if _, err := a.Svc.Status(t.Context(), r.ID, statusTok); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Svc.Verify(t.Context(), verifyTok, ""); err != nil {
			t.Fatal(err)
		}
		if m := a.Mail.WaitFor(t, "victim@example.com", "We have your privacy request "+r.ID); !strings.Contains(m.Text, "Hello "+phish+",") {
			t.Errorf("receipt after confirmation does not use the name:\n%s", m.Text)
		}
	})
}

// noticesOf returns the recipients told about request id, by reason.
func noticesOf(t *testing.T, a *testapp.App, id string) []string {
	t.Helper()
	var ns []models.ThirdPartyNotice
	if err := a.DB.Where("request_id = ?", id).Order("recipient, reason").Find(&ns).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, n.Recipient+" "+n.Reason)
	}
	return out
}

// TestOptOutNoticesGoOnlyForCustomersAndOnlyTheirScopes proves an opt-out
// for an address that is no store customer's tells no third party, and
// one for a customer tells only the recipients concerned with its scopes,
// naming only those scopes and what the recipient holds: a marketing and
// sale/sharing opt-out reaches the advertising network, not the analytics
// provider. A GPC signal sent with an access request is passed on too.
func TestOptOutNoticesGoOnlyForCustomersAndOnlyTheirScopes(t *testing.T) {
	const adreach, metrics = "AdReach (advertising network)", "MetricsHub (analytics provider)"
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		smallStore(t, a, "sam@example.com", "kim@example.com")
		stranger := submit(t, a, optOutOf("nobody@example.org", models.ScopeSaleSharing, models.ScopeAnalytics))
		sale := submit(t, a, optOutOf("sam@example.com", models.ScopeMarketingEmail, models.ScopeSaleSharing))
		analytics := submit(t, a, optOutOf("kim@example.com", models.ScopeAnalytics))
		gpc := accessFor("kim@example.com")
		gpc.GPC = true
		access := submit(t, a, gpc)
		waitJobsDone(t, a, "notify_third_parties", 4)

		for _, c := range []struct {
			r    *models.Request
			want []string
		}{
			{stranger, nil},
			{sale, []string{adreach + " opt_out"}},
			{analytics, []string{metrics + " opt_out"}},
			{access, []string{adreach + " opt_out"}},
		} {
			if got := noticesOf(t, a, c.r.ID); !slices.Equal(got, c.want) {
				t.Errorf("%s %s: told %q, want %q", c.r.Email, c.r.Scopes, got, c.want)
			}
		}
		var toStranger int64
		if err := a.DB.Model(&models.Email{}).Where("request_id = ? AND kind = ?", stranger.ID, workflows.EmailThirdParty).Count(&toStranger).Error; err != nil || toStranger != 0 {
			t.Fatalf("%d third-party emails about a stranger, %v", toStranger, err)
		}
		m := a.Mail.WaitFor(t, "privacy@adreach.example", sale.ID)
		if !strings.Contains(m.Text, "sam@example.com") || !strings.Contains(m.Text, workflows.Label(models.ScopeSaleSharing)) ||
			strings.Contains(m.Text, workflows.Label(models.ScopeMarketingEmail)) || !strings.Contains(m.Text, "What you hold from us about them: advertising identifiers") {
			t.Errorf("notice to the advertising network:\n%s", m.Text)
		}
		if g := a.Mail.WaitFor(t, "privacy@adreach.example", access.ID); !strings.Contains(g.Subject, "Opt-out") ||
			!strings.Contains(g.Text, workflows.Label(models.ScopeSaleSharing)) {
			t.Errorf("GPC notice:\n%s\n%s", g.Subject, g.Text)
		}
	})
}

// TestRepeatedFilingIsMergedIntoTheWaitingRequest proves the same request
// filed again for an address while one waits for confirmation is merged
// into it: no new request, none counted against the hourly limit, a fresh
// link mailed (at most three links an hour in all) saying the earlier request was
// kept, so a stranger's filings never lock the owner out.
func TestRepeatedFilingIsMergedIntoTheWaitingRequest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		const owner = "owner@example.com"
		first := submit(t, a, accessFor(owner))
		for i := range 8 { // more than the limit of five an hour
			a.Clock.Advance(time.Minute)
			in := accessFor(owner)
			in.Name = "Not The Owner"
			r, err := a.Svc.Submit(t.Context(), in)
			if err != nil {
				t.Fatalf("filing %d: %v", i+2, err)
			}
			if r.ID != first.ID || r.Status != models.StatusPendingVerification {
				t.Fatalf("filing %d: %s %s, want merged into %s", i+2, r.ID, r.Status, first.ID)
			}
		}
		if n := a.Count(t, &models.Request{}); n != 1 {
			t.Fatalf("%d requests, want 1", n)
		}
		if got := reload(t, a, first.ID); got.Name != first.Name || !got.ExpiresAt.Equal(clockStart.Add(2*time.Minute+24*time.Hour)) {
			t.Fatalf("merged request: name %q expires %v", got.Name, got.ExpiresAt)
		}
		// Three links an hour: the first email and two merged ones; the rest are not mailed.
		waitCount(t, a, owner, "Confirm your privacy request "+first.ID, 3)
		m := a.Mail.WaitForNth(t, owner, "Confirm your privacy request "+first.ID, 3)
		if !strings.Contains(m.Text, "so we kept that one") {
			t.Errorf("merged email does not say so:\n%s", m.Text)
		}
		if _, _, err := a.Svc.Verify(t.Context(), tokenIn(t, m, "/requests/verify?token="), ""); err != nil {
			t.Fatalf("merged link: %v", err)
		}
		// Once confirmed, a new filing is a new request.
		if r := submit(t, a, accessFor(owner)); r.ID == first.ID {
			t.Fatal("a filing after confirmation was merged into the confirmed request")
		}
		events, err := models.AuditEventsFor(t.Context(), a.DB.DB, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		merged := 0
		for _, e := range events {
			if e.Action == "merged" {
				merged++
			}
		}
		if merged != 2 {
			t.Errorf("%d merged events, want 2 (one per mailed link)", merged)
		}
	})
}

// TestParseThirdPartiesReadsScopesAndHoldings proves the recipients
// setting takes opt-out scopes as types (that recipient hears only of
// those opt-outs), opt_out for every scope, an optional fourth field of
// what the recipient holds, and refuses anything else.
func TestParseThirdPartiesReadsScopesAndHoldings(t *testing.T) {
	tps, err := workflows.ParseThirdParties("Ads|ads@example.com|deletion,sale_sharing|ad ids;All|all@example.com|opt_out,analytics;Pay|pay@example.com|deletion")
	if err != nil || len(tps) != 3 {
		t.Fatalf("parse: %+v %v", tps, err)
	}
	want := []struct {
		types, scopes []string
		holds         string
	}{
		{[]string{"deletion", "opt_out"}, []string{"sale_sharing"}, "ad ids"},
		{[]string{"opt_out"}, nil, ""},
		{[]string{"deletion"}, nil, ""},
	}
	for i, w := range want {
		if !slices.Equal(tps[i].Types, w.types) || !slices.Equal(tps[i].Scopes, w.scopes) || tps[i].Holds != w.holds {
			t.Errorf("%s: types %q scopes %q holds %q, want %q %q %q", tps[i].Name, tps[i].Types, tps[i].Scopes, tps[i].Holds, w.types, w.scopes, w.holds)
		}
	}
	for _, bad := range []string{"A|a@example.com|refunds", "A|a@example.com|deletion|x|y", "A|jörg@example.de|deletion"} {
		if _, err := workflows.ParseThirdParties(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
