package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kactoily/privacydesk/config"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/receipt"
	"github.com/kactoily/privacydesk/workflows"
)

// receiptVerify checks a signed receipt file (FILE, or - for standard
// input) with this instance's key and, with --email, that it was issued
// for that address. It prints what it checked and fails unless all held.
func receiptVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-" {
		fmt.Fprint(stderr, "usage: privacydesk receipt verify FILE [--email E] [flags]\n")
		return errUsage
	}
	path, args := args[0], args[1:]
	var email string
	cfg, err := config.LoadConfig("receipt verify", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the address the request was filed with; checked against the receipt's hash")
	})
	if err != nil {
		return err
	}
	data, err := readReceiptFile(path)
	if err != nil {
		return err
	}
	db, err := models.Open(ctx, cfg.DatabaseURL, models.OpenOptions{Logger: newLogger(stderr)})
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := workflows.VerifyReceipt(ctx, db.DB, data, email)
	if err != nil {
		return err
	}
	printReceiptCheck(stdout, c)
	if !c.Valid() {
		return fmt.Errorf("receipt invalid: %s", c.Problem)
	}
	return nil
}

// readReceiptFile reads at most receipt.MaxSize bytes of path ("-": stdin).
func readReceiptFile(path string) ([]byte, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read receipt: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, receipt.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read receipt: %w", err)
	}
	if len(data) > receipt.MaxSize {
		return nil, fmt.Errorf("receipt invalid: %s is larger than %d bytes, so it is no receipt", path, receipt.MaxSize)
	}
	return data, nil
}

func printReceiptCheck(w io.Writer, c *workflows.ReceiptCheck) {
	yes := func(ok bool, y, n string) string {
		if ok {
			return y
		}
		return n
	}
	fmt.Fprintf(w, "well formed: %s\n", yes(c.Receipt != nil, "yes", "no"))
	if r := c.Receipt; r != nil {
		f := r.Fields
		fmt.Fprintf(w, "request %s (%s), received %s, due %s, receipt issued %s by %s\n",
			f.RequestID, f.Type, f.ReceivedAt, yes(f.DueAt != "", f.DueAt, "(none)"), f.IssuedAt, f.Issuer)
		fmt.Fprintf(w, "signature: %s (receipt names key %q; this instance's key is %q)\n",
			yes(c.SignatureOK, "holds", "DOES NOT HOLD"), r.KeyID, c.KeyID)
		email := "not checked (give --email)"
		if c.EmailChecked {
			email = yes(c.EmailOK, "matches", "DOES NOT MATCH")
		}
		fmt.Fprintf(w, "email: %s\n", email)
	}
	if c.Valid() {
		fmt.Fprintln(w, "receipt VALID")
		return
	}
	fmt.Fprintf(w, "receipt INVALID: %s\n", c.Problem)
}
