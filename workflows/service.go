// Package workflows is what happens to a data-subject request: intake,
// verification, the lifecycle and its audit trail, opt-outs, email and the
// background jobs that carry them out.
package workflows

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
)

// Settings are the parts of the configuration workflows needs.
type Settings struct {
	BaseURL      string // absolute, no trailing slash; links in emails start with it
	MailFrom     string
	SupportEmail string // new verified requests are announced here; empty: not sent
	// Org is the organization's facts: its name in emails and exports, the
	// Art. 15 statements of every export (nil: org.Default(), Kactoily's).
	Org     *org.Facts
	DataDir string // exports are written under DataDir/exports
	// ThirdParties are told of completed deletions and opt-outs (serve
	// passes the organization file's, unless PRIVACYDESK_THIRD_PARTIES is set).
	ThirdParties []org.ThirdParty
	// RequestRetention is how long a closed request keeps the requester's
	// personal data (zero: DefaultRequestRetention).
	RequestRetention Retention
	DRP              DRPSettings // the Data Rights Protocol endpoint (agent.go)
}

// Lifetimes and limits of the customer side.
const (
	VerifyLinkLife     = 24 * time.Hour
	ResponseDays       = 30 // access and deletion: stricter of GDPR's month and CCPA's 45 days
	OptOutBusinessDays = 15
	maxPerEmailPerHour = 5 // new requests per email and type
	maxPendingResends  = 3 // requests re-sent by one resend
	expireBatch        = 200
	// Batches of filings written at once on PostgreSQL (SQLite: one). They
	// queue on the audit chain's lock at their end anyway; more of them
	// would only hold pooled connections the staff pages' reads need.
	maxBatchesAtOnce = 4
)

// Service runs the request workflows. Build it with NewService, then Start
// its workers (or not, for an instance that only serves HTTP).
type Service struct {
	DB       *models.DB
	Store    *models.DB // the store's records; may be DB itself
	Mailer   mail.Mailer
	Renderer *mail.Renderer
	Log      *slog.Logger
	Now      func() time.Time
	Settings Settings
	Metrics  *Metrics

	salt     []byte
	jobs     *river.Client[*sql.Tx]
	sources  []store.Source
	datasets *store.Datasets
	intake   *batcher    // group commit of filings (intake_batch.go)
	signIns  *signInGate // bounds password checks at once
}

// Deps are what NewService wires together.
type Deps struct {
	DB       *models.DB
	Store    *models.DB
	Mailer   mail.Mailer
	Renderer *mail.Renderer
	Log      *slog.Logger
	Now      func() time.Time
	Settings Settings
	Metrics  *Metrics
	Jobs     JobOptions
	Sources  []store.Source // nil: Datasets.Sources()
	// Datasets describe the store's personal data (nil: the built-in
	// demo dataset, store.DemoDatasets).
	Datasets *store.Datasets
	// SignInsAtOnce bounds the sign-ins checking a password at the same
	// time (0: one per CPU).
	SignInsAtOnce int
	// SignInWait is the longest a sign-in waits for its turn (0: 3 s).
	SignInWait time.Duration
}

// NewService builds the service and its River client. The database must be migrated.
func NewService(ctx context.Context, d Deps) (*Service, error) {
	s := &Service{
		DB: d.DB, Store: d.Store, Mailer: d.Mailer, Renderer: d.Renderer, Log: d.Log,
		Now: d.Now, Settings: d.Settings, Metrics: d.Metrics, sources: d.Sources, datasets: d.Datasets,
		signIns: newSignInGate(d.SignInsAtOnce, d.SignInWait),
	}
	if s.datasets == nil {
		s.datasets = store.DemoDatasets()
	}
	if s.sources == nil {
		s.sources = s.datasets.Sources()
	}
	if s.Store == nil {
		s.Store = s.DB
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Metrics == nil {
		s.Metrics = NewMetrics(nil)
	}
	if s.Settings.Org == nil {
		s.Settings.Org = org.Default()
	}
	salt := make([]byte, 32)
	_, _ = rand.Read(salt)
	salt, err := models.GetOrCreateSecret(ctx, s.DB.DB, "suppression_salt", salt)
	if err != nil {
		return nil, fmt.Errorf("load suppression salt: %w", err)
	}
	s.salt = salt
	if s.jobs, err = s.newJobClient(d.Jobs); err != nil {
		return nil, err
	}
	s.intake = newBatcher(s)
	return s, nil
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// sameStore reports whether the store's records live in the app database,
// so store changes can share the request's transaction.
func (s *Service) sameStore() bool { return s.Store == s.DB }
