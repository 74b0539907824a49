package reliability

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// newClient is a browser of its own: a cookie jar, redirects not followed.
func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// answer is what the server answered.
type answer struct {
	Code   int
	Header http.Header
	Body   string
}

func do(c *http.Client, req *http.Request) (answer, error) {
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{Code: resp.StatusCode, Header: resp.Header, Body: string(b)}, err
}

func get(c *http.Client, u string) (answer, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return answer{}, err
	}
	return do(c, req)
}

func postForm(c *http.Client, u string, v url.Values) (answer, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(c, req)
}

func postJSON(c *http.Client, u string, v any) (answer, error) {
	b, _ := json.Marshal(v)
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(c, req)
}

// signIn returns a client holding a staff session on the server at base.
func signIn(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	c := newClient()
	a, err := postForm(c, base+"/staff/login", url.Values{"email": {email}, "password": {password}})
	if err != nil || a.Code != http.StatusSeeOther || a.Header.Get("Location") != "/staff/queue" {
		t.Fatalf("sign in as %s: %d %v %s", email, a.Code, err, a.Header.Get("Location"))
	}
	return c
}

// sessionCookie returns the staff session cookie c holds for base.
func sessionCookie(t *testing.T, c *http.Client, base string) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(base)
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == "pd_session" {
			return k
		}
	}
	t.Fatalf("no session cookie for %s", base)
	return nil
}

var requestIDRE = regexp.MustCompile(`PD-[0-9A-Z]{5}-[0-9A-Z]{5}`)

// filing is one request a test files, and what the server answered.
type filing struct {
	Type, Email string
	API         bool
	ID          string // from the API's 202; "" for the form
}

// file files a request through the JSON API or the form. It reports
// whether the server accepted it (202, or the form's 303).
func file(c *http.Client, base string, f *filing) (answer, bool, error) {
	name := "Reliability " + strings.SplitN(f.Email, "@", 2)[0]
	var scopes []string
	if f.Type == "opt_out" {
		scopes = []string{"marketing_email", "analytics"}
	}
	if f.API {
		a, err := postJSON(c, base+"/api/v1/requests", map[string]any{"type": f.Type, "email": f.Email, "name": name, "scopes": scopes})
		if err != nil || a.Code != http.StatusAccepted {
			return a, false, err
		}
		var v struct{ ID string }
		if err := json.Unmarshal([]byte(a.Body), &v); err != nil || v.ID == "" {
			return a, false, err
		}
		f.ID = v.ID
		return a, true, nil
	}
	a, err := postForm(c, base+"/requests/new", url.Values{"type": {f.Type}, "email": {f.Email}, "name": {name}, "scopes": scopes})
	return a, err == nil && a.Code == http.StatusSeeOther, err
}

// linkTo returns the first link in text whose path contains substr.
func linkTo(text, substr string) string {
	for _, l := range regexp.MustCompile(`https?://[^\s<>"]+`).FindAllString(text, -1) {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}

// pressButton does what the page of an emailed link's button does: a POST of
// the link's token, in the body, to action on the link's server ("" for the
// link's own path), with any extra fields the page asks for.
func pressButton(c *http.Client, link, action string, extra url.Values) (answer, error) {
	u, err := url.Parse(link)
	if err != nil {
		return answer{}, err
	}
	if action == "" {
		action = u.Path
	}
	v := url.Values{"token": {u.Query().Get("token")}}
	for k, vs := range extra {
		v[k] = vs
	}
	return postForm(c, u.Scheme+"://"+u.Host+action, v)
}
