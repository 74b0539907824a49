package app_test

import (
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/templates"
)

// link is one address to try: a method, a path and who asks.
type link struct {
	method, path string
	b            *browser // nil: a customer's client
	form         url.Values
}

// notAPage is what the server says of an address no route answers.
const notAPage = "We could not find that page."

// wantRouted fails unless the server has a route for l: neither the
// unknown-address page (404 "We could not find that page.") nor the
// wrong-method one (405) answers it. A route's own 404 (a wrong token in
// an empty form) says something else.
func wantRouted(t *testing.T, a *testapp.App, l link) {
	t.Helper()
	var ans answer
	switch {
	case l.b != nil:
		ans = l.b.do(t, l.method, l.path, l.form, hdr("Sec-Fetch-Site", "same-origin"))
	case l.method == http.MethodPost:
		ans = postForm(t, a, l.path, l.form, nil)
	default:
		ans = get(t, a, l.path)
	}
	if ans.Status == http.StatusNotFound && strings.Contains(ans.Body, notAPage) || ans.Status == http.StatusMethodNotAllowed {
		t.Errorf("%s %s: %d, no route answers it", l.method, l.path, ans.Status)
	}
}

// TestEveryLinkTheBuilderAndThePagesMakeIsAnsweredByARoute builds every
// kind of address package links makes, with a real request, real emailed
// tokens and real staff, and proves the real server routes each (the
// emailed links are the builder's own); then every link and form of every
// page template, and every link of every email sent meanwhile.
func TestEveryLinkTheBuilderAndThePagesMakeIsAnsweredByARoute(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, staffOpts)
		admin, root := signedIn(t, a, "ada@kactoily.example", "Ada Admin", models.RoleAdmin)
		a.AddStaff(t, "otto@kactoily.example", "Otto Agent", models.RoleAgent)
		agentID := strconv.FormatInt(staffUser(t, a, "otto@kactoily.example").ID, 10)
		id, download := completedAccess(t, a, root, "vera@example.com", 1)
		done := a.Mail.WaitFor(t, "vera@example.com", "Your data from Kactoily is ready")
		status := pathOf(t, a, done.Link("/status?token="))
		stok, dtok := tokenOf(t, status), tokenOf(t, download)
		if status != links.StatusPage(id, stok) || download != links.DownloadPage(id, dtok) {
			t.Errorf("emailed links %q and %q are not the builder's", status, download)
		}
		pending := fileAccess(t, a, "pia@example.com", "Pia Pending")
		vtok := tokenOf(t, verifyEmail(t, a, "pia@example.com", pending).Link("verify?token="))

		tok := url.Values{"token": {stok}}
		all := []link{
			{method: "GET", path: links.Home}, {method: "GET", path: links.Policy}, {method: "GET", path: links.NewRequest},
			{method: "POST", path: links.NewRequest, form: url.Values{}}, {method: "GET", path: links.ReceivedPage("access")},
			{method: "GET", path: links.VerifyPage(vtok)}, {method: "POST", path: links.Verify, form: url.Values{"token": {vtok}}},
			{method: "GET", path: links.Lookup}, {method: "POST", path: links.Lookup, form: url.Values{}},
			{method: "GET", path: links.Resend}, {method: "POST", path: links.Resend, form: url.Values{}},
			{method: "GET", path: links.StatusPage(id, stok)}, {method: "POST", path: links.Path(links.Cancel, id), form: tok},
			{method: "POST", path: links.Path(links.Appeal, id), form: tok}, {method: "GET", path: links.DownloadPage(id, dtok)},
			{method: "POST", path: links.Path(links.Download, id), form: url.Values{"token": {dtok}}},
			{method: "POST", path: links.Path(links.DownloadLink, id), form: tok},
			{method: "GET", path: links.APIRequestPath(id) + "?token=" + url.QueryEscape(stok)},

			{method: "GET", path: links.Staff, b: admin}, {method: "GET", path: links.StaffLogin, b: admin},
			{method: "GET", path: links.LoginPage(links.Queue), b: admin}, {method: "GET", path: links.Queue, b: admin},
			{method: "GET", path: links.QueuePage(url.Values{"status": {models.StatusVerified}}), b: admin},
			{method: "GET", path: links.StaffNew, b: admin}, {method: "POST", path: links.StaffNew, b: admin, form: url.Values{}},
			{method: "GET", path: links.StaffRequestPage(id), b: admin},
			{method: "GET", path: links.StaffAdmin, b: admin}, {method: "POST", path: links.StaffAdmin, b: admin, form: url.Values{}},
			{method: "POST", path: links.StaffMemberPath(agentID), b: admin, form: url.Values{}},
			{method: "POST", path: links.StaffPasswordPath(agentID), b: admin, form: url.Values{}},
			{method: "GET", path: links.Reports, b: admin}, {method: "GET", path: links.ReportsCSV, b: admin},
		}
		for _, act := range links.StaffActs() {
			all = append(all, link{method: "POST", path: links.StaffAction(id, act), b: admin, form: url.Values{}})
			if act != links.ActUnlock { // its address was never a page
				all = append(all, link{method: "GET", path: links.StaffAction(id, act), b: admin})
			}
		}
		for _, l := range all {
			wantRouted(t, a, l)
		}
		if ans := postJSON(t, a, `{"type":"access","email":"api@example.com","name":"Api"}`, nil); ans.Status != http.StatusAccepted {
			t.Errorf("POST %s: %d", links.APIRequests, ans.Status)
		}

		// Every address a page template writes, with the request's id (a
		// staff account's on the staff page) in place of its template code.
		for _, l := range templateLinks(t, id, agentID, admin) {
			wantRouted(t, a, l)
		}
		for _, m := range a.Mail.Messages() {
			for _, l := range m.Links() {
				if strings.HasPrefix(l, a.URL()+"/") {
					wantRouted(t, a, link{method: "GET", path: strings.TrimPrefix(l, a.URL()), b: admin})
				}
			}
		}
		wantRouted(t, a, link{method: "POST", path: links.StaffLogout, b: admin, form: url.Values{}})
	})
}

var (
	attrRE = regexp.MustCompile(`(?s)<(a|form)\b[^>]*?\b(href|action)="(/[^"]*)"[^>]*>`)
	codeRE = regexp.MustCompile(`\{\{[^}]*\}\}`)
)

// templateLinks returns every link and form address of the page
// templates, as a GET (a form with method="get" or a link) or a POST.
func templateLinks(t *testing.T, id, staffID string, b *browser) []link {
	t.Helper()
	names, err := fs.Glob(templates.FS, "pages/*.html")
	if err != nil {
		t.Fatal(err)
	}
	var out []link
	for _, name := range names {
		src, err := fs.ReadFile(templates.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range attrRE.FindAllStringSubmatch(string(src), -1) {
			path := codeRE.ReplaceAllStringFunc(m[3], func(code string) string {
				switch {
				case strings.Contains(code, "ID") && strings.HasSuffix(name, "staff_admin.html"):
					return staffID
				case strings.Contains(code, "ID"):
					return id
				case strings.Contains(code, "Type"):
					return models.TypeAccess
				}
				return ""
			})
			l := link{method: http.MethodGet, path: html.UnescapeString(path), b: b}
			if m[1] == "form" && !strings.Contains(m[0], `method="get"`) {
				l.method, l.form = http.MethodPost, url.Values{}
			}
			if l.path == links.StaffLogout {
				continue // tried last, as it ends the session
			}
			out = append(out, l)
		}
	}
	if len(out) < 40 {
		t.Fatalf("found only %d links in the page templates; the pattern misses them", len(out))
	}
	return out
}
