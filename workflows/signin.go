package workflows

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/kactoily/privacydesk/internal/password"
	"github.com/kactoily/privacydesk/models"
)

// dummyHash is checked against when an email is unknown, so a sign-in
// takes as long for a stranger as for a staff member.
var dummyHash = sync.OnceValue(func() string { return password.Hash("not a real password") })

// Sign-ins checking a password at once, by default one per CPU; each may
// have waitPerSlot others waiting for it, none longer than maxSignInWait.
const (
	waitPerSlot   = 8
	maxSignInWait = 3 * time.Second
)

// errSignInBusy answers a sign-in beyond the gate's bound.
var errSignInBusy = &models.Error{Code: models.EUnavailable, RetryAfter: 2 * time.Second,
	Message: "Sign-in is busy right now. Please try again in a few seconds."}

// signInGate bounds the password checks running at once (each holds its
// argon2id memory while it runs, 19 MiB) and the sign-ins waiting for one;
// a sign-in beyond both is refused at once as busy, so neither memory nor
// latency grows with the number of callers.
type signInGate struct {
	slots, queue chan struct{}
	wait         time.Duration // the longest a sign-in waits for a turn
}

func newSignInGate(n int, wait time.Duration) *signInGate {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	if wait <= 0 {
		wait = maxSignInWait
	}
	return &signInGate{slots: make(chan struct{}, n), queue: make(chan struct{}, waitPerSlot*n), wait: wait}
}

// enter waits for a turn and returns the function that ends it.
// Errors: EUnavailable when the queue is full or the wait too long.
func (g *signInGate) enter(ctx context.Context) (func(), error) {
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	default:
	}
	select {
	case g.queue <- struct{}{}:
	default:
		return nil, errSignInBusy
	}
	defer func() { <-g.queue }()
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	case <-t.C:
		return nil, errSignInBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
