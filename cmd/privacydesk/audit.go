package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kactoily/privacydesk/config"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// auditVerify checks the audit chain's links and its newest signed anchor
// (and a head pinned with --anchor), printing what it checked; it fails
// when either does not hold.
func auditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var pinText string
	cfg, err := config.LoadConfig("audit verify", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&pinText, "anchor", "", "a head COUNT:HASH printed earlier and kept outside the database; checked too")
	})
	if err != nil {
		return err
	}
	var pin *workflows.Pin
	if pinText != "" {
		if pin, err = workflows.ParsePin(pinText); err != nil {
			return err
		}
	}
	db, err := models.Open(ctx, cfg.DatabaseURL, models.OpenOptions{Logger: newLogger(stderr)})
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := workflows.VerifyAudit(ctx, db.DB, pin)
	if err != nil {
		return err
	}
	if c.Break != nil {
		fmt.Fprintf(stdout, "audit trail BROKEN at event %d: %s (%d events checked before it)\n", c.Break.EventID, c.Break.Reason, c.Events)
		return fmt.Errorf("audit trail broken at event %d", c.Break.EventID)
	}
	fmt.Fprintf(stdout, "audit trail links intact: %d events checked\n", c.Events)
	if c.Anchor != nil {
		fmt.Fprintf(stdout, "%s\n", c.Anchor)
		fmt.Fprintf(stdout, "public key %s\n", c.PublicKey)
	}
	if c.AnchorErr != "" {
		fmt.Fprintf(stdout, "audit trail BROKEN: %s\n", c.AnchorErr)
		return fmt.Errorf("audit trail broken: %s", c.AnchorErr)
	}
	if c.Anchor == nil {
		fmt.Fprintln(stdout, "no signed anchor yet: deleting the newest events would not be detected (run `privacydesk audit anchor`)")
	}
	if pin != nil {
		fmt.Fprintf(stdout, "head given with --anchor found: event %d\n", pin.Count)
	}
	fmt.Fprintf(stdout, "audit trail intact: %d events checked\n", c.Events)
	return nil
}

// auditAnchor signs the chain's head now and prints it, so it can be kept
// outside the database and given to `audit verify --anchor` later.
func auditAnchor(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.LoadConfig("audit anchor", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	db, err := models.Open(ctx, cfg.DatabaseURL, models.OpenOptions{Logger: newLogger(stderr)})
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := workflows.VerifyAudit(ctx, db.DB, nil)
	if err != nil {
		return err
	}
	if !c.OK() {
		return fmt.Errorf("the audit trail does not verify; run audit verify (not anchoring a broken chain)")
	}
	a, err := workflows.AnchorAuditChain(ctx, db.DB, time.Now(), true)
	if err != nil {
		return err
	}
	if a == nil { // the head is the last anchor's
		if a, err = models.LatestAuditAnchor(ctx, db.DB); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s\nkeep this elsewhere and check it later with: privacydesk audit verify --anchor %d:%s\n",
		a, a.EventCount, a.HeadHash)
	return nil
}
