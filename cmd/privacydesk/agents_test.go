package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// TestAgentsAddSavesATrustedAgentAndRefusesBadInput runs `privacydesk
// agents add` as an operator would: a good entry is saved (and replaced
// when added again), a bad key or host is refused with the flag named.
func TestAgentsAddSavesATrustedAgentAndRefusesBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		env := map[string]string{"PRIVACYDESK_DATABASE_URL": testdb.URL(t, dialect), "PRIVACYDESK_DATA_DIR": t.TempDir()}
		ctx := context.Background()
		key := "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" // RFC 8032 test 1
		var out, errOut bytes.Buffer
		args := []string{"agents", "add", "--id", "CR_AA_DRP_ID_001", "--name", "Permission Slip", "--verify-key", key,
			"--callback-hosts", "Callbacks.Agent.example, other.example:8443", "--technical-contact", "tech@agent.example"}
		if err := run(ctx, args, envFunc(env), &out, &errOut); err != nil {
			t.Fatalf("agents add: %v\n%s", err, errOut.String())
		}
		contains(t, out.String(), "saved agent CR_AA_DRP_ID_001 (Permission Slip); callbacks allowed to: callbacks.agent.example other.example:8443")
		contains(t, out.String(), "PRIVACYDESK_DRP_BUSINESS_ID is not set")
		args[5] = "Permission Slip 2"
		if err := run(ctx, args, envFunc(env), io.Discard, io.Discard); err != nil {
			t.Fatalf("agents add again: %v", err)
		}
		db, err := models.Open(ctx, env["PRIVACYDESK_DATABASE_URL"], models.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var as []models.Agent
		if err := db.Find(&as).Error; err != nil || len(as) != 1 || as[0].Name != "Permission Slip 2" || as[0].VerifyKey != key {
			t.Fatalf("agents after two adds: %+v %v", as, err)
		}
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"agents", "add", "--id", "X", "--name", "X", "--verify-key", "c2hvcnQ="}, "--verify-key"},
			{[]string{"agents", "add", "--id", "X", "--name", "X", "--verify-key", key, "--callback-hosts", "https://x.example/cb"}, "--callback-hosts"},
			{[]string{"agents", "add", "--id", "bad id!", "--name", "X", "--verify-key", key}, "--id"},
			{[]string{"agents", "list"}, "usage"},
		} {
			errOut.Reset()
			if err := run(ctx, c.args, envFunc(env), io.Discard, &errOut); err == nil {
				t.Fatalf("%v: accepted", c.args)
			}
			contains(t, errOut.String(), c.want)
		}
		for setting, value := range map[string]string{"PRIVACYDESK_DRP_ACTIONS": "access,access:categories", "PRIVACYDESK_DRP_VERIFICATIONS": "selfie"} {
			bad := map[string]string{setting: value}
			for k, v := range env {
				bad[k] = v
			}
			err := run(ctx, []string{"serve"}, envFunc(bad), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), setting) {
				t.Fatalf("serve with %s=%s: %v, want an error naming it", setting, value, err)
			}
		}
	})
}
