package workflows_test

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// TestVerifyConfirmsOnceSetsDueDateAndMailsReceiptAndStaff proves a
// verification link confirms its request once, sets the due date 30 days
// after confirmation, and that the receipt and the staff notice arrive.
func TestVerifyConfirmsOnceSetsDueDateAndMailsReceiptAndStaff(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		r := submit(t, a, accessFor("alex@example.com"))
		verifyTok, _ := verifyMail(t, a, r)

		a.Clock.Advance(3 * time.Hour)
		got, statusTok, err := a.Svc.Verify(t.Context(), verifyTok, "")
		if err != nil {
			t.Fatal(err)
		}
		verifiedAt := clockStart.Add(3 * time.Hour)
		wantDue := time.Date(2026, 4, 1, 13, 0, 0, 0, time.UTC) // 30 days after 2 March 13:00
		if got.Status != models.StatusVerified {
			t.Fatalf("Verify returned status %s", got.Status)
		}
		// Collection starts at once, so the stored status may have moved on.
		for _, x := range []*models.Request{got, reload(t, a, r.ID)} {
			if x.VerifiedAt == nil || !x.VerifiedAt.Equal(verifiedAt) || x.DueAt == nil || !x.DueAt.Equal(wantDue) ||
				x.ExpiresAt != nil {
				t.Fatalf("verified request: verified_at %v due_at %v expires_at %v; want %v %v nil",
					x.VerifiedAt, x.DueAt, x.ExpiresAt, verifiedAt, wantDue)
			}
		}
		view, err := a.Svc.Status(t.Context(), r.ID, statusTok)
		if err != nil || len(view.History) < 2 || view.History[1].Action != "verify" ||
			view.History[1].FromStatus != models.StatusPendingVerification || view.History[1].ToStatus != models.StatusVerified {
			t.Fatalf("status with the returned token: %+v, %v", view, err)
		}

		receipt := a.Mail.WaitFor(t, r.Email, "We have your privacy request "+r.ID)
		if !strings.Contains(receipt.Text, "We will answer by: Wednesday 1 April 2026") {
			t.Fatalf("receipt lacks the due date:\n%s", receipt.Text)
		}
		if _, err := a.Svc.Status(t.Context(), r.ID, tokenIn(t, receipt, "/status?token=")); err != nil {
			t.Fatalf("receipt's status link: %v", err)
		}
		staff := a.Mail.WaitFor(t, supportAddr, r.ID)
		if !strings.Contains(staff.Text, "/staff/requests/"+r.ID) || staff.Link("token=") != "" ||
			strings.Contains(staff.Text, r.Email) {
			t.Fatalf("staff email must link the staff page and carry no customer link or email:\n%s", staff.Text)
		}

		_, _, err = a.Svc.Verify(t.Context(), verifyTok, "")
		wantErr(t, err, models.EGone, "already been used")
		if n := countEvents(t, a, r.ID, "verify"); n != 1 {
			t.Fatalf("%d verify events after a second use, want 1", n)
		}
	})
}

// TestVerifyRefusesBadTokens proves forged, malformed, truncated and
// wrong-purpose tokens find nothing, and that none of them uses up the real link.
func TestVerifyRefusesBadTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		r := submit(t, a, accessFor("alex@example.com"))
		verifyTok, statusTok := verifyMail(t, a, r)
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		cases := []struct{ name, token string }{
			{"forged", base64.RawURLEncoding.EncodeToString(b)},
			{"empty", ""},
			{"malformed", "not a token; DROP TABLE requests"},
			{"truncated", verifyTok[:len(verifyTok)-1]},
			{"extended", verifyTok + "A"},
			{"standard base64 instead of URL-safe", strings.NewReplacer("-", "+", "_", "/").Replace(verifyTok) + "="},
			{"status token used to verify", statusTok},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := a.Svc.Verify(t.Context(), tc.token, "")
				wantErr(t, err, models.ENotFound, "not valid")
			})
		}
		_, err := a.Svc.Status(t.Context(), r.ID, verifyTok)
		wantErr(t, err, models.ENotFound, "")
		if got := reload(t, a, r.ID); got.Status != models.StatusPendingVerification {
			t.Fatalf("bad tokens changed the request to %s", got.Status)
		}
		if _, _, err := a.Svc.Verify(t.Context(), verifyTok, ""); err != nil {
			t.Fatalf("the real link no longer works: %v", err)
		}
	})
}

// TestVerifyExpiredLinkIsGone proves a link is refused a second after its
// 24 hours, and leaves the request unconfirmed.
func TestVerifyExpiredLinkIsGone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		r := submit(t, a, accessFor("alex@example.com"))
		verifyTok, _ := verifyMail(t, a, r)
		a.Clock.Advance(24*time.Hour + time.Second)
		_, _, err := a.Svc.Verify(t.Context(), verifyTok, "")
		wantErr(t, err, models.EGone, "expired")
		if got := reload(t, a, r.ID); got.Status != models.StatusPendingVerification || got.VerifiedAt != nil {
			t.Fatalf("expired link changed the request: %+v", got)
		}
	})
}

// TestVerifyCancelledRequestConflicts proves a request the requester
// cancelled cannot be confirmed afterwards with its still-valid link.
func TestVerifyCancelledRequestConflicts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		r := submit(t, a, accessFor("alex@example.com"))
		verifyTok, statusTok := verifyMail(t, a, r)
		if _, err := a.Svc.Cancel(t.Context(), r.ID, statusTok); err != nil {
			t.Fatal(err)
		}
		_, _, err := a.Svc.Verify(t.Context(), verifyTok, "")
		wantErr(t, err, models.EConflict, "cancelled")
		if got := reload(t, a, r.ID); got.Status != models.StatusCancelled || got.DueAt != nil {
			t.Fatalf("request after verifying a cancelled one: %+v", got)
		}
	})
}

// TestSecondRequestForSameEmailLeavesVerifiedOneAlone reproduces Fides
// GHSA-qx5f-ghc2-7g5c: someone filing an unverified request with a
// victim's address must neither block nor replace the victim's verified
// request, and confirming the second touches only the second.
func TestSecondRequestForSameEmailLeavesVerifiedOneAlone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		email := "x@example.com"
		first := submit(t, a, accessFor(email))
		firstVerify, _ := verifyMail(t, a, first)
		a.Clock.Advance(time.Hour)
		_, firstStatus, err := a.Svc.Verify(t.Context(), firstVerify, "")
		if err != nil {
			t.Fatal(err)
		}
		before := reload(t, a, first.ID)

		a.Clock.Advance(time.Hour)
		attacker := accessFor(email)
		attacker.Name = "Not Alex"
		second := submit(t, a, attacker)
		if second.ID == first.ID || second.Status != models.StatusPendingVerification {
			t.Fatalf("second request = %+v", second)
		}
		var n int64
		if err := a.DB.Model(&models.Request{}).Where("email = ?", email).Count(&n).Error; err != nil || n != 2 {
			t.Fatalf("%d requests for %s, want 2 (%v)", n, email, err)
		}
		// Collection may move the first request on by itself; nothing the
		// second requester does may send it back, close it, or re-date it.
		assertUnchanged := func(when string) {
			t.Helper()
			now := reload(t, a, first.ID)
			if !slices.Contains(workedOn, now.Status) || !now.DueAt.Equal(*before.DueAt) || now.Name != before.Name ||
				!now.VerifiedAt.Equal(*before.VerifiedAt) || now.Email != before.Email {
				t.Fatalf("%s the first request changed: %+v → %+v", when, before, now)
			}
			view, err := a.Svc.Status(t.Context(), first.ID, firstStatus)
			if err != nil || view.Request.ID != first.ID {
				t.Fatalf("%s the first status link: %+v, %v", when, view, err)
			}
			var byCustomer []string
			for _, e := range view.History {
				if e.Actor == "customer" {
					byCustomer = append(byCustomer, e.Action)
				}
			}
			if !slices.Equal(byCustomer, []string{"submit", "verify"}) {
				t.Fatalf("%s the first request's customer events are %v", when, byCustomer)
			}
		}
		assertUnchanged("after the second filing")

		secondVerify, _ := verifyMail(t, a, second)
		if secondVerify == firstVerify {
			t.Fatal("both requests got the same verify token")
		}
		a.Clock.Advance(time.Hour)
		got, _, err := a.Svc.Verify(t.Context(), secondVerify, "")
		if err != nil || got.ID != second.ID || got.Status != models.StatusVerified {
			t.Fatalf("verify second: %+v, %v", got, err)
		}
		assertUnchanged("after confirming the second,")
	})
}

// TestResendMailsNewLinksForPendingRequests proves a resend mails, from
// its job, a fresh link for each of the address's pending requests, gives
// each another 24 hours, keeps the old links working until used, leaves
// confirmed requests alone, and sends nothing for an unknown address.
func TestResendMailsNewLinksForPendingRequests(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		email := "alex@example.com"
		verified := submit(t, a, accessFor(email)) // confirmed: must not be re-sent
		vtok, _ := verifyMail(t, a, verified)
		if _, _, err := a.Svc.Verify(t.Context(), vtok, ""); err != nil {
			t.Fatal(err)
		}
		var rs []*models.Request
		var oldLinks []string
		for _, typ := range []string{models.TypeAccess, models.TypeDeletion} {
			in := accessFor(email)
			in.Type = typ
			r := submit(t, a, in)
			tok, _ := verifyMail(t, a, r)
			rs, oldLinks = append(rs, r), append(oldLinks, tok)
			a.Clock.Advance(time.Minute)
		}

		a.Clock.Advance(2 * time.Hour)
		emailsBefore := a.Count(t, &models.Email{})
		if err := a.Svc.Resend(t.Context(), "nobody@example.com"); err != nil {
			t.Fatalf("resend to an unknown address: %v", err)
		}
		waitJobsDone(t, a, "resend_links", 1)
		if n := a.Count(t, &models.Email{}); n != emailsBefore {
			t.Fatalf("resend to an unknown address queued %d emails", n-emailsBefore)
		}
		if err := a.Svc.Resend(t.Context(), " ALEX@example.com"); err != nil {
			t.Fatal(err)
		}
		waitJobsDone(t, a, "resend_links", 2)
		if n := a.Count(t, &models.Email{}); n != emailsBefore+2 {
			t.Fatalf("resend queued %d emails, want 2", n-emailsBefore)
		}

		newExpiry := a.Clock.Now().Add(24 * time.Hour)
		for i, r := range rs {
			waitCount(t, a, email, "Confirm your privacy request "+r.ID, 2)
			if got := reload(t, a, r.ID); !got.ExpiresAt.Equal(newExpiry) {
				t.Errorf("request %d: expires_at %v, want %v", i, got.ExpiresAt, newExpiry)
			}
		}
		waitCount(t, a, email, "Confirm your privacy request "+verified.ID, 1)

		// The first link of a re-sent request still works, once.
		if _, _, err := a.Svc.Verify(t.Context(), oldLinks[1], ""); err != nil {
			t.Fatalf("old link after a resend: %v", err)
		}
		_, _, err := a.Svc.Verify(t.Context(), oldLinks[1], "")
		wantErr(t, err, models.EGone, "already been used")

		// The new link of another request works too.
		m := a.Mail.WaitForNth(t, email, "Confirm your privacy request "+rs[0].ID, 2)
		if m.Link("verify?token=") == "" || strings.Contains(m.Link("verify?token="), oldLinks[0]) {
			t.Fatalf("resent email has no new link:\n%s", m.Text)
		}
		if _, _, err := a.Svc.Verify(t.Context(), tokenIn(t, m, "/requests/verify?token="), ""); err != nil {
			t.Fatalf("new link: %v", err)
		}

		err = a.Svc.Resend(t.Context(), "not an email")
		wantErr(t, err, models.EInvalid, "")
	})
}

// TestExpireUnverifiedClosesStaleRequests proves requests not confirmed
// within 24 hours become expired, with an audit event, while confirmed
// ones are untouched, and that an expired request cannot be confirmed.
func TestExpireUnverifiedClosesStaleRequests(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		stale := submit(t, a, accessFor("stale@example.com"))
		staleTok, _ := verifyMail(t, a, stale)
		done := submit(t, a, accessFor("done@example.com"))
		doneTok, _ := verifyMail(t, a, done)
		if _, _, err := a.Svc.Verify(t.Context(), doneTok, ""); err != nil {
			t.Fatal(err)
		}
		a.Clock.Advance(23 * time.Hour)
		fresh := submit(t, a, accessFor("fresh@example.com"))
		late := submit(t, a, accessFor("late@example.com"))
		lateTok, _ := verifyMail(t, a, late)
		if n, err := a.Svc.ExpireUnverified(t.Context()); err != nil || n != 0 {
			t.Fatalf("before 24 h: expired %d, %v", n, err)
		}
		// late's link outlives its request, as when its email went out late
		// after SMTP retries: only the request's own window has closed.
		if err := a.DB.Model(&models.Request{}).Where("id = ?", late.ID).
			Update("expires_at", a.Clock.Now().Add(-time.Second)).Error; err != nil {
			t.Fatal(err)
		}

		a.Clock.Advance(time.Hour + time.Second)
		n, err := a.Svc.ExpireUnverified(t.Context())
		if err != nil || n != 2 {
			t.Fatalf("ExpireUnverified = %d, %v; want 2", n, err)
		}
		for _, r := range []*models.Request{stale, late} {
			got := reload(t, a, r.ID)
			if got.Status != models.StatusExpired || got.ClosedAt == nil || !got.ClosedAt.Equal(a.Clock.Now()) {
				t.Fatalf("%s: status %s closed_at %v", r.Email, got.Status, got.ClosedAt)
			}
			events, err := models.AuditEventsFor(t.Context(), a.DB.DB, r.ID)
			// The workers' periodic reminder may have reminded stale at 23 h
			// (an event that moves no status); the moves are filed, expired.
			moves := slices.DeleteFunc(slices.Clone(events), func(e models.AuditEvent) bool { return e.FromStatus == e.ToStatus })
			if err != nil || len(moves) != 2 || moves[1].ToStatus != models.StatusExpired || moves[1].Actor != "system" {
				t.Fatalf("%s audit: %+v, %v", r.Email, events, err)
			}
		}
		if got := reload(t, a, done.ID); !slices.Contains(workedOn, got.Status) || got.ClosedAt != nil ||
			countEvents(t, a, done.ID, "expire") != 0 {
			t.Fatalf("verified request expired: %+v", got)
		}
		if got := reload(t, a, fresh.ID); got.Status != models.StatusPendingVerification {
			t.Fatalf("request still within its day: %s", got.Status)
		}

		_, _, err = a.Svc.Verify(t.Context(), staleTok, "")
		wantErr(t, err, models.EGone, "expired")
		_, _, err = a.Svc.Verify(t.Context(), lateTok, "") // link valid, request expired
		wantErr(t, err, models.EGone, "expired because its email was not confirmed")
		if got := reload(t, a, late.ID); got.Status != models.StatusExpired {
			t.Fatalf("verifying revived an expired request: %s", got.Status)
		}
		if n, err := a.Svc.ExpireUnverified(t.Context()); err != nil || n != 0 {
			t.Fatalf("second run expired %d, %v; want 0", n, err)
		}
	})
}

// workedOn are the statuses a verified request moves through by itself
// while its records are collected.
var workedOn = []string{models.StatusVerified, models.StatusInProgress, models.StatusAwaitingApproval}

// countEvents counts a request's audit events with action ("" for all).
func countEvents(t *testing.T, a *testapp.App, id, action string) int {
	t.Helper()
	events, err := models.AuditEventsFor(t.Context(), a.DB.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if action == "" || e.Action == action {
			n++
		}
	}
	return n
}
