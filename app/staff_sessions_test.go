package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// staffSessionCount is how many session rows name the staff member.
func staffSessionCount(t *testing.T, a *testapp.App, id int64) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Raw("SELECT count(*) FROM sessions WHERE staff_id = ?", id).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// sessionRow is one sessions row as stored.
type sessionRow struct {
	Token   string
	Data    []byte
	StaffID int64
}

func TestDisablingChangingRoleOrResettingPasswordEndsTheMembersSessions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		path   string // under /staff/admin/staff/ID
		form   url.Values
		undo   url.Values // a later change that must not revive the old sessions
		status int
	}{
		{"disable", "", url.Values{"role": {"agent"}, "disabled": {"on"}}, url.Values{"role": {"agent"}}, http.StatusSeeOther},
		{"role change", "", url.Values{"role": {"admin"}}, url.Values{"role": {"agent"}}, http.StatusSeeOther},
		{"password reset", "/password", url.Values{}, nil, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, dialect string) {
				a := testapp.New(t, dialect, staffOpts)
				admin, _ := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
				pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
				sam := staffUser(t, a, "sam@kactoily.example")
				laptop, phone := newBrowser(a), newBrowser(a)
				a.Login(t, laptop.c, sam.Email, pw)
				a.Login(t, phone.c, sam.Email, pw)
				if n := staffSessionCount(t, a, sam.ID); n != 2 {
					t.Fatalf("sessions of the member before: %d, want 2", n)
				}
				// A copy of a session row as it stood, to write back as a request
				// still in flight during the change would.
				var before sessionRow
				if err := a.DB.Raw("SELECT token, data, staff_id FROM sessions WHERE staff_id = ? LIMIT 1", sam.ID).Scan(&before).Error; err != nil {
					t.Fatal(err)
				}

				page := "/staff/admin/staff/" + strconv.FormatInt(sam.ID, 10)
				wantStatus(t, admin.post(t, page+tc.path, tc.form), tc.status, "")
				if n := staffSessionCount(t, a, sam.ID); n != 0 {
					t.Fatalf("%s left %d of the member's sessions", tc.name, n)
				}
				for _, b := range []*browser{laptop, phone} {
					wantStatus(t, b.get(t, "/staff/queue"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fqueue")
				}
				wantStatus(t, admin.get(t, "/staff/queue"), http.StatusOK, "") // the admin's own session lives on
				if tc.undo != nil {
					wantStatus(t, admin.post(t, page, tc.undo), http.StatusSeeOther, "/staff/admin/staff")
				}
				// Written back after the change, as a request still in flight
				// during it commits its session, the old session opens nothing.
				store := models.NewSessionStore(a.DB, 0)
				if err := store.CommitStaff(before.Token, before.Data, time.Now().Add(time.Hour), before.StaffID); err != nil {
					t.Fatal(err)
				}
				for _, b := range []*browser{laptop, phone} {
					wantStatus(t, b.get(t, "/staff/queue"), http.StatusSeeOther, "/staff/login?next=%2Fstaff%2Fqueue")
				}
				if n := staffSessionCount(t, a, sam.ID); n != 0 {
					t.Errorf("the stale session written back was not deleted when refused: %d left", n)
				}
				if tc.undo != nil { // re-enabled or role restored: the member signs in anew
					a.Login(t, newBrowser(a).c, sam.Email, pw)
				}
			})
		})
	}
}

var shownPassword = regexp.MustCompile(`shown only this once:</p>\s*<p class="mono"><strong>([A-Za-z0-9_-]{20})</strong>`)

func TestAdminResetsAPasswordShownOnceAuditedAndUnlocking(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		old := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		sam := staffUser(t, a, "sam@kactoily.example")
		for range 5 { // locked out
			wantStatus(t, newBrowser(a).login(t, sam.Email, "not the password"), http.StatusUnauthorized, "")
		}
		page := "/staff/admin/staff/" + strconv.FormatInt(sam.ID, 10) + "/password"

		ans := admin.post(t, page, url.Values{})
		wantStatus(t, ans, http.StatusOK, "")
		if cc := ans.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("page showing a new password: Cache-Control %q, want no-store", cc)
		}
		m := shownPassword.FindStringSubmatch(ans.Body)
		if m == nil {
			t.Fatalf("no new password shown:\n%s", ans.Body)
		}
		pw := m[1]
		if strings.Count(ans.Body, pw) != 1 {
			t.Errorf("the new password appears %d times on the page", strings.Count(ans.Body, pw))
		}
		lacks(t, admin.get(t, "/staff/admin/staff").Body, pw) // shown once: not on the next visit

		wantStatus(t, newBrowser(a).login(t, sam.Email, old), http.StatusUnauthorized, "")
		a.Login(t, newBrowser(a).c, sam.Email, pw) // the lock is lifted too

		var evs []models.AuditEvent
		if err := a.DB.Where("action = ?", "staff_password_reset").Find(&evs).Error; err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Actor != root.Email || evs[0].RequestID != nil {
			t.Fatalf("audit events of the reset: %+v", evs)
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(evs[0].Details), &d); err != nil || d["staff_id"] != float64(sam.ID) {
			t.Fatalf("audit details %q: %v", evs[0].Details, err)
		}
		var leaked int64
		if err := a.DB.Raw("SELECT count(*) FROM audit_events WHERE details LIKE ?", "%"+pw+"%").Scan(&leaked).Error; err != nil || leaked != 0 {
			t.Fatalf("the new password is in the audit trail (%d, %v)", leaked, err)
		}
		if _, broken, err := models.VerifyAuditChain(t.Context(), a.DB.DB); err != nil || broken != nil {
			t.Fatalf("audit chain after the reset: %v %+v", err, broken)
		}

		// Not on one's own account, and only for an existing one.
		wantStatus(t, admin.post(t, "/staff/admin/staff/"+strconv.FormatInt(root.ID, 10)+"/password", url.Values{}), http.StatusForbidden, "")
		wantStatus(t, admin.post(t, "/staff/admin/staff/999999/password", url.Values{}), http.StatusNotFound, "")
	})
}
