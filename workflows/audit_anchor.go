package workflows

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// How often the audit chain's head is anchored: once this many events or
// this much time have passed since the last anchor, whichever comes first.
const (
	AnchorEveryEvents = 100
	AnchorEvery       = time.Hour
	anchorCheckEvery  = time.Minute
)

// AnchorAudit signs the audit chain's head and stores it as an anchor,
// unless the head has not moved since the last one, or (when !force) fewer
// than AnchorEveryEvents events and less than AnchorEvery have passed.
// It returns the new anchor, or nil when none was due.
func (s *Service) AnchorAudit(ctx context.Context, force bool) (*models.AuditAnchor, error) {
	return AnchorAuditChain(ctx, s.DB.DB, s.now(), force)
}

// AnchorAuditChain is AnchorAudit on a database, for the command line.
func AnchorAuditChain(ctx context.Context, db *gorm.DB, now time.Time, force bool) (*models.AuditAnchor, error) {
	count, head, err := models.AuditHead(ctx, db)
	if err != nil {
		return nil, err
	}
	last, err := models.LatestAuditAnchor(ctx, db)
	switch {
	case errors.Is(err, models.ErrNotFound):
		if count == 0 && !force {
			return nil, nil
		}
	case err != nil:
		return nil, err
	case last.EventCount == count && last.HeadHash == head:
		return nil, nil
	case !force && count-last.EventCount < AnchorEveryEvents && now.Sub(last.SignedAt) < AnchorEvery:
		return nil, nil
	default:
		// Never sign over a chain that lost what the last anchor saw: that
		// would hide the truncation the anchors are there to show.
		why, err := models.CheckAnchoredEvent(ctx, db, last.EventCount, last.HeadHash, count)
		if err != nil {
			return nil, err
		}
		if why != "" {
			return nil, fmt.Errorf("not anchoring the audit chain: %s", why)
		}
	}
	seed := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(seed)
	key, err := models.AuditAnchorKey(ctx, db, seed)
	if err != nil {
		return nil, err
	}
	return models.SignAuditAnchor(ctx, db, key, count, head, now)
}

// AuditCheck is what `audit verify` found.
type AuditCheck struct {
	Events    int64               // events whose chain links held
	Break     *models.AuditBreak  // the first broken link, if any
	Anchor    *models.AuditAnchor // the newest anchor, nil when none exists
	AnchorErr string              // why the anchor does not hold, "" when it does
	PublicKey string              // base64 public key the anchor was checked with
}

// OK reports whether the chain and its newest anchor both hold.
func (c *AuditCheck) OK() bool { return c.Break == nil && c.AnchorErr == "" }

// VerifyAudit checks the audit chain's links, then that the newest anchor
// still matches it (the anchored event is present with the anchored hash,
// so the newest events were not deleted) and that its signature verifies.
// Pinned, when not nil, is a "COUNT:HASH" head kept elsewhere, checked too.
func VerifyAudit(ctx context.Context, db *gorm.DB, pinned *Pin) (*AuditCheck, error) {
	c := &AuditCheck{}
	var err error
	if c.Events, c.Break, err = models.VerifyAuditChain(ctx, db); err != nil || c.Break != nil {
		return c, err
	}
	if pinned != nil {
		why, err := models.CheckAnchoredEvent(ctx, db, pinned.Count, pinned.Hash, c.Events)
		if err != nil {
			return c, err
		}
		if why != "" {
			c.AnchorErr = "the head given with --anchor: " + why
			return c, nil
		}
	}
	c.Anchor, err = models.LatestAuditAnchor(ctx, db)
	if errors.Is(err, models.ErrNotFound) {
		c.Anchor = nil
		return c, nil
	}
	if err != nil {
		return c, err
	}
	pub, err := models.AuditAnchorPublicKey(ctx, db)
	if errors.Is(err, models.ErrNotFound) {
		c.AnchorErr = "anchors exist but the signing key is gone"
		return c, nil
	}
	if err != nil {
		return c, err
	}
	c.PublicKey = base64.StdEncoding.EncodeToString(pub)
	c.AnchorErr, err = models.CheckAuditAnchor(ctx, db, pub, c.Anchor, c.Events)
	return c, err
}

// Pin is a chain head kept outside the database: event Count has Hash.
type Pin struct {
	Count int64
	Hash  string
}

// ParsePin reads "COUNT:HASH", as `audit verify` prints it.
func ParsePin(s string) (*Pin, error) {
	n, h, ok := strings.Cut(strings.TrimSpace(s), ":")
	count, err := strconv.ParseInt(n, 10, 64)
	_, herr := hex.DecodeString(h)
	if !ok || err != nil || count < 0 || (count > 0 && (len(h) != 64 || herr != nil)) {
		return nil, fmt.Errorf("give the head as COUNT:HASH, as audit verify prints it (got %q)", s)
	}
	return &Pin{Count: count, Hash: h}, nil
}

// AnchorAuditArgs is the periodic job that anchors the audit chain's head
// when one is due.
type AnchorAuditArgs struct{}

// Kind names the job.
func (AnchorAuditArgs) Kind() string { return "anchor_audit" }

// InsertOpts keeps one such job pending at a time.
func (AnchorAuditArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: anchorCheckEvery}}
}

type anchorAuditWorker struct {
	river.WorkerDefaults[AnchorAuditArgs]
	s *Service
}

func (w *anchorAuditWorker) Work(ctx context.Context, job *river.Job[AnchorAuditArgs]) error {
	a, err := w.s.AnchorAudit(ctx, false)
	w.s.Metrics.job(job.Kind, err)
	if a != nil {
		w.s.Log.Info("audit chain anchored", "events", a.EventCount, "head", a.HeadHash)
	}
	return err
}
