package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// TestStaffAddMigrateAndConfigErrors runs the commands an operator types:
// migrate, staff add (password from stdin and generated), and shows that a
// bad setting or argument stops with a clear message and creates nothing.
func TestStaffAddMigrateAndConfigErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		env := map[string]string{"PRIVACYDESK_DATABASE_URL": testdb.URL(t, dialect), "PRIVACYDESK_DATA_DIR": t.TempDir()}
		ctx := context.Background()
		var out, errOut bytes.Buffer
		if err := run(ctx, []string{"migrate"}, envFunc(env), &out, &errOut); err != nil {
			t.Fatalf("migrate: %v\n%s", err, errOut.String())
		}
		contains(t, out.String(), "migration(s) applied")

		old := stdin
		stdin = strings.NewReader("a long enough password\n")
		t.Cleanup(func() { stdin = old })
		out.Reset()
		err := run(ctx, []string{"staff", "add", "--email", "Pat@Kactoily.example", "--name", "Pat Admin", "--role", "admin", "--password-stdin"}, envFunc(env), &out, &errOut)
		if err != nil {
			t.Fatalf("staff add: %v\n%s", err, errOut.String())
		}
		contains(t, out.String(), "added admin pat@kactoily.example")
		if strings.Contains(out.String(), "a long enough password") {
			t.Fatal("staff add echoed the password read from stdin")
		}

		out.Reset()
		if err := run(ctx, []string{"staff", "add", "--email", "sam@kactoily.example", "--name", "Sam"}, envFunc(env), &out, io.Discard); err != nil {
			t.Fatalf("staff add with generated password: %v", err)
		}
		pw := regexp.MustCompile(`password \(shown once\): (\S+)`).FindStringSubmatch(out.String())
		if pw == nil || len(pw[1]) < 12 {
			t.Fatalf("no generated password printed:\n%s", out.String())
		}

		for _, c := range []struct {
			args []string
			env  map[string]string
			want string
		}{
			{[]string{"staff", "add", "--email", "pat@kactoily.example", "--name", "Again", "--role", "agent"}, nil, "already exists"},
			{[]string{"staff", "add", "--email", "x@kactoily.example", "--name", "X", "--role", "boss"}, nil, "agent or admin"},
			{[]string{"staff", "add", "--email", "not-an-email", "--name", "X"}, nil, "valid email"},
			{[]string{"staff", "remove"}, nil, "usage"},
			{[]string{"serve", "--base-url", "ftp://x"}, nil, "PRIVACYDESK_BASE_URL"},
			{[]string{"serve"}, map[string]string{"PRIVACYDESK_SMTP_URL": "smtp://h?tls=maybe"}, "tls must be"},
			{[]string{"serve"}, map[string]string{"PRIVACYDESK_DEMO": "perhaps"}, "true or false"},
			{[]string{"serve"}, map[string]string{"PRIVACYDESK_METRICS_ADDR": "9464"}, "PRIVACYDESK_METRICS_ADDR"},
			{[]string{"serve"}, map[string]string{"PRIVACYDESK_DATABASE_URL": "mysql://x"}, "sqlite: or postgres://"},
			{[]string{"serve"}, map[string]string{"PRIVACYDESK_THIRD_PARTIES": "Acme|not-mail|deletion"}, "valid email"},
			{[]string{"serve"}, map[string]string{"PRIVACYDESK_REQUEST_RETENTION": "24 months"}, "PRIVACYDESK_REQUEST_RETENTION"},
			{[]string{"audit", "verify", "--anchor", "3:nothex"}, nil, "COUNT:HASH"},
			{[]string{"bogus"}, nil, "unknown command"},
		} {
			e := map[string]string{}
			for k, v := range env {
				e[k] = v
			}
			for k, v := range c.env {
				e[k] = v
			}
			var o, eo bytes.Buffer
			err := run(ctx, c.args, envFunc(e), &o, &eo)
			if err == nil || !strings.Contains(err.Error()+eo.String(), c.want) {
				t.Errorf("%v %v: got %v / %q, want an error saying %q", c.args, c.env, err, eo.String(), c.want)
			}
		}
	})
}

// TestAuditVerifyDetectsAnEditedEvent edits an audit event behind the
// app's back (dropping the append-only trigger, as an attacker with database
// access could) and shows `audit verify` names the broken link.
func TestAuditVerifyDetectsAnEditedEvent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect)
		postForm(t, in.Client, in.URL+"/requests/new", map[string][]string{"type": {"opt_out"}, "name": {"A"}, "email": {"a@example.com"}, "scopes": {"analytics"}})
		postForm(t, in.Client, in.URL+"/requests/new", map[string][]string{"type": {"opt_out"}, "name": {"B"}, "email": {"b@example.com"}, "scopes": {"analytics"}})
		in.stop()
		var out bytes.Buffer
		if err := run(context.Background(), []string{"audit", "verify"}, envFunc(in.env), &out, io.Discard); err != nil {
			t.Fatalf("intact chain: %v\n%s", err, out.String())
		}
		db := openForTest(t, in.DBURL)
		drop := "DROP TRIGGER audit_events_no_update"
		if dialect == "postgres" {
			drop = "DROP TRIGGER audit_events_no_change ON audit_events"
		}
		if err := db.Exec(drop).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(`UPDATE audit_events SET actor = 'someone else' WHERE id = 1`).Error; err != nil {
			t.Fatal(err)
		}
		out.Reset()
		err := run(context.Background(), []string{"audit", "verify"}, envFunc(in.env), &out, io.Discard)
		if err == nil || !strings.Contains(out.String(), "BROKEN at event 1") {
			t.Fatalf("edited event not detected: %v\n%s", err, out.String())
		}
	})
}

func openForTest(t *testing.T, dbURL string) *models.DB {
	t.Helper()
	db, err := models.Open(context.Background(), dbURL, models.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestAuditVerifyDetectsDeletedNewestEventsOnceAnchored files requests on
// a running server, anchors the chain's head with `audit anchor`, and shows
// `audit verify` passes and prints the anchor, then fails once the newest
// events are deleted (which the chain's links alone do not reveal). An
// attacker who also deletes the anchors and re-signs with the key in the
// same database gets past the stored anchor, but not past a head kept
// elsewhere and given with --anchor.
func TestAuditVerifyDetectsDeletedNewestEventsOnceAnchored(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := boot(t, dialect)
		for _, who := range []string{"a", "b", "c"} {
			postForm(t, in.Client, in.URL+"/requests/new", map[string][]string{"type": {"opt_out"}, "name": {who}, "email": {who + "@example.com"}, "scopes": {"analytics"}})
		}
		in.stop()
		ctx := context.Background()
		verify := func(args ...string) (string, error) {
			var out bytes.Buffer
			err := run(ctx, append([]string{"audit", "verify"}, args...), envFunc(in.env), &out, io.Discard)
			return out.String(), err
		}
		out, err := verify()
		if err != nil {
			t.Fatalf("intact chain before any anchor: %v\n%s", err, out)
		}
		contains(t, out, "no signed anchor yet")
		contains(t, out, "audit trail intact: 3 events checked")

		var aout bytes.Buffer
		if err := run(ctx, []string{"audit", "anchor"}, envFunc(in.env), &aout, io.Discard); err != nil {
			t.Fatalf("audit anchor: %v\n%s", err, aout.String())
		}
		pin := regexp.MustCompile(`audit verify --anchor (3:[0-9a-f]{64})`).FindStringSubmatch(aout.String())
		if pin == nil {
			t.Fatalf("audit anchor printed no head to keep:\n%s", aout.String())
		}
		out, err = verify("--anchor", pin[1])
		if err != nil {
			t.Fatalf("anchored intact chain: %v\n%s", err, out)
		}
		for _, want := range []string{"anchor #1: 3 events, head " + pin[1][2:], "public key ", "audit trail intact: 3 events checked"} {
			contains(t, out, want)
		}

		db := openForTest(t, in.DBURL)
		drop := []string{"DROP TRIGGER audit_events_no_delete", "DROP TRIGGER audit_anchors_no_delete"}
		if dialect == "postgres" {
			drop = []string{"DROP TRIGGER audit_events_no_change ON audit_events", "DROP TRIGGER audit_anchors_no_change ON audit_anchors"}
		}
		for _, s := range drop {
			if err := db.Exec(s).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Exec(`DELETE FROM audit_events WHERE id = 3`).Error; err != nil {
			t.Fatal(err)
		}
		out, err = verify()
		if err == nil || !strings.Contains(out, "audit trail links intact: 2 events checked") ||
			!strings.Contains(out, "BROKEN: the anchor counts 3 events but only 2 remain") {
			t.Fatalf("deleted newest event not detected: %v\n%s", err, out)
		}

		// Delete the anchor too and sign a new one with the key in the database.
		if err := db.Exec(`DELETE FROM audit_anchors`).Error; err != nil {
			t.Fatal(err)
		}
		aout.Reset()
		if err := run(ctx, []string{"audit", "anchor"}, envFunc(in.env), &aout, io.Discard); err != nil {
			t.Fatalf("re-anchor: %v", err)
		}
		if out, err := verify(); err != nil {
			t.Fatalf("with the stored anchors replaced, verify should pass (the documented limit): %v\n%s", err, out)
		}
		out, err = verify("--anchor", pin[1])
		if err == nil || !strings.Contains(out, "BROKEN: the head given with --anchor: the anchor counts 3 events but only 2 remain") {
			t.Fatalf("head kept elsewhere did not catch the truncation: %v\n%s", err, out)
		}
	})
}
