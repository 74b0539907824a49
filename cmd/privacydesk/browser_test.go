package main

import (
	"archive/zip"
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ScreenshotsEnv turns on writing the journeys' screenshots to screenshotDir.
const screenshotsEnv = "PRIVACYDESK_SCREENSHOTS"

// screenshotDir is docs/screenshots at the repository root (tests run in cmd/privacydesk).
var screenshotDir = filepath.Join("..", "..", "docs", "screenshots")

// The viewports every screenshot is taken in.
const (
	desktopW, desktopH = 1280, 900
	mobileW, mobileH   = 390, 844
)

// browser is one headless Chromium profile (its own process and user-data
// directory, so its own cookies) looking at one Privacy Desk instance.
type browser struct {
	t       *testing.T
	ctx     context.Context
	in      *instance
	shots   bool // write screenshots (PRIVACYDESK_SCREENSHOTS=1, SQLite pass only)
	mu      sync.Mutex
	dialogs []string // JavaScript dialogs the pages opened
}

// chromium finds the browser, or skips the test saying how to run it.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser journey skipped under -short")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on this machine: install it (apt-get install -y chromium) to run the browser journeys; .ci/run does")
	return ""
}

// newBrowser starts a fresh headless profile for the instance; it closes when the test ends.
func newBrowser(t *testing.T, in *instance) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(desktopW, desktopH),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, in: in,
		shots: os.Getenv(screenshotsEnv) == "1" && strings.HasPrefix(in.DBURL, "sqlite:")}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(desktopW, desktopH)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// A dialog would block the page: note it, dismiss it, and fail the test
	// (the check runs before the browser closes).
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
			b.mu.Unlock()
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
		}
	}()
	t.Cleanup(b.noDialogs)
	return b
}

// noDialogs fails the test if any page opened an alert, confirm or prompt.
func (b *browser) noDialogs() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 {
		b.t.Errorf("pages opened JavaScript dialogs: %q", b.dialogs)
	}
}

// do runs steps with a time limit, failing the test on error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v (at %s)", what, err, b.location())
	}
}

// value runs one action that returns a value, failing the test on error.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (at %s)", what, err, b.location())
	}
	return v
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// open navigates to a path of the instance (or a full URL) and returns the HTTP status.
func (b *browser) open(target string) int64 {
	b.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.in.URL + target
	}
	return value(b, "open "+target, chromedp.NavigateResponse(target)).Status
}

// follow clicks an element that loads a new page, waits for it and returns its HTTP status.
func (b *browser) follow(sel string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("click %s: %v (at %s)", sel, err, b.location())
	}
	return resp.Status
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// fill types into a field as a person would.
func (b *browser) fill(sel, text string) {
	b.t.Helper()
	b.do("fill "+sel,
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(sel)+`).value = ""`),
		chromedp.SendKeys(chromedp.CSS(sel), text))
	if got := value(b, "value of "+sel, chromedp.Value(chromedp.CSS(sel))); got != text {
		b.t.Fatalf("%s holds %q after typing %q", sel, got, text)
	}
}

// text returns the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return value(b, "text of "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	return value(b, "evaluate "+expr, chromedp.Evaluate[T](expr))
}

// path returns the path of the page the browser shows.
func (b *browser) path() string {
	u, err := url.Parse(b.location())
	if err != nil {
		b.t.Fatal(err)
	}
	return u.Path
}

// visible reports whether an element matching sel is rendered with a size.
func (b *browser) visible(sel string) bool {
	b.t.Helper()
	return eval[bool](b, `(() => { const e = document.querySelector(`+jsString(sel)+`);
		return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden"; })()`)
}

// wantText fails unless the element's visible text contains want.
func (b *browser) wantText(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Fatalf("%s on %s reads %q, want it to contain %q", sel, b.path(), got, want)
	}
}

// reloadUntil reloads the page until the JavaScript condition holds.
func (b *browser) reloadUntil(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !eval[bool](b, cond) {
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not after 30s on %s:\n%s", what, b.path(), b.text("main"))
		}
		time.Sleep(200 * time.Millisecond)
		b.do("reload", chromedp.Reload())
	}
}

// sendGPC makes every request of the profile carry the Global Privacy Control header.
func (b *browser) sendGPC() {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Sec-GPC": "1"}})
	if err != nil {
		b.t.Fatalf("set Sec-GPC: %v", err)
	}
}

// signIn signs a staff member in on /staff/login and lands on the queue.
func (b *browser) signIn(email, password string) {
	b.t.Helper()
	if code := b.open("/staff/login"); code != 200 {
		b.t.Fatalf("sign-in page: %d", code)
	}
	b.fill("#email", email)
	b.fill("#password", password)
	if code := b.follow(`form button[type=submit]`); code != 200 || b.path() != "/staff/queue" {
		b.t.Fatalf("sign-in as %s: %d at %s", email, code, b.path())
	}
}

// shot saves the viewport as name-desktop.png and name-mobile.png when
// screenshots are on, after scrolling the element scrollTo (if any) into view.
func (b *browser) shot(name, scrollTo string) {
	b.t.Helper()
	if !b.shots {
		return
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	for _, v := range []struct {
		suffix string
		size   chromedp.Action[chromedp.Void]
	}{
		{"desktop", chromedp.EmulateViewport(desktopW, desktopH)},
		{"mobile", chromedp.EmulateViewport(mobileW, mobileH, chromedp.EmulateMobile)},
	} {
		b.do("resize for "+name, v.size, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		if scrollTo != "" {
			b.do("scroll to "+scrollTo, chromedp.Evaluate[chromedp.Void](
				`document.querySelector(`+jsString(scrollTo)+`).scrollIntoView({block: "start"})`))
		}
		b.do("settle", chromedp.Sleep(150*time.Millisecond))
		png := value(b, "screenshot "+name, chromedp.CaptureScreenshot())
		file := filepath.Join(screenshotDir, name+"-"+v.suffix+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do("restore viewport", chromedp.EmulateViewport(desktopW, desktopH))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "<", `\x3c`)
	return `"` + r.Replace(s) + `"`
}

// downloadClick clicks a button that downloads a file, as a person would,
// and returns the file once the browser has saved all of it (a ZIP).
func (b *browser) downloadClick(sel string) []byte {
	b.t.Helper()
	dir := b.t.TempDir()
	on := true
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &on}); err != nil {
		b.t.Fatalf("allow downloads: %v", err)
	}
	b.click(sel)
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, f := range files {
			if strings.HasSuffix(f, ".crdownload") {
				continue
			}
			body, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			if _, err := zip.NewReader(bytes.NewReader(body), int64(len(body))); err == nil {
				return body
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("click %s: no whole file downloaded within 30s (files %v)", sel, files)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
