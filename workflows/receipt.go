package workflows

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/receipt"
)

// Receipts are signed with the instance's one Ed25519 key, the one audit
// anchors are signed with (models.AuditAnchorKey): a single key to publish,
// pin and protect. The two never sign the same bytes: an anchor's message
// starts "privacydesk audit anchor v1|", a receipt's is a JSON object
// stating receipt.Format.

// receiptKeys returns the signing key and the email hash key, creating
// either on first use.
func receiptKeys(ctx context.Context, db *gorm.DB) (ed25519.PrivateKey, []byte, error) {
	seed := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(seed)
	key, err := models.AuditAnchorKey(ctx, db, seed)
	if err != nil {
		return nil, nil, err
	}
	hk := make([]byte, models.ReceiptEmailKeySize)
	_, _ = rand.Read(hk)
	hmacKey, err := models.ReceiptEmailKey(ctx, db, hk)
	if err != nil {
		return nil, nil, err
	}
	return key, hmacKey, nil
}

// ReceiptName is the file name of request id's receipt in its email.
func ReceiptName(id string) string { return "receipt-" + id + ".json" }

// IssueReceipt signs a receipt for r now: its id, type, when it was filed
// and is due, and the keyed hash of its address.
func (s *Service) IssueReceipt(ctx context.Context, r *models.Request) ([]byte, error) {
	key, hmacKey, err := receiptKeys(ctx, s.DB.DB)
	if err != nil {
		return nil, err
	}
	f := receipt.Fields{
		Format: receipt.Format, RequestID: r.ID, Type: r.Type, ReceivedAt: receipt.Time(r.CreatedAt),
		IssuedAt: receipt.Time(s.now()), Issuer: s.Settings.BaseURL,
		EmailHMAC: receipt.EmailHMAC(hmacKey, r.ID, models.NormalizeEmail(r.Email)),
	}
	if r.DueAt != nil {
		f.DueAt = receipt.Time(*r.DueAt)
	}
	b, err := receipt.Sign(key, f)
	if err != nil {
		return nil, fmt.Errorf("sign receipt of %s: %w", r.ID, err)
	}
	return b, nil
}

// receiptAttachment is the receipt email's attached, signed receipt.
func (s *Service) receiptAttachment(ctx context.Context, r *models.Request) (mail.Attachment, error) {
	b, err := s.IssueReceipt(ctx, r)
	if err != nil {
		return mail.Attachment{}, err
	}
	return mail.Attachment{Name: ReceiptName(r.ID), ContentType: "application/json", Data: b}, nil
}

// ReceiptURL is the absolute address of the page that checks receipts.
func (s *Service) ReceiptURL() string { return s.Settings.BaseURL + links.VerifyReceipt }

// ReceiptPublicKey returns the key receipts are signed with, as published,
// creating it on first use so the published key never changes afterwards.
func (s *Service) ReceiptPublicKey(ctx context.Context) (receipt.PublicKey, error) {
	key, _, err := receiptKeys(ctx, s.DB.DB)
	if err != nil {
		return receipt.PublicKey{}, err
	}
	return receipt.NewPublicKey(key.Public().(ed25519.PublicKey)), nil
}

// ReceiptCheck is what checking a receipt found. Valid is true only when
// the receipt is well formed, its signature verifies with this instance's
// key and, when an email was given, the email is the requester's.
type ReceiptCheck struct {
	Receipt      *receipt.Receipt // nil when the file is not a receipt
	KeyID        string           // this instance's key id ("" when it has none)
	SignatureOK  bool
	EmailChecked bool // an email was given and the signature held, so it was compared
	EmailOK      bool
	Problem      string // why it is not valid, "" when it is
}

// Valid reports whether everything checked held.
func (c *ReceiptCheck) Valid() bool { return c.Problem == "" }

// VerifyReceipt checks a receipt file with this instance's key and, when
// email is not empty, that it is the requester's address. It compares the
// email only under a signature that holds, so it answers nothing about
// addresses to anyone without a genuine receipt. It returns an error only
// when the database fails; what does not hold is in the check.
func (s *Service) VerifyReceipt(ctx context.Context, data []byte, email string) (*ReceiptCheck, error) {
	return VerifyReceipt(ctx, s.DB.DB, data, email)
}

// VerifyReceipt is Service.VerifyReceipt on a database, for the command line.
func VerifyReceipt(ctx context.Context, db *gorm.DB, data []byte, email string) (*ReceiptCheck, error) {
	c := &ReceiptCheck{}
	r, err := receipt.Parse(data)
	if err != nil {
		c.Problem = err.Error()
		return c, nil
	}
	c.Receipt = r
	pub, err := models.AuditAnchorPublicKey(ctx, db)
	if errors.Is(err, models.ErrNotFound) {
		c.Problem = "this privacy center has no signing key, so it signed no receipt"
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	c.KeyID = receipt.KeyID(pub)
	if err := r.Verify(pub); err != nil {
		c.Problem = err.Error()
		if r.KeyID != c.KeyID {
			c.Problem = fmt.Sprintf("signed with another key (%q) than this privacy center's (%s), or changed", r.KeyID, c.KeyID)
		}
		return c, nil
	}
	c.SignatureOK = true
	if email = models.NormalizeEmail(email); email == "" {
		return c, nil
	}
	hmacKey, err := models.FindSecret(ctx, db, models.ReceiptEmailKeyName)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	c.EmailChecked = true
	c.EmailOK = err == nil && r.EmailMatches(hmacKey, email)
	if !c.EmailOK {
		c.Problem = "the email address given is not the one the request was filed with"
	}
	return c, nil
}
