package app_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// wideLimits keep the rate limiters out of tests about the lock-out.
var wideLimits = app.Limits{IntakePerIP: 1000, ResendPerIP: 1000, ResendPerMail: 1000,
	LoginPerIP: 1000, LoginPerAccount: 1000, LoginPerSite: 1000, Window: time.Hour}

// waitFor polls cond every 5 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func TestConcurrentWrongPasswordsLockTheAccountAndTheRightOneSentAfterTheFifthStaysOut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		atOnce  int // sign-ins checking a password at once
		counted int // attempts the account ends with counted
	}{
		// Every attempt is hashing at the same time, as in the review's
		// reproduction: the count must be taken before the hash.
		{"all 24 hashing at once", 32, 5},
		// Through the default bound: some attempts are refused as busy.
		{"through the default bound", 0, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, dialect string) {
				a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: wideLimits, SignInsAtOnce: tc.atOnce, NoJobs: true})
				pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
				start := make(chan struct{})
				codes := make([]int, 24)
				var wg sync.WaitGroup
				for i := range codes {
					wg.Go(func() {
						b := newBrowser(a)
						<-start
						codes[i] = b.login(t, "sam@kactoily.example", "wrong password "+strconv.Itoa(i)).Status
					})
				}
				close(start)
				// The right password, sent once five attempts are counted and
				// while the other wrong ones are still being checked.
				counted := func() bool { return staffUser(t, a, "sam@kactoily.example").FailedLogins >= 5 }
				if !waitFor(20*time.Second, counted) {
					t.Fatalf("five wrong passwords were never counted: failed_logins = %d", staffUser(t, a, "sam@kactoily.example").FailedLogins)
				}
				right := newBrowser(a)
				ans := right.login(t, "sam@kactoily.example", pw)
				wg.Wait()
				if ans.Status == http.StatusSeeOther || right.session() != "" {
					t.Fatalf("the right password got in after five wrong ones were counted: %d", ans.Status)
				}
				for i, c := range codes {
					if c != http.StatusUnauthorized && c != http.StatusServiceUnavailable {
						t.Errorf("wrong password %d: %d, want 401 (or 503 when too many wait)", i, c)
					}
				}
				u := staffUser(t, a, "sam@kactoily.example")
				if u.LockedUntil == nil || !u.LockedUntil.After(a.Clock.Now()) {
					t.Fatalf("after 24 concurrent wrong passwords the account is not locked: %+v", u)
				}
				if u.FailedLogins != tc.counted {
					t.Errorf("failed_logins = %d, want %d: no attempt beyond the fifth may reach the password check", u.FailedLogins, tc.counted)
				}
				if n := len(sessionRows(t, a)); n != 0 {
					t.Fatalf("%d sessions after only failed sign-ins", n)
				}
				// Still locked to the right password, until the 15 minutes end.
				wantStatus(t, right.login(t, "sam@kactoily.example", pw), http.StatusUnauthorized, "")
				a.Clock.Advance(15 * time.Minute)
				wantStatus(t, right.login(t, "sam@kactoily.example", pw), http.StatusSeeOther, "/staff/queue")
			})
		})
	}
}

func TestFourFailuresThenTheRightPasswordSignsInAndForgivesThem(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: wideLimits, NoJobs: true})
		pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		b := newBrowser(a)
		for range 4 {
			wantStatus(t, b.login(t, "sam@kactoily.example", "not the password"), http.StatusUnauthorized, "")
		}
		wantStatus(t, b.login(t, "sam@kactoily.example", pw), http.StatusSeeOther, "/staff/queue")
		if u := staffUser(t, a, "sam@kactoily.example"); u.FailedLogins != 0 || u.LockedUntil != nil {
			t.Fatalf("after four failures and a sign-in: failed_logins %d, locked_until %v; want 0 and none", u.FailedLogins, u.LockedUntil)
		}
	})
}

func TestSignInsBeyondTheHashBoundAnswer503WithRetryAfter(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		// One password check at a time, eight waiting: 40 at once cannot all
		// fit. The waiters wait long enough that a slow (race-detector) hash
		// never times one out, so only the queue's bound decides.
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: wideLimits, SignInsAtOnce: 1, SignInWait: time.Minute, NoJobs: true})
		a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		start := make(chan struct{})
		answers := make([]answer, 40)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() {
				b := newBrowser(a)
				<-start
				answers[i] = b.login(t, "stranger"+strconv.Itoa(i)+"@kactoily.example", "not a password")
			})
		}
		close(start)
		wg.Wait()
		busy := 0
		for i, ans := range answers {
			switch ans.Status {
			case http.StatusUnauthorized:
			case http.StatusServiceUnavailable:
				busy++
				if ans.Header.Get("Retry-After") == "" {
					t.Errorf("sign-in %d: 503 without Retry-After", i)
				}
				contains(t, ans.Body, "Sign-in is busy right now")
			default:
				t.Errorf("sign-in %d: %d, want 401 or 503\n%.300s", i, ans.Status, ans.Body)
			}
		}
		if busy == 0 {
			t.Fatal("40 sign-ins at once with room for 9: none was refused as busy")
		}
		if busy > 40-9 {
			t.Errorf("%d of 40 refused as busy; at least 9 fit", busy)
		}
	})
}

func TestSiteWideSignInLimitAnswers429ForEveryAccount(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		l := wideLimits
		l.LoginPerSite = 3
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: l, NoJobs: true})
		pw := a.AddStaff(t, "sam@kactoily.example", "Sam Agent", models.RoleAgent)
		b := newBrowser(a)
		for i := range 3 {
			wantStatus(t, b.login(t, "someone"+strconv.Itoa(i)+"@kactoily.example", "not a password"), http.StatusUnauthorized, "")
		}
		ans := newBrowser(a).login(t, "sam@kactoily.example", pw)
		wantStatus(t, ans, http.StatusTooManyRequests, "")
		assertRetryAfter(t, ans, time.Minute)
		contains(t, ans.Body, "too many sign-in attempts on this site")
		a.Clock.Advance(time.Minute)
		wantStatus(t, newBrowser(a).login(t, "sam@kactoily.example", pw), http.StatusSeeOther, "/staff/queue")
	})
}
