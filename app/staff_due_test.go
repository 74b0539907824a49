package app_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// TestARequestPastItsDueDateOffersNoExtensionAndTheServiceRefusesOne
// proves the request page and the service agree on the due date: before
// it the page offers "Extend deadline", from it on the page does not, and
// a posted extension is refused (409) and changes nothing.
func TestARequestPastItsDueDateOffersNoExtensionAndTheServiceRefusesOne(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := staffOpts
		o.NoJobs = true
		a := testapp.New(t, dialect, o)
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		id := fileConfirmed(t, a, root, models.TypeAccess, "vera@example.com", "Vera Verified")
		page := "/staff/requests/" + id
		contains(t, admin.get(t, page).Body, `id="extend-form"`, `action="`+page+`/extend"`)

		r, err := models.FindRequest(t.Context(), a.DB.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		a.Clock.Advance(r.DueAt.Sub(a.Clock.Now()) + time.Hour)
		body := admin.get(t, page).Body
		lacks(t, body, `id="extend-form"`, `action="`+page+`/extend"`)
		contains(t, body, `id="deny-form"`) // the rest of the work is still offered

		before := snapshot(t, a)
		ans := admin.post(t, page+"/extend", url.Values{"days": {"10"}, "reason": {"We need more time."}})
		wantStatus(t, ans, http.StatusConflict, "")
		contains(t, ans.Body, "The due date has passed")
		assertUnchanged(t, a, before)
		if after, _ := models.FindRequest(t.Context(), a.DB.DB, id); after.ExtendedAt != nil || !after.DueAt.Equal(*r.DueAt) {
			t.Errorf("refused extension moved the due date: %v → %v, extended %v", r.DueAt, after.DueAt, after.ExtendedAt)
		}
	})
}
