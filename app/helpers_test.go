package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/models"
)

// answer is one HTTP response with its body read.
type answer struct {
	Status int
	Header http.Header
	Body   string
}

// send makes one request through the app's client (cookies kept, redirects
// not followed). header may be nil.
func send(t *testing.T, a *testapp.App, method, path, contentType, body string, header http.Header) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.URL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := a.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func get(t *testing.T, a *testapp.App, path string) answer {
	t.Helper()
	return send(t, a, http.MethodGet, path, "", "", nil)
}

func postJSON(t *testing.T, a *testapp.App, body string, header http.Header) answer {
	t.Helper()
	return send(t, a, http.MethodPost, "/api/v1/requests", "application/json", body, header)
}

func postForm(t *testing.T, a *testapp.App, path string, v url.Values, header http.Header) answer {
	t.Helper()
	return send(t, a, http.MethodPost, path, "application/x-www-form-urlencoded", v.Encode(), header)
}

// hdr builds a header from key, value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// apiErr is the JSON error body every API failure answers with.
type apiErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// decodeAPIError checks the body is exactly {"error":{"code","message"[,"fields"]}}
// and returns it.
func decodeAPIError(t *testing.T, ans answer) apiErr {
	t.Helper()
	var top map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(ans.Body), &top); err != nil || len(top) != 1 || top["error"] == nil {
		t.Fatalf("error body is not {\"error\":{…}}: %v\n%s", err, ans.Body)
	}
	for k := range top["error"] {
		if k != "code" && k != "message" && k != "fields" {
			t.Errorf("error body has unexpected key %q: %s", k, ans.Body)
		}
	}
	var e apiErr
	if err := json.Unmarshal([]byte(ans.Body), &e); err != nil {
		t.Fatalf("decode error body: %v\n%s", err, ans.Body)
	}
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("error body lacks code or message: %s", ans.Body)
	}
	return e
}

// counts is what a refused request must leave untouched.
type counts struct{ Requests, Emails, Events int64 }

func snapshot(t *testing.T, a *testapp.App) counts {
	t.Helper()
	return counts{
		Requests: a.Count(t, &models.Request{}),
		Emails:   a.Count(t, &models.Email{}),
		Events:   a.Count(t, &models.AuditEvent{}),
	}
}

func assertUnchanged(t *testing.T, a *testapp.App, before counts) {
	t.Helper()
	if after := snapshot(t, a); after != before {
		t.Errorf("refused request changed the database: before %+v, after %+v", before, after)
	}
}

// created decodes a 202 answer of POST /api/v1/requests.
func created(t *testing.T, ans answer) (id, status string) {
	t.Helper()
	if ans.Status != http.StatusAccepted {
		t.Fatalf("submit: got %d, want 202\n%s", ans.Status, ans.Body)
	}
	var v struct{ ID, Status string }
	if err := json.Unmarshal([]byte(ans.Body), &v); err != nil || v.ID == "" {
		t.Fatalf("submit answer %q: %v", ans.Body, err)
	}
	return v.ID, v.Status
}

// fileAccess files an access request through the API and returns its id.
func fileAccess(t *testing.T, a *testapp.App, email, name string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"type": "access", "email": email, "name": name})
	id, _ := created(t, postJSON(t, a, string(body), nil))
	return id
}

// verifyEmail waits for the verification email of request id.
func verifyEmail(t *testing.T, a *testapp.App, email, id string) *smtptest.Message {
	t.Helper()
	return a.Mail.WaitFor(t, email, "Confirm your privacy request "+id)
}

// pathOf turns an emailed absolute link into a path on the test server.
func pathOf(t *testing.T, a *testapp.App, link string) string {
	t.Helper()
	if link == "" || !strings.HasPrefix(link, a.URL()+"/") {
		t.Fatalf("link %q is not on %s", link, a.URL())
	}
	return strings.TrimPrefix(link, a.URL())
}

// tokenOf returns the token query parameter of a link or path.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	if tok == "" {
		t.Fatalf("no token in %q", link)
	}
	return tok
}

// statusOf reads a request's status straight from the database.
func statusOf(t *testing.T, a *testapp.App, id string) string {
	t.Helper()
	r, err := models.FindRequest(context.Background(), a.DB.DB, id)
	if err != nil {
		t.Fatalf("find request %s: %v", id, err)
	}
	return r.Status
}

// waitMailCount waits until n messages to the address with the subject have arrived.
func waitMailCount(t *testing.T, a *testapp.App, to, subject string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for a.Mail.Count(to, subject) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d emails to %s about %q within 20s, want %d", a.Mail.Count(to, subject), to, subject, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertRetryAfter checks the Retry-After header is whole seconds in (0, max].
func assertRetryAfter(t *testing.T, ans answer, max time.Duration) {
	t.Helper()
	v := ans.Header.Get("Retry-After")
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || time.Duration(n)*time.Second > max {
		t.Errorf("Retry-After = %q, want whole seconds in (0, %s]", v, max)
	}
}

func contains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q:\n%s", w, body)
		}
	}
}

func lacks(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("body contains %q:\n%s", u, body)
		}
	}
}
