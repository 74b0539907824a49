package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// TestRegionFromEachFormAndTheAPIIsValidatedAndStored files requests with a
// region through the public form, the staff form and the JSON API, and
// shows a missing region becomes "other" while an unknown one is refused
// with a field error on every channel.
func TestRegionFromEachFormAndTheAPIIsValidatedAndStored(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		agent, _ := signedIn(t, a, "quinn@kactoily.example", "Quinn Agent", models.RoleAgent)

		// Each form offers the select, "somewhere else" chosen by default.
		for _, page := range []answer{get(t, a, "/requests/new"), agent.get(t, "/staff/requests/new")} {
			contains(t, page.Body, `<select id="region" name="region"`, `<option value="eu">`, `<option value="other" selected>`)
		}

		regionOf := func(email string) string {
			t.Helper()
			var r models.Request
			if err := a.DB.Where("email = ?", email).Take(&r).Error; err != nil {
				t.Fatalf("request of %s: %v", email, err)
			}
			return r.Region
		}
		id, _ := created(t, postJSON(t, a, `{"type":"access","email":"eu@example.com","name":"Eva","region":"eu"}`, nil))
		if got := regionOf("eu@example.com"); got != models.RegionEU || id == "" {
			t.Fatalf("API region eu stored as %q", got)
		}
		created(t, postJSON(t, a, `{"type":"access","email":"none@example.com","name":"Nia"}`, nil))
		if got := regionOf("none@example.com"); got != models.RegionOther {
			t.Fatalf("API without region stored %q, want other", got)
		}
		bad := postJSON(t, a, `{"type":"access","email":"mars@example.com","name":"Mo","region":"mars"}`, nil)
		if e := decodeAPIError(t, bad); bad.Status != http.StatusUnprocessableEntity || e.Error.Fields["region"] == "" {
			t.Fatalf("unknown region: %d %+v, want 422 with a region field error", bad.Status, e)
		}

		form := url.Values{"type": {"deletion"}, "name": {"Cal"}, "email": {"cal@example.com"}, "region": {"us-ca"}}
		if ans := postForm(t, a, "/requests/new", form, nil); ans.Status != http.StatusSeeOther {
			t.Fatalf("public form: %d\n%s", ans.Status, ans.Body)
		}
		if got := regionOf("cal@example.com"); got != models.RegionCalifornia {
			t.Fatalf("public form region stored as %q", got)
		}
		form.Set("email", "moon@example.com")
		form.Set("region", "moon")
		ans := postForm(t, a, "/requests/new", form, nil)
		wantStatus(t, ans, http.StatusUnprocessableEntity, "")
		contains(t, ans.Body, `id="region-error"`)

		staffForm := url.Values{"type": {"access"}, "name": {"Erik"}, "email": {"erik@example.com"}, "region": {"eu"}}
		if ans := agent.post(t, "/staff/requests/new", staffForm); ans.Status != http.StatusSeeOther {
			t.Fatalf("staff form: %d\n%s", ans.Status, ans.Body)
		}
		if got := regionOf("erik@example.com"); got != models.RegionEU {
			t.Fatalf("staff form region stored as %q", got)
		}
		staffForm.Set("email", "x@example.com")
		staffForm.Set("region", "EU ")
		wantStatus(t, agent.post(t, "/staff/requests/new", staffForm), http.StatusUnprocessableEntity, "")
	})
}

// TestExtensionLimitFollowsTheRequestersLaw extends requests of each
// region through the staff page: CCPA allows 45 more days and no more,
// GDPR two calendar months (61 days from a 1 April due date), and a
// request from elsewhere gets the shorter, 45; the page names the law.
func TestExtensionLimitFollowsTheRequestersLaw(t *testing.T) {
	t.Parallel()
	cases := []struct {
		region, law  string
		allowed, max int // max: the most days the page offers
	}{
		{models.RegionCalifornia, "CCPA", 45, 45},
		{models.RegionEU, "GDPR", 61, 61},
		{models.RegionOther, "CCPA limits", 45, 45},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o) // 2 March: due dates fall on 1 April
		b, _ := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		for _, tc := range cases {
			t.Run(tc.region, func(t *testing.T) {
				form := url.Values{"type": {"access"}, "name": {"Req " + tc.region}, "email": {tc.region + "@example.com"},
					"region": {tc.region}, "identity_confirmed": {"Called back on the account's number."}}
				ans := b.post(t, "/staff/requests/new", form)
				wantStatus(t, ans, http.StatusSeeOther, "")
				page := ans.Header.Get("Location")
				var r models.Request
				if err := a.DB.Where("email = ?", tc.region+"@example.com").Take(&r).Error; err != nil {
					t.Fatal(err)
				}
				if r.DueAt == nil || r.DueAt.Day() != 1 || r.DueAt.Month() != 4 {
					t.Fatalf("due %v, want 1 April", r.DueAt)
				}
				shown := b.get(t, page)
				contains(t, shown.Body, `id="regime"`, "Law: <strong>"+tc.law, "by up to "+strconv.Itoa(tc.max)+" days")

				over := url.Values{"days": {strconv.Itoa(tc.allowed + 1)}, "reason": {"We need more time."}}
				refused := b.post(t, page+"/extend", over)
				wantStatus(t, refused, http.StatusUnprocessableEntity, "")
				contains(t, refused.Body, "at most "+strconv.Itoa(tc.allowed)+" days")
				if got := reloadRequest(t, a, r.ID); got.ExtendedAt != nil {
					t.Fatalf("a refused extension was applied: %+v", got)
				}
				ok := url.Values{"days": {strconv.Itoa(tc.allowed)}, "reason": {"We need more time."}}
				wantStatus(t, b.post(t, page+"/extend", ok), http.StatusSeeOther, page)
				got := reloadRequest(t, a, r.ID)
				if want := r.DueAt.AddDate(0, 0, tc.allowed); got.DueAt == nil || !got.DueAt.Equal(want) {
					t.Fatalf("due after extension %v, want %v", got.DueAt, want)
				}
			})
		}
	})
}
