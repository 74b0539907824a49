package reliability

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/smtptest"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// reqRow is a request as the database holds it.
type reqRow struct {
	ID, Type, Status, Email string
}

func requestRows(t *testing.T, db *models.DB) []reqRow {
	t.Helper()
	var rs []reqRow
	if err := db.Raw("SELECT id, type, status, email FROM requests ORDER BY created_at, id").Scan(&rs).Error; err != nil {
		t.Fatalf("read requests: %v", err)
	}
	return rs
}

// jobRow is one River job with its arguments, errors and the clients that
// worked it, as text.
type jobRow struct {
	ID          int64
	Kind, State string
	Attempt     int
	Args        string
	Errors      string
	AttemptedBy string
}

func jobRows(t *testing.T, db *models.DB) []jobRow {
	t.Helper()
	q := "SELECT id, kind, state, attempt, json(args) AS args, COALESCE(json(errors), '') AS errors, COALESCE(json(attempted_by), '') AS attempted_by FROM river_job ORDER BY id"
	if db.Dialect == models.DialectPostgres {
		q = "SELECT id, kind, state, attempt, args::text AS args, COALESCE(errors::text, '') AS errors, COALESCE(attempted_by::text, '') AS attempted_by FROM river_job ORDER BY id"
	}
	var js []jobRow
	if err := db.Raw(q).Scan(&js).Error; err != nil {
		t.Fatalf("read jobs: %v", err)
	}
	return js
}

// rescues is how often River's rescuer found the job still marked running
// after its process had died.
func (j jobRow) rescues() int { return strings.Count(j.Errors, "Stuck job rescued") }

// emailID is the outbox email a send_email job delivers.
func (j jobRow) emailID() int64 {
	var a struct {
		EmailID int64 `json:"email_id"`
	}
	_ = json.Unmarshal([]byte(j.Args), &a)
	return a.EmailID
}

// unfinished lists the jobs not yet in a final state.
func unfinished(js []jobRow) []jobRow {
	var out []jobRow
	for _, j := range js {
		if j.State != "completed" && j.State != "cancelled" && j.State != "discarded" {
			out = append(out, j)
		}
	}
	return out
}

// checkJobsEnded fails unless every job completed: none waiting, none given up.
func checkJobsEnded(t *testing.T, db *models.DB) []jobRow {
	t.Helper()
	js := jobRows(t, db)
	for _, j := range js {
		if j.State != "completed" {
			t.Errorf("job %d %s ended %s after %d attempts: %s %s", j.ID, j.Kind, j.State, j.Attempt, j.Args, tail(j.Errors, 300))
		}
	}
	return js
}

// outboxRow is one email of the outbox.
type outboxRow struct {
	ID        int64
	RequestID string
	Kind      string
	ToAddr    string
	Status    string
	MessageID string
	Attempts  int
}

func outboxRows(t *testing.T, db *models.DB) []outboxRow {
	t.Helper()
	var es []outboxRow
	err := db.Raw("SELECT id, COALESCE(request_id, '') AS request_id, kind, to_addr, status, message_id, attempts FROM emails ORDER BY id").Scan(&es).Error
	if err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	return es
}

// expectedEmails are the emails a request that went from filing to
// completion must have caused, by kind (third-party notices: one per
// recipient told of the type).
func expectedEmails(typ string) []string {
	switch typ {
	case models.TypeAccess:
		return []string{"completed", "receipt", "staff_new_request", "verify"}
	case models.TypeDeletion:
		return []string{"completed", "receipt", "staff_new_request",
			"third_party_notice", "third_party_notice", "third_party_notice", "third_party_notice", "verify"}
	case models.TypeOptOut:
		// Filed for demo customers with marketing_email and analytics:
		// only the analytics provider is concerned.
		return []string{"opt_out_done", "third_party_notice"}
	}
	return nil
}

// mailReport is what checkEmails found.
type mailReport struct {
	Messages   int // received by the SMTP server
	Duplicates int // extra copies, each after a send interrupted by a crash
}

// checkEmails proves every completed request caused exactly the emails its
// lifecycle promises, each delivered to the SMTP server, and none twice.
// Copies are counted per (recipient, subject, request id), so a duplicate
// shows whatever its Message-ID. The one allowance: an email whose send job
// was rescued after its process died (mayRepeat counts the rescues) may
// arrive once more per rescue, as the same message (same Message-ID),
// because the process may have died after the SMTP server took the message
// and before the outbox recorded it. No SMTP exchange can close that window.
func checkEmails(t *testing.T, db *models.DB, reqs []reqRow, mail *smtptest.Server, mayRepeat map[int64]int) mailReport {
	t.Helper()
	rows := outboxRows(t, db)
	byRequest := map[string][]string{}
	byMID := map[string]outboxRow{}
	for _, e := range rows {
		byRequest[e.RequestID] = append(byRequest[e.RequestID], e.Kind)
		byMID[e.MessageID] = e
		if e.Status != models.EmailSent {
			t.Errorf("outbox email %d (%s for %s) is %s after %d attempts", e.ID, e.Kind, e.RequestID, e.Status, e.Attempts)
		}
	}
	for _, r := range reqs {
		if r.Status != models.StatusCompleted {
			continue
		}
		got := byRequest[r.ID]
		slices.Sort(got)
		if want := expectedEmails(r.Type); !slices.Equal(got, want) {
			t.Errorf("%s request %s caused emails %v, want %v", r.Type, r.ID, got, want)
		}
	}

	msgs := mail.Messages()
	copies := map[string]int{}
	type key struct{ to, subject, request string }
	byKey := map[key][]*smtptest.Message{}
	for _, m := range msgs {
		copies[m.MessageID]++
		if _, ok := byMID[m.MessageID]; !ok {
			t.Errorf("a message no outbox email explains arrived: to %s %q (%s)", m.To, m.Subject, m.MessageID)
		}
		id := requestIDRE.FindString(m.Subject)
		if id == "" {
			id = requestIDRE.FindString(m.Text)
		}
		k := key{strings.ToLower(m.To), m.Subject, id}
		byKey[k] = append(byKey[k], m)
	}
	rep := mailReport{Messages: len(msgs)}
	for _, e := range rows {
		n := copies[e.MessageID]
		switch {
		case n == 0 && e.Status == models.EmailSent:
			t.Errorf("outbox email %d (%s to %s for %s) is marked sent but never arrived", e.ID, e.Kind, e.ToAddr, e.RequestID)
		case n > 1+mayRepeat[e.ID]:
			t.Errorf("outbox email %d (%s to %s for %s) arrived %d times; its send job was rescued %d times", e.ID, e.Kind, e.ToAddr, e.RequestID, n, mayRepeat[e.ID])
		case n > 1:
			rep.Duplicates += n - 1
			t.Logf("outbox email %d (%s for %s) arrived %d times, after its send was interrupted by a kill", e.ID, e.Kind, e.RequestID, n)
		}
	}
	for k, ms := range byKey {
		if len(ms) < 2 {
			continue
		}
		mids := map[string]bool{}
		for _, m := range ms {
			mids[m.MessageID] = true
		}
		if len(mids) > 1 {
			t.Errorf("%d different messages to %s about %q (request %s): the same email was queued more than once", len(mids), k.to, k.subject, k.request)
		}
	}
	return rep
}

// rescuedSends maps each outbox email to how often its send job was rescued.
func rescuedSends(js []jobRow) map[int64]int {
	out := map[int64]int{}
	for _, j := range js {
		if j.Kind == "send_email" && j.rescues() > 0 {
			out[j.emailID()] += j.rescues()
		}
	}
	return out
}

// checkFulfilment proves each completed request was carried out exactly
// once and entirely: one export per access request, intact on disk; every
// source erased and done per deletion, with nothing of the customer left to
// delete or anonymize.
func checkFulfilment(t *testing.T, db *models.DB, reqs []reqRow) {
	t.Helper()
	ctx := context.Background()
	for _, r := range reqs {
		if r.Status != models.StatusCompleted {
			continue
		}
		switch r.Type {
		case models.TypeAccess:
			var exps []models.Export
			if err := db.Where("request_id = ?", r.ID).Find(&exps).Error; err != nil {
				t.Fatal(err)
			}
			if len(exps) != 1 {
				t.Errorf("access request %s has %d exports, want 1", r.ID, len(exps))
				continue
			}
			if err := fileMatches(exps[0]); err != nil {
				t.Errorf("export of %s: %v", r.ID, err)
			}
		case models.TypeDeletion:
			var es []models.Erasure
			if err := db.Where("request_id = ?", r.ID).Order("source").Find(&es).Error; err != nil {
				t.Fatal(err)
			}
			var done []string
			for _, e := range es {
				if e.Status == "done" {
					done = append(done, e.Source)
				} else {
					t.Errorf("deletion %s completed with %s erasure %s: %s", r.ID, e.Source, e.Status, e.Result)
				}
			}
			if want := []string{"account", "activity", "orders", "support", "warranty"}; !slices.Equal(done, want) {
				t.Errorf("deletion %s completed with erasures done for %v, want %v", r.ID, done, want)
			}
			for _, src := range store.DemoDatasets().Sources() {
				p, err := src.PlanErasure(ctx, db.DB, store.Subject{Email: r.Email}, time.Now())
				if err != nil {
					t.Fatalf("plan %s for %s: %v", src.Name(), r.ID, err)
				}
				if n := p.Total(store.ActionDelete) + p.Total(store.ActionAnonymize); n > 0 {
					t.Errorf("deletion %s is completed but %s still has %d records to erase: %+v", r.ID, src.Name(), n, p.Items)
				}
			}
			if _, found, err := store.DemoDatasets().FindPerson(ctx, db.DB, r.Email); found || err != nil {
				t.Errorf("deletion %s is completed but the customer account remains (%v)", r.ID, err)
			}
		}
	}
}

// fileMatches checks an export file is on disk with its recorded size and hash.
func fileMatches(e models.Export) error {
	f, err := os.Open(e.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if n != e.SizeBytes || hex.EncodeToString(h.Sum(nil)) != e.SHA256 {
		return fmt.Errorf("file %s is %d bytes with another hash than recorded (%d bytes)", e.Path, n, e.SizeBytes)
	}
	return nil
}

// checkAccepted proves every request the server accepted is in the database.
func checkAccepted(t *testing.T, reqs []reqRow, filed []*filing) {
	t.Helper()
	byID, byEmail := map[string]reqRow{}, map[string]reqRow{}
	for _, r := range reqs {
		byID[r.ID], byEmail[r.Email] = r, r
	}
	for _, f := range filed {
		r, ok := byEmail[strings.ToLower(f.Email)]
		if f.ID != "" {
			r, ok = byID[f.ID]
		}
		if !ok || r.Type != f.Type {
			t.Errorf("accepted %s request for %s (id %q) is not in the database", f.Type, f.Email, f.ID)
		}
	}
}
