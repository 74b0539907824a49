package workflows

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// AgentCallbackArgs is the job that POSTs an agent's request's current
// status to its status_callback (section 2.03). It sends the status as it
// is when the job runs, so a retry or a late run is harmless.
type AgentCallbackArgs struct {
	RequestID string `json:"request_id"`
}

// Kind names the job.
func (AgentCallbackArgs) Kind() string { return "send_agent_status_callback" }

// InsertOpts bounds the retries: a dead callback must not retry for days.
func (AgentCallbackArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 8} }

// queueAgentCallback enqueues a status callback when a transition changes
// what an agent sees of its request.
func (s *Service) queueAgentCallback(ctx context.Context, tx *gorm.DB, r *models.Request, from string) error {
	if r.Channel != models.ChannelAgent || from == "" {
		return nil // the exercise answer already carried the first status
	}
	before := *r
	before.Status = from
	link := &models.AgentRequest{}
	b1, b2, _ := drpState(&before, link)
	a1, a2, _ := drpState(r, link)
	if b1 == a1 && b2 == a2 {
		return nil
	}
	return s.enqueue(ctx, tx, AgentCallbackArgs{RequestID: r.ID}, nil)
}

// queueAgentUpdate enqueues a status callback for a change that moves no
// status (an extension), when an agent filed r.
func (s *Service) queueAgentUpdate(ctx context.Context, tx *gorm.DB, r *models.Request) error {
	if r.Channel != models.ChannelAgent {
		return nil
	}
	return s.enqueue(ctx, tx, AgentCallbackArgs{RequestID: r.ID}, nil)
}

type agentCallbackWorker struct {
	river.WorkerDefaults[AgentCallbackArgs]
	s *Service
}

func (w *agentCallbackWorker) Timeout(*river.Job[AgentCallbackArgs]) time.Duration {
	return 30 * time.Second
}

func (w *agentCallbackWorker) Work(ctx context.Context, job *river.Job[AgentCallbackArgs]) error {
	err := w.s.SendAgentCallback(ctx, job.Args.RequestID)
	w.s.Metrics.job(job.Kind, err)
	return err
}

// SendAgentCallback POSTs request id's current DRP status to its
// status_callback, if it has one, through a client that only reaches the
// agent's allowed hosts on public addresses. An error (refused address,
// a non-2xx answer) is retried by the job; the request itself never waits.
func (s *Service) SendAgentCallback(ctx context.Context, id string) error {
	link, err := models.FindAgentRequest(ctx, s.DB.DB, id)
	if err != nil {
		return err
	}
	if link.StatusCallback == "" {
		return nil
	}
	a, err := models.FindAgent(ctx, s.DB.DB, link.AgentID)
	if err != nil {
		return err
	}
	if err := callbackAllowed(a, link.StatusCallback); err != nil {
		return river.JobCancel(fmt.Errorf("callback of %s: %s", id, models.ErrorMessage(err)))
	}
	r, err := models.FindRequest(ctx, s.DB.DB, id)
	if err != nil {
		return err
	}
	body, err := json.Marshal(s.drpStatus(r, link))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, link.StatusCallback, bytes.NewReader(body))
	if err != nil {
		return river.JobCancel(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := callbackClient(s.Settings.DRP.InternalCallbacks).Do(req)
	if err != nil {
		return fmt.Errorf("status callback of %s: %w", id, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // the answer's body is not for us (2.03.1)
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status callback of %s: agent answered %d", id, resp.StatusCode)
	}
	s.Log.Info("drp status callback sent", "id", id, "agent", a.ID)
	return nil
}

// callbackClient returns a client that refuses, at connect time (so DNS
// answers cannot smuggle one in), every address that is not public
// unicast unless internal is set; it follows no redirects and uses no proxy.
func callbackClient(internal bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if !internal && !publicAddr(ap.Addr()) {
			return fmt.Errorf("callback address %s is not public", ap.Addr())
		}
		return nil
	}}
	return &http.Client{
		Timeout:       20 * time.Second,
		Transport:     &http.Transport{Proxy: nil, DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip is a global unicast address outside the
// private, loopback, link-local and shared ranges.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !cgnat.Contains(ip)
}
