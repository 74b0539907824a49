package models_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

var auditStart = time.Date(2026, 3, 2, 10, 0, 0, 123456789, time.UTC)

// appendEvents appends n events for request "PD-1", each in its own transaction.
func appendEvents(t *testing.T, db *models.DB, n int) []models.AuditEvent {
	t.Helper()
	ctx := context.Background()
	reqID := "PD-1"
	var out []models.AuditEvent
	for i := range n {
		e := &models.AuditEvent{
			RequestID: &reqID, Actor: "customer", Action: fmt.Sprintf("step-%d", i+1),
			FromStatus: "a", ToStatus: "b", Details: fmt.Sprintf(`{"n":%d}`, i+1),
			CreatedAt: auditStart.Add(time.Duration(i) * time.Minute),
		}
		err := db.Transaction(func(tx *gorm.DB) error { return models.AppendAuditEvent(ctx, tx, db.Dialect, e) })
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *e)
	}
	return out
}

// dropAppendOnly removes the triggers so a test can play the attacker who
// edits the table directly.
func dropAppendOnly(t *testing.T, db *models.DB) {
	t.Helper()
	stmts := []string{"DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"}
	if db.Dialect == models.DialectPostgres {
		stmts = []string{"DROP TRIGGER audit_events_no_change ON audit_events"}
	}
	for _, s := range stmts {
		if err := db.Exec(s).Error; err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestAppendAuditEventBuildsAChainThatVerifies proves each event links to
// the one before it, survives a round trip through the database unchanged,
// and that an intact chain verifies with no break.
func TestAppendAuditEventBuildsAChainThatVerifies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		db := testdb.Open(t, dialect)
		ctx := context.Background()
		appended := appendEvents(t, db, 5)

		var stored []models.AuditEvent
		if err := db.Order("id").Find(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if len(stored) != 5 {
			t.Fatalf("stored %d events, want 5", len(stored))
		}
		prev := ""
		for i, e := range stored {
			if e.ID != int64(i+1) || e.PrevHash != prev || len(e.Hash) != 64 {
				t.Errorf("event %d: id %d, prev %q (want %q), hash %q", i, e.ID, e.PrevHash, prev, e.Hash)
			}
			if e.Hash != appended[i].Hash || e.ComputeHash() != e.Hash {
				t.Errorf("event %d hash changed through the database: stored %s, appended %s, recomputed %s",
					e.ID, e.Hash, appended[i].Hash, e.ComputeHash())
			}
			if !e.CreatedAt.Equal(auditStart.Add(time.Duration(i) * time.Minute).Truncate(time.Microsecond)) {
				t.Errorf("event %d created_at = %v", e.ID, e.CreatedAt)
			}
			prev = e.Hash
		}
		if stored[0].Details != `{"n":1}` {
			t.Errorf("details = %q", stored[0].Details)
		}

		n, brk, err := models.VerifyAuditChain(ctx, db.DB)
		if err != nil || brk != nil || n != 5 {
			t.Fatalf("VerifyAuditChain = %d, %+v, %v; want 5, nil, nil", n, brk, err)
		}
	})
}

// TestVerifyAuditChainFindsTheTamperedEvent proves each kind of tampering
// is reported at the right event with the right reason, including an
// attacker who recomputes the edited event's own hash.
func TestVerifyAuditChainFindsTheTamperedEvent(t *testing.T) {
	rehash := func(t *testing.T, db *models.DB, id int64, set string) {
		t.Helper()
		if err := db.Exec("UPDATE audit_events SET "+set+" WHERE id = ?", id).Error; err != nil {
			t.Fatal(err)
		}
		var e models.AuditEvent
		if err := db.Where("id = ?", id).Take(&e).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE audit_events SET hash = ? WHERE id = ?", e.ComputeHash(), id).Error; err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name       string
		tamper     func(t *testing.T, db *models.DB)
		wantID     int64
		wantReason string
		wantOK     int64 // events checked before the break
	}{
		{"edited details", func(t *testing.T, db *models.DB) {
			mustExec(t, db, `UPDATE audit_events SET details = '{"n":99}' WHERE id = 3`)
		}, 3, "content does not match its hash (edited)", 2},
		{"edited actor", func(t *testing.T, db *models.DB) {
			mustExec(t, db, `UPDATE audit_events SET actor = 'someone-else' WHERE id = 2`)
		}, 2, "content does not match its hash (edited)", 1},
		{"edited first event's status", func(t *testing.T, db *models.DB) {
			mustExec(t, db, `UPDATE audit_events SET to_status = 'completed' WHERE id = 1`)
		}, 1, "content does not match its hash (edited)", 0},
		{"deleted event leaves a gap", func(t *testing.T, db *models.DB) {
			mustExec(t, db, `DELETE FROM audit_events WHERE id = 3`)
		}, 4, "event 3 is missing", 2},
		{"edited and re-hashed event breaks the next link", func(t *testing.T, db *models.DB) {
			rehash(t, db, 3, "actor = 'someone-else'")
		}, 4, "previous-hash link does not match the event before it", 3},
		{"event replaced by a forged one with a fresh hash", func(t *testing.T, db *models.DB) {
			rehash(t, db, 2, "details = '{}', action = 'nothing'")
		}, 3, "previous-hash link does not match the event before it", 2},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				db := testdb.Open(t, dialect)
				appendEvents(t, db, 5)
				dropAppendOnly(t, db)
				tc.tamper(t, db)
				n, brk, err := models.VerifyAuditChain(context.Background(), db.DB)
				if err != nil {
					t.Fatal(err)
				}
				if brk == nil {
					t.Fatalf("tampering went unnoticed (%d events checked)", n)
				}
				if brk.EventID != tc.wantID || brk.Reason != tc.wantReason {
					t.Errorf("break = {%d %q}, want {%d %q}", brk.EventID, brk.Reason, tc.wantID, tc.wantReason)
				}
				if n != tc.wantOK {
					t.Errorf("checked %d events before the break, want %d", n, tc.wantOK)
				}
			})
		}
	})
}

func mustExec(t *testing.T, db *models.DB, sql string) {
	t.Helper()
	res := db.Exec(sql)
	if res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("%s: %d rows, %v", sql, res.RowsAffected, res.Error)
	}
}

// TestAppendAuditEventConcurrentAppendsKeepOneChain proves that appends
// racing in separate transactions all succeed and form one unbroken chain:
// on PostgreSQL that is the advisory lock's doing (without it two appends
// read the same head, and one fails on the duplicate id or the chain forks).
func TestAppendAuditEventConcurrentAppendsKeepOneChain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		db := testdb.Open(t, dialect)
		ctx := context.Background()
		const n = 20
		start := make(chan struct{})
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- db.Transaction(func(tx *gorm.DB) error {
					e := &models.AuditEvent{Actor: fmt.Sprintf("worker-%d", i), Action: "race", CreatedAt: auditStart}
					if err := models.AppendAuditEvent(ctx, tx, db.Dialect, e); err != nil {
						return err
					}
					// Hold the transaction open a moment so the appends overlap.
					time.Sleep(5 * time.Millisecond)
					return nil
				})
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent append failed: %v", err)
			}
		}
		checked, brk, err := models.VerifyAuditChain(ctx, db.DB)
		if err != nil || brk != nil || checked != n {
			t.Fatalf("VerifyAuditChain = %d, %+v, %v; want %d, nil, nil", checked, brk, err, n)
		}
		var actors int64
		if err := db.Model(&models.AuditEvent{}).Distinct("actor").Count(&actors).Error; err != nil || actors != n {
			t.Fatalf("%d distinct actors, want %d (%v)", actors, n, err)
		}
	})
}

// TestCheckAuditAnchorDetectsTruncationRewritesAndForgedSignatures anchors
// a chain of five events and shows the anchor holds on the intact chain
// and fails, with the reason, when the newest events are deleted (which
// the chain's own links cannot show), when the anchored event is replaced
// by a re-hashed one, or when the anchor's signature is not the key's.
func TestCheckAuditAnchorDetectsTruncationRewritesAndForgedSignatures(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = 7
	other := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *models.DB, a *models.AuditAnchor) *models.AuditAnchor
		want   string // "" when the anchor holds
	}{
		{"intact chain", func(t *testing.T, db *models.DB, a *models.AuditAnchor) *models.AuditAnchor { return a }, ""},
		{"events after the anchor are fine", func(t *testing.T, db *models.DB, a *models.AuditAnchor) *models.AuditAnchor {
			appendEvents(t, db, 2)
			return a
		}, ""},
		{"newest events deleted", func(t *testing.T, db *models.DB, a *models.AuditAnchor) *models.AuditAnchor {
			mustExec(t, db, `DELETE FROM audit_events WHERE id = 5`)
			mustExec(t, db, `DELETE FROM audit_events WHERE id = 4`)
			return a
		}, "the anchor counts 5 events but only 3 remain: the newest events were deleted"},
		{"anchored event replaced and re-hashed", func(t *testing.T, db *models.DB, a *models.AuditAnchor) *models.AuditAnchor {
			var e models.AuditEvent
			if err := db.Where("id = 5").Take(&e).Error; err != nil {
				t.Fatal(err)
			}
			e.Actor = "someone-else"
			mustExec(t, db, fmt.Sprintf(`UPDATE audit_events SET actor = 'someone-else', hash = '%s' WHERE id = 5`, e.ComputeHash()))
			return a
		}, "event 5's hash is not the anchored one: the chain was rewritten after it"},
		{"anchor signed with another key", func(t *testing.T, db *models.DB, a *models.AuditAnchor) *models.AuditAnchor {
			forged := *a
			forged.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(other, forged.Message()))
			return &forged
		}, "anchor #1's signature does not verify"},
		{"anchor's count edited", func(t *testing.T, db *models.DB, a *models.AuditAnchor) *models.AuditAnchor {
			edited := *a
			edited.EventCount = 3
			return &edited
		}, "anchor #1's signature does not verify"},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				db := testdb.Open(t, dialect)
				ctx := context.Background()
				appendEvents(t, db, 5)
				key, err := models.AuditAnchorKey(ctx, db.DB, seed)
				if err != nil {
					t.Fatal(err)
				}
				count, head, err := models.AuditHead(ctx, db.DB)
				if err != nil || count != 5 {
					t.Fatalf("head: %d, %v", count, err)
				}
				a, err := models.SignAuditAnchor(ctx, db.DB, key, count, head, auditStart)
				if err != nil {
					t.Fatal(err)
				}
				stored, err := models.LatestAuditAnchor(ctx, db.DB)
				if err != nil || stored.ID != a.ID || !stored.SignedAt.Equal(a.SignedAt) {
					t.Fatalf("stored anchor %+v, %v; want %+v", stored, err, a)
				}
				dropAppendOnly(t, db)
				checked := tc.tamper(t, db, stored)
				n, brk, err := models.VerifyAuditChain(ctx, db.DB)
				if err != nil || brk != nil { // each tampering keeps the links intact: only the anchor can tell
					t.Fatalf("chain links: %d, %+v, %v", n, brk, err)
				}
				pub, err := models.AuditAnchorPublicKey(ctx, db.DB)
				if err != nil {
					t.Fatal(err)
				}
				why, err := models.CheckAuditAnchor(ctx, db.DB, pub, checked, n)
				if err != nil {
					t.Fatal(err)
				}
				if why != tc.want {
					t.Errorf("anchor check = %q, want %q", why, tc.want)
				}
			})
		}
	})
}

// TestAuditAnchorsTableRejectsUpdateAndDelete proves anchors are
// append-only like the events they vouch for.
func TestAuditAnchorsTableRejectsUpdateAndDelete(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		db := testdb.Open(t, dialect)
		ctx := context.Background()
		key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
		if _, err := models.SignAuditAnchor(ctx, db.DB, key, 0, "", auditStart); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{"UPDATE audit_anchors SET event_count = 9", "DELETE FROM audit_anchors"} {
			if err := db.Exec(stmt).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", stmt, err)
			}
		}
	})
}
