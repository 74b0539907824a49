package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/kactoily/privacydesk/config"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

const agentsUsage = "usage: privacydesk agents add --id ID --name N --verify-key BASE64 [--callback-hosts H,…] [--technical-contact E] [--business-contact E]\n"

// agentsCommand runs `privacydesk agents add`: it adds a trusted
// authorized agent to the directory, or replaces its entry.
func agentsCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(stderr, agentsUsage)
		return errUsage
	}
	var in workflows.NewAgent
	var hosts string
	cfg, err := config.LoadConfig("agents add", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&in.ID, "id", "", "the agent's id in the DRP directory (required)")
		fs.StringVar(&in.Name, "name", "", "the agent's name staff and customers see (required)")
		fs.StringVar(&in.VerifyKey, "verify-key", "", "the agent's Ed25519 verify key in base64, from the DRP directory (required)")
		fs.StringVar(&hosts, "callback-hosts", "", "host names (host or host:port) status callbacks may go to, comma-separated")
		fs.StringVar(&in.TechnicalContact, "technical-contact", "", "the agent's technical contact email")
		fs.StringVar(&in.BusinessContact, "business-contact", "", "the agent's business contact email")
	})
	if err != nil {
		return err
	}
	in.CallbackHosts = []string{hosts}
	svc, db, err := commandService(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := svc.AddAgent(ctx, "command-line", in)
	if err != nil {
		f := models.ErrorFields(err)
		keys := make([]string, 0, len(f))
		for k := range f {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(stderr, "  --%s: %s\n", k, f[k])
		}
		return errors.New(models.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "saved agent %s (%s); callbacks allowed to: %s\n", a.ID, a.Name, orNone(a.CallbackHosts))
	if cfg.DRPBusinessID == "" {
		fmt.Fprintln(stdout, "note: PRIVACYDESK_DRP_BUSINESS_ID is not set, so the DRP endpoints are off")
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
