package app

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
	signed "github.com/kactoily/privacydesk/receipt"
	"github.com/kactoily/privacydesk/workflows"
)

// Receipts is what the receipt pages need: the published signing key and
// the check of a signed receipt.
type Receipts interface {
	ReceiptPublicKey(ctx context.Context) (signed.PublicKey, error)
	VerifyReceipt(ctx context.Context, data []byte, email string) (*workflows.ReceiptCheck, error)
}

var _ Receipts = (*workflows.Service)(nil)

// How many receipt checks a client may make per window, and how many email
// guesses against one receipt from all clients together: the page answers
// whether an address is a receipt's, so its holder may try a few, not a list.
const (
	receiptChecksPerIP     = 60
	receiptEmailsPerRecord = 10
)

// receiptForm is the check page's input: a receipt pasted or uploaded
// (the file wins), and optionally the email to compare.
type receiptForm struct {
	Receipt string `form:"receipt"`
	Email   string `form:"email"`
}

// handleReceiptKey publishes the key receipts are signed with.
func (s *Server) handleReceiptKey(c *gin.Context) {
	pk, err := s.receipts.ReceiptPublicKey(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.JSON(http.StatusOK, pk)
}

func (s *Server) handleReceiptForm(c *gin.Context) {
	s.render(c, http.StatusOK, "receipt_verify", view{Title: s.t(c, "receipts.title"), Form: receiptForm{}})
}

// handleReceiptCheck checks the receipt given and shows what held. It
// never looks the request up: it answers only from the receipt itself.
func (s *Server) handleReceiptCheck(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	var f receiptForm
	_ = c.ShouldBind(&f)
	data, err := receiptInput(c, f.Receipt)
	base := view{Title: s.t(c, "receipts.title"), Form: receiptForm{Email: f.Email}, NoIndex: true}
	var check *workflows.ReceiptCheck
	if err == nil { // the signature first: only a genuine receipt spends its email budget
		check, err = s.receipts.VerifyReceipt(c.Request.Context(), data, "")
	}
	if err == nil && check.SignatureOK && strings.TrimSpace(f.Email) != "" {
		if err = s.allowReceiptEmail(check.Receipt.Fields.RequestID); err == nil {
			check, err = s.receipts.VerifyReceipt(c.Request.Context(), data, f.Email)
		}
	}
	if s.refused(c, err, base, s.page(c, "receipt_verify"), models.EInvalid, models.ERateLimited) {
		return
	}
	base.Data = check
	s.render(c, http.StatusOK, "receipt_verify", base)
}

// receiptInput returns the uploaded receipt file, else the pasted text,
// refusing an empty or oversized one.
func receiptInput(c *gin.Context, pasted string) ([]byte, error) {
	tooBig := invalidReceipt("receipt", "A receipt is at most 4 KiB; this is not one.")
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		if fh.Size > signed.MaxSize {
			return nil, tooBig
		}
		file, err := fh.Open()
		if err != nil {
			return nil, invalidReceipt("receipt", "The file could not be read; paste its text instead.")
		}
		defer file.Close()
		b, err := io.ReadAll(io.LimitReader(file, signed.MaxSize+1))
		if err != nil || len(b) > signed.MaxSize {
			return nil, tooBig
		}
		return b, nil
	}
	if strings.TrimSpace(pasted) == "" {
		return nil, invalidReceipt("receipt", "Paste the receipt's text or choose its file.")
	}
	if len(pasted) > signed.MaxSize {
		return nil, tooBig
	}
	return []byte(pasted), nil
}

// allowReceiptEmail counts an email comparison against a genuine
// receipt's request id, so guesses at one receipt's address stay few
// whichever clients send them.
func (s *Server) allowReceiptEmail(requestID string) error {
	if ok, retry := s.limits.receiptEmail.allow(requestID, s.now()); !ok {
		return &models.Error{Code: models.ERateLimited, RetryAfter: retry,
			Message: "This receipt has been checked against many email addresses recently. Please try again later."}
	}
	return nil
}

// needReceipts answers 404 on a server built without Receipts.
func (s *Server) needReceipts(c *gin.Context) {
	if s.receipts == nil {
		s.notFound(c)
		c.Abort()
	}
}

func (s *Server) limitReceipt() gin.HandlerFunc {
	return func(c *gin.Context) {
		if ok, retry := s.limits.receiptIP.allow(c.ClientIP(), s.now()); !ok {
			s.abortLimited(c, rateLimited(retry))
		}
	}
}

func invalidReceipt(field, msg string) error {
	return &models.Error{Code: models.EInvalid, Message: msg, Fields: map[string]string{field: msg}}
}
