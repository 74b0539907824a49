package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/demo"
	"github.com/kactoily/privacydesk/export"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
)

var (
	hrefRE      = regexp.MustCompile(`href="([^"]*)"`)
	filePathRE  = regexp.MustCompile(`(?:data|csv)/[a-z_]+\.(?:json|csv)`)
	recordRowRE = regexp.MustCompile(`(?s)<tr><td data-label=`)
)

// downloadExport completes an access request for email and returns the
// files of the downloaded ZIP by name.
func downloadExport(t *testing.T, a *testapp.App, admin *models.StaffUser, email string) map[string][]byte {
	t.Helper()
	_, path := completedAccess(t, a, admin, email, 1)
	ans := downloadZip(t, a, path, nil)
	if ans.Status != 200 {
		t.Fatalf("download %s: %d", email, ans.Status)
	}
	zr, err := zip.NewReader(strings.NewReader(ans.Body), int64(len(ans.Body)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return files
}

// visibleText is the page's text as a reader sees it, tags removed.
func visibleText(page string) string {
	page = regexp.MustCompile(`(?s)<style>.*?</style>`).ReplaceAllString(page, "")
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(page, " "))), " ")
}

// TestExportIndexShowsThePersonsRecordsReadably unzips a real export of
// seeded customers and proves index.html shows their own values (name,
// an order total as money, dates in words), links to every data/ and csv/
// file of the ZIP, never shows a stored snake_case name, states the
// automated-decision and transfer facts, offers only the rights the
// product fulfils, and stays bounded for the heavy customer.
func TestExportIndexShowsThePersonsRecordsReadably(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{})
		ctx := context.Background()
		if _, err := demo.Seed(ctx, a.DB.DB, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		a.AddStaff(t, "admin@kactoily.example", "Admin", models.RoleAdmin)
		admin, err := models.FindStaffByEmail(ctx, a.DB.DB, "admin@kactoily.example")
		if err != nil {
			t.Fatal(err)
		}

		files := downloadExport(t, a, admin, demo.AlexMorganEmail)
		page := string(files["index.html"])
		text := visibleText(page)
		var cust store.Customer
		var order store.Order
		if err := a.DB.Where("email = ?", demo.AlexMorganEmail).First(&cust).Error; err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Where("customer_id = ?", cust.ID).Order("id DESC").First(&order).Error; err != nil {
			t.Fatal(err)
		}
		total := export.Money(order.TotalCents, order.Currency)
		if !regexp.MustCompile(`^(\$|€|£|CA\$)[0-9,]+\.[0-9]{2}$`).MatchString(total) {
			t.Fatalf("order total %d %s formats as %q", order.TotalCents, order.Currency, total)
		}
		for _, want := range []string{
			cust.FirstName + " " + cust.LastName, order.Number, total,
			order.PlacedAt.UTC().Format("2 January 2006"), cust.CreatedAt.UTC().Format("2 January 2006"),
		} {
			if !strings.Contains(text, want) {
				t.Errorf("index.html lacks the customer's %q", want)
			}
		}

		// Links: relative, to files in the ZIP, every data/ and csv/ file linked.
		linked := map[string]bool{}
		for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
			href := html.UnescapeString(m[1])
			if strings.HasPrefix(href, "#") || strings.HasPrefix(href, "http") {
				continue
			}
			if _, ok := files[href]; !ok {
				t.Errorf("index.html links to %s, which is not in the ZIP", href)
			}
			linked[href] = true
		}
		for name := range files {
			if name != "index.html" && !linked[name] {
				t.Errorf("index.html has no link to %s", name)
			}
		}

		// No stored names: kinds and fields with an underscore, outside file paths.
		shown := filePathRE.ReplaceAllString(text, "")
		for name, body := range files {
			if !strings.HasPrefix(name, "csv/") {
				continue
			}
			head, err := csv.NewReader(bytes.NewReader(body)).Read()
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range append(head, strings.TrimSuffix(strings.TrimPrefix(name, "csv/"), ".csv")) {
				if strings.Contains(raw, "_") && regexp.MustCompile(`\b`+raw+`\b`).MatchString(shown) {
					t.Errorf("index.html shows the stored name %q", raw)
				}
			}
		}

		// Art. 15 facts and rights.
		for _, want := range append(append([]string{"Automated decisions", "outside the European Economic Area"},
			org.Default().Statements.AutomatedDecisions...), org.Default().Statements.Transfers...) {
			if !strings.Contains(text, want) {
				t.Errorf("index.html lacks %q", want)
			}
		}
		for _, typ := range models.RequestTypes {
			if !strings.Contains(page, a.URL()+"/requests/new?type="+typ) {
				t.Errorf("index.html offers no %s request", typ)
			}
		}
		if !strings.Contains(text, "Have inaccurate data corrected") {
			t.Errorf("index.html does not offer correction")
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("index.html:\n%s", page)
		}

		// The heavy customer: the latest orders only, the rest pointed to.
		heavyFiles := downloadExport(t, a, admin, demo.HeavyCustomerEmail)
		heavy := string(heavyFiles["index.html"])
		all, err := csv.NewReader(bytes.NewReader(heavyFiles["csv/order.csv"])).ReadAll()
		if err != nil || len(all) < 1000 {
			t.Fatalf("heavy customer's csv/order.csv: %d rows, %v", len(all), err)
		}
		if len(heavy) > 2<<20 {
			t.Errorf("heavy customer's index.html is %d bytes", len(heavy))
		}
		orders := heavy[strings.Index(heavy, "<h3>Orders</h3>"):]
		orders = orders[:strings.Index(orders, "</table>")]
		if n := len(recordRowRE.FindAllString(orders, -1)); n != 50 {
			t.Errorf("heavy customer's orders table has %d rows, want the latest 50", n)
		}
		more := fmt.Sprintf("%s more in ", export.Thousands(int64(len(all)-1-50)))
		if !strings.Contains(visibleText(orders), more+"csv/order.csv") {
			t.Errorf("heavy customer's orders do not say %q csv/order.csv", more)
		}
	})
}
