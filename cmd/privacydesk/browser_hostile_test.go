package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kactoily/privacydesk/internal/testdb"
)

// Hostile text for every free-text field; none of the pages uses <script>,
// <b>, <img> or an inline event handler, so any such element came from here.
const (
	hostileName    = `<script>alert(1)</script><b>x</b>`
	hostileDetails = `<img src=x onerror=alert(2)><b>bold</b><script>alert(3)</script> "quotes" & 'ticks'`
	hostileNote    = `<script>alert(4)</script><b>note</b><img src=x onerror=alert(5)>`
	hostileExtend  = `<b>more time</b><script>alert(6)</script>`
	hostileDeny    = `<script>alert(7)</script><b>denied</b></p><p onclick=alert(8)>`
	hostileProof   = `<img src=x onerror=alert(9)>by phone`
)

// domInjections counts elements and attributes that only user input could have created.
const domInjections = `(() => {
	const n = s => document.querySelectorAll(s).length;
	const handlers = [...document.querySelectorAll("*")].filter(e => [...e.attributes].some(a => a.name.startsWith("on"))).length;
	return {scripts: n("script"), bold: n("b"), images: n("img"), handlers: handlers}; })()`

type injections struct {
	Scripts  int `json:"scripts"`
	Bold     int `json:"bold"`
	Images   int `json:"images"`
	Handlers int `json:"handlers"`
}

// escaped fails unless the page shows each text literally and holds no element made from it.
func escaped(b *browser, texts ...string) {
	b.t.Helper()
	if got := eval[injections](b, domInjections); got != (injections{}) {
		b.t.Fatalf("user input became markup on %s: %+v", b.path(), got)
	}
	page := eval[string](b, `document.querySelector("main").innerText`)
	for _, s := range texts {
		if !strings.Contains(page, s) {
			b.t.Fatalf("%s does not show %q as text:\n%s", b.path(), s, page)
		}
	}
}

// probeDialogs proves the dialog listener works: an alert from the test is seen, then forgotten.
func probeDialogs(b *browser) {
	b.t.Helper()
	b.do("alert", chromedp.Evaluate[chromedp.Void](`setTimeout(() => alert("probe"), 0)`))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b.mu.Lock()
		n := len(b.dialogs)
		if n > 0 {
			b.dialogs = nil
		}
		b.mu.Unlock()
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatal("the dialog listener did not see an alert")
		}
	}
}

// TestBrowserHostileInputShownEscaped files requests with HTML and script in
// every free-text field (customer form, staff form, note, extension, denial):
// every staff page and the customer's status page show it as text, no element
// or dialog comes of it; a profile without a session reaches neither staff
// pages nor another customer's status page.
func TestBrowserHostileInputShownEscaped(t *testing.T) {
	chromium(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect, "--demo")
		customer := newBrowser(t, in)
		probeDialogs(customer)
		customer.open("/requests/new")
		n := fileInBrowser(customer, "access", hostileName, "mallory@example.com", hostileDetails)
		id, statusPath := verifyInBrowser(customer, "mallory@example.com", n)
		escaped(customer)

		adminEmail, adminPass := demoLogin(t, in, "admin")
		admin := newBrowser(t, in)
		admin.signIn(adminEmail, adminPass)

		// A request filed by staff, with the admin's identity note.
		admin.open("/staff/requests/new")
		admin.click(`input[name=type][value=deletion]`)
		admin.fill("#name", hostileName)
		admin.fill("#email", "mallory.two@example.com")
		admin.fill("#details", hostileDetails)
		admin.fill("#identity_confirmed", hostileProof)
		if code := admin.follow(`form.form button[type=submit]`); code != 200 || !strings.HasPrefix(admin.path(), "/staff/requests/PD-") {
			t.Fatalf("file for a customer: %d at %s\n%s", code, admin.path(), admin.text("main"))
		}
		escaped(admin, hostileName, hostileDetails, hostileProof)
		staffFiled := strings.TrimPrefix(admin.path(), "/staff/requests/")

		admin.open("/staff/queue")
		escaped(admin, hostileName)
		if rows := eval[int](admin, `document.querySelectorAll("table.queue tbody tr").length`); rows != 2 {
			t.Fatalf("queue shows %d rows, want the 2 hostile requests", rows)
		}
		admin.open("/staff/queue?q=" + id)
		admin.follow(`table.queue tbody tr:first-child td:first-child a`)
		if admin.path() != "/staff/requests/"+id {
			t.Fatalf("search for %s led to %s", id, admin.path())
		}
		escaped(admin, hostileName, hostileDetails)

		admin.fill("#note", hostileNote)
		admin.follow(`form[action$="/note"] button[type=submit]`)
		escaped(admin, hostileName, hostileNote)

		admin.click(`details.confirm > summary.secondary-blue`)
		admin.fill("#days", "14")
		admin.fill("#ext-reason", hostileExtend)
		if code := admin.follow(`form[action$="/extend"] button[type=submit]`); code != 200 {
			t.Fatalf("extend: %d\n%s", code, admin.text("main"))
		}
		escaped(admin, hostileNote, hostileExtend)

		admin.click(`details.confirm > summary.danger`)
		admin.click("#deny-own") // the page suggests "we hold no data"; this admin writes their own
		admin.fill("#deny-reason", hostileDeny)
		if code := admin.follow(`form[action$="/deny"] button[type=submit]`); code != 200 {
			t.Fatalf("deny: %d\n%s", code, admin.text("main"))
		}
		admin.wantText(".req-head .badge", "denied")
		escaped(admin, hostileName, hostileDetails, hostileNote, hostileExtend, hostileDeny)

		admin.open("/staff/queue?status=denied")
		escaped(admin, hostileName)
		admin.open("/staff/requests/" + staffFiled)
		escaped(admin, hostileProof)

		customer.open(statusPath)
		customer.wantText(".facts", "denied")
		escaped(customer, hostileDeny)

		// Without a session: staff pages send you to sign in, status pages need the token.
		intruder := newBrowser(t, in)
		for _, p := range []string{"/staff/queue", "/staff/requests/" + id, "/staff/reports"} {
			if code := intruder.open(p); code != 200 || intruder.path() != "/staff/login" {
				t.Fatalf("%s without a session: %d at %s", p, code, intruder.path())
			}
			intruder.wantText("h1", "Staff sign-in")
		}
		for _, p := range []string{"/requests/" + id + "/status", "/requests/" + id + "/status?token=" + strings.Repeat("A", 43)} {
			if code := intruder.open(p); code != 404 {
				t.Fatalf("%s: got %d, want 404", p, code)
			}
			intruder.wantText("h1", "Page not found")
			if strings.Contains(eval[string](intruder, `document.body.innerText`), "mallory") {
				t.Fatalf("%s shows the request", p)
			}
		}
	})
}
