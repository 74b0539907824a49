package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/workflows"
)

// The fuzz targets drive the real handlers on a SQLite database of their
// own (one per fuzzing process). `go test ./...` runs only their seeds: the
// f.Add calls and testdata/fuzz/<target>/. .ci/run fuzzes each for a few
// seconds; a crasher it finds lands in testdata/fuzz and becomes a seed.

// unlimited keeps every per-IP limiter out of the way, so inputs reach the handlers.
var unlimited = app.Limits{IntakePerIP: 1 << 30, ResendPerIP: 1 << 30, ResendPerMail: 1 << 30, LoginPerIP: 1 << 30, Window: time.Hour}

// try sends a request built from fuzzed parts; ok is false when the client
// itself refuses it (a header with a newline, say), which is not the server's doing.
func try(t *testing.T, a *testapp.App, method, path, contentType, body string) (answer, bool) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL()+path, strings.NewReader(body))
	if err != nil {
		return answer{}, false
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := a.Client.Do(req)
	if err != nil {
		if strings.Contains(err.Error(), "invalid header") || strings.Contains(err.Error(), "invalid URL") ||
			strings.Contains(err.Error(), "net/http:") {
			return answer{}, false
		}
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}, true
}

func oneOf(status int, allowed ...int) bool {
	for _, s := range allowed {
		if status == s {
			return true
		}
	}
	return false
}

// FuzzAPICreate proves POST /api/v1/requests answers any body and content
// type with 202, 400, 415, 422 or 429 and a well-formed JSON body: never a 500.
func FuzzAPICreate(f *testing.F) {
	for _, seed := range []struct{ body, ct string }{
		{`{"type":"access","email":"ana@example.com","name":"Ana"}`, "application/json"},
		{`{"type":"opt_out","email":"ana@example.com","name":"Ana","scopes":["analytics","sale_sharing"]}`, "application/json; charset=utf-8"},
		{`{"type":"deletion","email":"bo@example.com","name":"Bo","details":"all of it\nplease"}`, "application/json"},
		{`{"type":"access","email":"' OR 1=1--@example.com","name":"\"; DROP TABLE requests;--"}`, "application/json"},
		{`{"type":"access","email":5,"name":null,"scopes":{}}`, "application/json"},
		{`[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`, "application/json"},
		{`{"type":"access"}{"type":"access"}`, "application/json"},
		{`{"type":"access","email":"a@example.com","name":"A"}]`, "application/json"},
		{`{"name":"\ud800","email":"\u0000@example.com"}`, "application/json"},
		{`type=access&email=ana@example.com`, "application/x-www-form-urlencoded"},
		{``, ""},
	} {
		f.Add(seed.body, seed.ct)
	}
	a := testapp.New(f, models.DialectSQLite, testapp.Options{NoJobs: true, Limits: unlimited})
	f.Fuzz(func(t *testing.T, body, contentType string) {
		a.Clock.Advance(time.Hour) // keeps the per-address limit from hiding deeper paths
		ans, ok := try(t, a, http.MethodPost, "/api/v1/requests", contentType, body)
		if !ok {
			return
		}
		if !oneOf(ans.Status, 202, 400, 415, 422, 429) {
			t.Fatalf("body %q, content type %q: status %d\n%s", body, contentType, ans.Status, ans.Body)
		}
		if !strings.HasPrefix(ans.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("answer is %q, not JSON", ans.Header.Get("Content-Type"))
		}
		if ans.Status == 202 {
			var v struct{ ID, Status string }
			if err := json.Unmarshal([]byte(ans.Body), &v); err != nil || v.ID == "" || v.Status == "" {
				t.Fatalf("202 answer %q: %v", ans.Body, err)
			}
			return
		}
		decodeAPIError(t, ans)
	})
}

// FuzzFormSubmit proves POST /requests/new answers any urlencoded body with
// 303, 400, 422 or 429 and an HTML page: never a 500.
func FuzzFormSubmit(f *testing.F) {
	for _, body := range []string{
		"type=access&name=Ana&email=ana%40example.com&details=Orders",
		"type=opt_out&name=Ana&email=ana%40example.com&scopes=marketing_email&scopes=analytics&scopes=analytics",
		"type=deletion&name=%3Cscript%3E&email=bo%40example.com",
		"type=access&name=Bot&email=bot%40example.com&website=http%3A%2F%2Fspam",
		"type=access&name=%27+OR+1%3D1--&email=%22%3B+DROP+TABLE+requests%3B--",
		"type=%zz&name=",
		"type=access&type=deletion&name=A&email=a%40example.com",
		"scopes[]=x&name[0]=y",
		"&&&===&",
		"",
	} {
		f.Add(body)
	}
	a := testapp.New(f, models.DialectSQLite, testapp.Options{NoJobs: true, Limits: unlimited})
	f.Fuzz(func(t *testing.T, body string) {
		a.Clock.Advance(time.Hour)
		ans, ok := try(t, a, http.MethodPost, "/requests/new", "application/x-www-form-urlencoded", body)
		if !ok {
			return
		}
		if !oneOf(ans.Status, 303, 400, 422, 429) {
			t.Fatalf("form %q: status %d\n%s", body, ans.Status, ans.Body)
		}
		if ans.Status == 303 {
			if loc := ans.Header.Get("Location"); !strings.HasPrefix(loc, "/requests/received?type=") {
				t.Fatalf("form %q: redirect to %q", body, loc)
			}
			return
		}
		if !strings.HasPrefix(ans.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("form %q: answer is %q, not a page", body, ans.Header.Get("Content-Type"))
		}
	})
}

// FuzzTokenLinks proves the customer's links (verify, status page, JSON
// status, cancel, download) answer any request id and token without a 500,
// and that only a token we issued, for its own request, opens anything:
// every other token is 404 (401 for the API without one).
func FuzzTokenLinks(f *testing.F) {
	for _, seed := range []struct{ id, token string }{
		{"{id}", "{verify}"},
		{"{id}", " {status} "},
		{"{id}", "{status}x"},
		{"{id}", "{verify}"}, // used: 410
		{"PD-00000-00000", "{status}"},
		{"{id}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"../../etc/passwd", "{status}"},
		{"' OR 1=1--", "' OR 1=1--"},
		{"{id}", "%00"},
		{"", ""},
	} {
		f.Add(seed.id, seed.token)
	}
	a := testapp.New(f, models.DialectSQLite, testapp.Options{Limits: unlimited, Sources: []store.Source{}})
	r, err := a.Svc.Submit(f.Context(), workflows.NewRequest{Type: models.TypeAccess, Email: "ana@example.com", Name: "Ana"})
	if err != nil {
		f.Fatal(err)
	}
	realID := r.ID
	m := a.Mail.WaitFor(f, "ana@example.com", "Confirm your privacy request "+realID)
	real := map[string]string{}
	for key, link := range map[string]string{"{verify}": m.Link("/requests/verify?token="), "{status}": m.Link("/status?token=")} {
		u, err := url.Parse(link)
		if err != nil || u.Query().Get("token") == "" {
			f.Fatalf("no token in %q", link)
		}
		real[key] = u.Query().Get("token")
	}
	f.Fuzz(func(t *testing.T, id, token string) {
		id = strings.ReplaceAll(id, "{id}", realID)
		for k, v := range real {
			token = strings.ReplaceAll(token, k, v)
		}
		trimmed, _ := workflows.ParseToken(token)
		forged := trimmed != real["{verify}"] && trimmed != real["{status}"]
		q := "?token=" + url.QueryEscape(token)
		req := "/requests/" + url.PathEscape(id)
		doors := []struct {
			method, path string
			form         string
			allowed      []int // for a token we issued
		}{
			{"GET", "/requests/verify" + q, "", []int{200, 404, 409, 410}},
			{"POST", "/requests/verify", "token=" + url.QueryEscape(token), []int{303, 404, 409, 410}},
			{"GET", req + "/status" + q, "", []int{200, 404}},
			{"GET", "/api/v1/requests/" + url.PathEscape(id) + q, "", []int{200, 404}},
			{"GET", req + "/download" + q, "", []int{404}},
			{"POST", req + "/download", "token=" + url.QueryEscape(token), []int{404}},
			{"POST", req + "/download-link", "token=" + url.QueryEscape(token), []int{404, 409}},
			{"POST", req + "/cancel", "token=" + url.QueryEscape(token), []int{200, 404, 409}},
			{"POST", req + "/cancel", "confirm=yes&token=" + url.QueryEscape(token), []int{303, 404, 409}},
		}
		for _, d := range doors {
			ct := ""
			if d.form != "" {
				ct = "application/x-www-form-urlencoded"
			}
			ans, ok := try(t, a, d.method, d.path, ct, d.form)
			if !ok {
				continue
			}
			want := []int{404}
			if !forged {
				want = d.allowed
			}
			if strings.HasPrefix(d.path, "/api/") && token == "" {
				want = []int{401, 404} // 404 when the id does not make a route
			}
			if d.form == "" && (!utf8.ValidString(token) || strings.ContainsRune(token, 0)) {
				want = []int{400, 404} // bytes no database takes, in the query: 400 (404 when the id is bad too)
			}
			if loc := ans.Header.Get("Location"); oneOf(ans.Status, 301, 307) && strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") {
				continue // Gin's trailing-slash redirect, to the same door on this site
			}
			if !oneOf(ans.Status, want...) {
				t.Fatalf("%s %s (forged %v): status %d, want one of %v\n%.300s", d.method, d.path, forged, ans.Status, want, ans.Body)
			}
		}
	})
}
