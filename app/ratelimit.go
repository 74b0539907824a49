package app

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
)

// Limits are the per-instance rate limits: at most N events per window per key.
type Limits struct {
	IntakePerIP   int // filings per IP per window
	ResendPerIP   int
	ResendPerMail int
	LoginPerIP    int // staff sign-in attempts per client IP per window, all accounts together
	// LoginPerAccount is staff sign-in attempts per client IP for one
	// account per window, so one client's failures for their account do
	// not use up another's (even when both share an address, as every
	// client does behind a proxy that is not trusted).
	LoginPerAccount int
	LoginPerSite    int // staff sign-in attempts per minute from all clients together
	// DRPPerIP and DRPPerAgent bound the Data Rights Protocol endpoints:
	// calls per client IP, and calls per agent bearer token (an agent
	// holds one token at a time), per window.
	DRPPerIP    int
	DRPPerAgent int
	Window      time.Duration
}

// DefaultLimits suit a public privacy center.
var DefaultLimits = Limits{IntakePerIP: 20, ResendPerIP: 10, ResendPerMail: 3, LoginPerIP: 100, LoginPerAccount: 20,
	LoginPerSite: 120, DRPPerIP: 1200, DRPPerAgent: 600, Window: time.Hour}

// siteWindow is the window of the site-wide sign-in limit: short, so a burst
// that uses it up shuts sign-in for at most a minute.
const siteWindow = time.Minute

// window is a fixed-window counter keyed by client IP or email.
type window struct {
	mu     sync.Mutex
	limit  int
	length time.Duration
	counts map[string]*slot
	sweep  time.Time
}

type slot struct {
	start time.Time
	n     int
}

func newWindow(limit int, length time.Duration) *window {
	return &window{limit: limit, length: length, counts: map[string]*slot{}}
}

// allow counts one event for key and reports whether it is within the
// limit, and if not, how long until the window resets.
func (w *window) allow(key string, now time.Time) (bool, time.Duration) {
	return w.take(key, now, true)
}

// peek reports what allow would, without counting anything.
func (w *window) peek(key string, now time.Time) (bool, time.Duration) {
	return w.take(key, now, false)
}

func (w *window) take(key string, now time.Time, count bool) (bool, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if now.Sub(w.sweep) > w.length { // forget old keys so memory stays bounded
		for k, s := range w.counts {
			if now.Sub(s.start) >= w.length {
				delete(w.counts, k)
			}
		}
		w.sweep = now
	}
	s, ok := w.counts[key]
	if !ok || now.Sub(s.start) >= w.length {
		if !count {
			return w.limit > 0, 0
		}
		s = &slot{start: now}
		w.counts[key] = s
	}
	if s.n >= w.limit {
		return false, s.start.Add(w.length).Sub(now)
	}
	if count {
		s.n++
	}
	return true, 0
}

type limiters struct {
	intakeIP, resendIP, resendMail, loginIP, loginAccount, loginSite *window
	receiptIP, receiptEmail                                          *window // see receipts.go
	drpIP, drpAgent                                                  *window
}

// newLimiters builds the limiters; a zero field takes its default.
func newLimiters(l Limits) *limiters {
	or := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	d := DefaultLimits
	if l.Window == 0 {
		l.Window = d.Window
	}
	return &limiters{
		intakeIP:     newWindow(or(l.IntakePerIP, d.IntakePerIP), l.Window),
		resendIP:     newWindow(or(l.ResendPerIP, d.ResendPerIP), l.Window),
		resendMail:   newWindow(or(l.ResendPerMail, d.ResendPerMail), l.Window),
		loginIP:      newWindow(or(l.LoginPerIP, d.LoginPerIP), l.Window),
		loginAccount: newWindow(or(l.LoginPerAccount, d.LoginPerAccount), l.Window),
		loginSite:    newWindow(or(l.LoginPerSite, d.LoginPerSite), siteWindow),
		receiptIP:    newWindow(receiptChecksPerIP, l.Window),
		receiptEmail: newWindow(receiptEmailsPerRecord, l.Window),
		drpIP:        newWindow(or(l.DRPPerIP, d.DRPPerIP), l.Window),
		drpAgent:     newWindow(or(l.DRPPerAgent, d.DRPPerAgent), l.Window),
	}
}

func rateLimited(retry time.Duration) error {
	return &models.Error{Code: models.ERateLimited, RetryAfter: retry,
		Message: "Too many requests from your connection. Please wait a while and try again."}
}

func (s *Server) limitIntake() gin.HandlerFunc {
	return func(c *gin.Context) {
		if ok, retry := s.limits.intakeIP.allow(c.ClientIP(), s.now()); !ok {
			s.abortLimited(c, rateLimited(retry))
		}
	}
}

func (s *Server) limitResend() gin.HandlerFunc {
	return func(c *gin.Context) {
		if ok, retry := s.limits.resendIP.allow(c.ClientIP(), s.now()); !ok {
			s.abortLimited(c, rateLimited(retry))
		}
	}
}

// limitLogin applies the sign-in limits: per client IP and account, per
// client IP, then site-wide. An attempt refused by one limit is not counted
// by the next: failures on one account do not use up the address's
// allowance for the others (which every client shares behind a proxy that
// is not trusted), nor a client's the site's.
func (s *Server) limitLogin() gin.HandlerFunc {
	return func(c *gin.Context) {
		ip, now := c.ClientIP(), s.now()
		account := models.NormalizeEmail(c.PostForm("email"))
		if len(account) > maxAccountKey { // bounds the limiter's memory; no address is longer
			account = account[:maxAccountKey]
		}
		if ok, retry := s.limits.loginIP.peek(ip, now); !ok { // before an account key is stored
			s.abortLimited(c, rateLimited(retry))
			return
		}
		if ok, retry := s.limits.loginAccount.allow(ip+" "+account, now); !ok {
			s.abortLimited(c, rateLimited(retry))
			return
		}
		if ok, retry := s.limits.loginIP.allow(ip, now); !ok {
			s.abortLimited(c, rateLimited(retry))
			return
		}
		if ok, retry := s.limits.loginSite.allow("", now); !ok {
			s.log.Warn("site-wide sign-in limit reached")
			s.abortLimited(c, &models.Error{Code: models.ERateLimited, RetryAfter: retry,
				Message: "There are too many sign-in attempts on this site right now. Please try again in a minute."})
		}
	}
}

const maxAccountKey = 320

// limitDRP applies the Data Rights Protocol limits, per client IP and then
// per bearer token (kept as a digest, never the token), answering the
// spec's error object (3.06) with 429 and Retry-After. A call refused by
// the IP limit is not counted against the agent.
func (s *Server) limitDRP() gin.HandlerFunc {
	return func(c *gin.Context) {
		now := s.now()
		if ok, retry := s.limits.drpIP.allow(c.ClientIP(), now); !ok {
			s.drpError(c, rateLimited(retry))
			c.Abort()
			return
		}
		token := bearer(c)
		if token == "" {
			return
		}
		sum := sha256.Sum256([]byte(token))
		if ok, retry := s.limits.drpAgent.allow(hex.EncodeToString(sum[:16]), now); !ok {
			s.drpError(c, &models.Error{Code: models.ERateLimited, RetryAfter: retry,
				Message: "This agent has sent too many requests. Please wait and try again."})
			c.Abort()
		}
	}
}

// allowResendFor applies the per-address limit, counted the same way for
// known and unknown addresses so it reveals nothing.
func (s *Server) allowResendFor(email string) error {
	key := strings.ToLower(strings.TrimSpace(email))
	if ok, retry := s.limits.resendMail.allow(key, s.now()); !ok {
		return &models.Error{Code: models.ERateLimited, RetryAfter: retry,
			Message: "We have sent several links to this address recently. Please check your inbox and spam folder, or try again later."}
	}
	return nil
}

func (s *Server) abortLimited(c *gin.Context, err error) {
	s.fail(c, err)
	c.Abort()
}

// setRetryAfter sets the Retry-After header in whole seconds, at least 1.
func setRetryAfter(c *gin.Context, err error) {
	if d := models.ErrorRetryAfter(err); d > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
}
