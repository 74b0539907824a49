package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// tamper changes one character in the middle of a token, keeping its shape.
func tamper(tok string) string {
	b := []byte(tok)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestEachTokenOpensOnlyItsOwnDoorOfItsOwnRequest tries every kind of
// customer token (verification, used verification, status, download), and
// each with one character changed, on every customer door (verify link,
// status page, JSON status, cancel, download) of its own request and of
// another: only a status token opens its own request's status, and nothing
// else opens anything or changes anything.
func TestEachTokenOpensOnlyItsOwnDoorOfItsOwnRequest(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: roomy.Limits})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		idA, downloadPath := completedAccess(t, a, staffUser(t, a, "admin@kactoily.example"), demo.AlexMorganEmail, 1)
		verifyA := a.Mail.WaitFor(t, demo.AlexMorganEmail, "Confirm your privacy request "+idA)
		receiptA := a.Mail.WaitFor(t, demo.AlexMorganEmail, "We have your privacy request "+idA)
		idB := fileAccess(t, a, demo.JaneDoeEmail, "Jane Doe")
		verifyB := verifyEmail(t, a, demo.JaneDoeEmail, idB)

		type token struct {
			name, purpose, id, value string
		}
		tokens := []token{
			{"A's used verification token", "verify-used", idA, tokenOf(t, verifyA.Link("/requests/verify?token="))},
			{"A's status token", "status", idA, tokenOf(t, receiptA.Link("/status?token="))},
			{"A's download token", "download", idA, tokenOf(t, downloadPath)},
			{"B's verification token", "verify", idB, tokenOf(t, verifyB.Link("/requests/verify?token="))},
			{"B's status token", "status", idB, tokenOf(t, verifyB.Link("/status?token="))},
		}
		for _, tk := range tokens[:len(tokens):len(tokens)] {
			tokens = append(tokens, token{tk.name + " with one character changed", "forged", tk.id, tamper(tk.value)})
		}
		doors := []struct {
			name, purpose string
			open          func(id, tok string) answer
		}{
			{"verify link", "verify", func(_, tok string) answer { return get(t, a, "/requests/verify?token="+url.QueryEscape(tok)) }},
			{"status page", "status", func(id, tok string) answer {
				return get(t, a, "/requests/"+id+"/status?token="+url.QueryEscape(tok))
			}},
			{"JSON status", "status", func(id, tok string) answer {
				return send(t, a, http.MethodGet, "/api/v1/requests/"+id, "", "", hdr("Authorization", "Bearer "+tok))
			}},
			{"cancel", "cancel", func(id, tok string) answer {
				return postForm(t, a, "/requests/"+id+"/cancel", url.Values{"token": {tok}}, nil)
			}},
			{"download", "download", func(id, tok string) answer {
				return get(t, a, "/requests/"+id+"/download?token="+url.QueryEscape(tok))
			}},
			{"verify button", "verify", func(_, tok string) answer { return confirmVerify(t, a, tok, nil) }},
			{"download button", "download", func(id, tok string) answer {
				return postForm(t, a, "/requests/"+id+"/download", url.Values{"token": {tok}}, nil)
			}},
			{"fresh download link", "cancel", func(id, tok string) answer {
				return postForm(t, a, "/requests/"+id+"/download-link", url.Values{"token": {tok}}, nil)
			}},
		}
		before := snapshot(t, a)
		for _, tk := range tokens {
			for _, d := range doors {
				for _, id := range []string{idA, idB} {
					own := id == tk.id
					if d.purpose == "verify" && !own {
						continue // the verify link names no request
					}
					want := http.StatusNotFound
					switch {
					case tk.purpose == "status" && d.purpose == "status" && own:
						want = http.StatusOK
					case tk.purpose == "verify-used" && d.purpose == "verify":
						want = http.StatusGone
					case tk.purpose == "verify" && d.purpose == "verify", tk.purpose == "status" && d.purpose == "cancel" && own,
						tk.purpose == "download" && d.purpose == "download" && own:
						continue // the genuine use; each has its own test
					}
					ans := d.open(id, tk.value)
					if ans.Status != want {
						t.Errorf("%s on %s of %s: %d, want %d", tk.name, d.name, id, ans.Status, want)
					}
					if want != http.StatusOK {
						lacks(t, ans.Body, demo.AlexMorganEmail, demo.JaneDoeEmail, "PK\x03\x04")
					}
				}
			}
		}
		assertUnchanged(t, a, before)
		if got := statusOf(t, a, idB); got != models.StatusPendingVerification {
			t.Errorf("B is %s, want still pending", got)
		}
		if got := statusOf(t, a, idA); got != models.StatusCompleted {
			t.Errorf("A is %s, want still completed", got)
		}
		if n := auditCount(t, a, idA, "download"); n != 0 {
			t.Errorf("%d downloads counted", n)
		}
		// The genuine tokens still work after all that.
		if ans := downloadZip(t, a, downloadPath, nil); ans.Status != http.StatusOK || !strings.HasPrefix(ans.Body, "PK") {
			t.Errorf("genuine download: %d", ans.Status)
		}
		verifyRequestWithProof(t, a, verifyB.Link("/requests/verify?token="), a.IdentityProof(t, demo.JaneDoeEmail))
	})
}

func TestSessionCookieIsNeverChosenByTheBrowserNorReusableAfterSignOut(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		id := fileConfirmed(t, a, adminActor(t, a), models.TypeAccess, "vera@example.com", "Vera Verified")
		pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)

		// Fixation: the attacker chose a cookie value and planted it first.
		chosen := randomToken()
		victim := newBrowser(a)
		victim.setSession(chosen)
		wantStatus(t, victim.get(t, "/staff/queue"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fqueue")
		wantStatus(t, victim.login(t, "sam@kactoily.example", pw), http.StatusSeeOther, "/staff/queue")
		signedInCookie := victim.session()
		if signedInCookie == "" || signedInCookie == chosen {
			t.Fatalf("cookie after sign-in %q: want a new one, not the planted %q", signedInCookie, chosen)
		}
		attacker := newBrowser(a)
		attacker.setSession(chosen)
		wantStatus(t, attacker.get(t, "/staff/queue"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fqueue")

		// Reuse after sign-out: a copy of the cookie (stolen, or another tab)
		// can neither read nor act.
		stolen := newBrowser(a)
		stolen.setSession(signedInCookie)
		wantStatus(t, stolen.get(t, "/staff/queue"), http.StatusOK, "")
		out := victim.post(t, "/staff/logout", url.Values{})
		wantStatus(t, out, http.StatusSeeOther, "/staff/login")
		if c := out.Header.Get("Set-Cookie"); !strings.Contains(c, "pd_session=;") || !strings.Contains(c, "Max-Age=0") {
			t.Errorf("sign-out Set-Cookie %q: want the cookie cleared", c)
		}
		before, notes := snapshot(t, a), a.Count(t, &models.Note{})
		for _, b := range []*browser{stolen, victim} {
			b.setSession(signedInCookie)
			wantStatus(t, b.get(t, "/staff/requests/"+id), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Frequests%2F"+id)
			wantStatus(t, b.post(t, "/staff/requests/"+id+"/note", url.Values{"note": {"after sign-out"}}), http.StatusUnauthorized, "")
			wantStatus(t, b.post(t, "/staff/requests/"+id+"/deny", url.Values{"reason": {"after sign-out"}}), http.StatusUnauthorized, "")
		}
		assertUnchanged(t, a, before)
		if n := a.Count(t, &models.Note{}); n != notes {
			t.Fatalf("a signed-out cookie wrote %d notes", n-notes)
		}
		if got := statusOf(t, a, id); got != models.StatusVerified {
			t.Fatalf("request became %s", got)
		}
	})
}
