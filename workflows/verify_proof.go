package workflows

import (
	"context"
	"crypto/subtle"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// MaxProofTries is how many wrong order numbers or serials a request's
// verification page takes; the last one locks the request.
const MaxProofTries = 3

// Proof kinds named on the verification page; never the values themselves.
const (
	ProofOrderNumber = "an order number"
	ProofSerial      = "a product serial number"
)

var errVerifyLocked = models.Errorf(models.EForbidden,
	"This request is locked after too many wrong answers. Our privacy team has been told and will contact you.")

// needsProofCheck reports whether a request's confirmation must also
// prove a store data point (CCPA regulations §7062: a reasonably high
// degree of certainty for deletion and for specific pieces): access and
// deletion requests still awaiting confirmation that no admin confirmed.
func needsProofCheck(r *models.Request) bool {
	return r.Status == models.StatusPendingVerification && r.IdentityConfirmed == "" &&
		(r.Type == models.TypeAccess || r.Type == models.TypeDeletion || r.Type == models.TypeCorrection) // a correction rewrites the account
}

// proofKinds names the kinds of value the proofs accept.
func proofKinds(p *store.IdentityProofs) []string {
	var kinds []string
	if len(p.OrderNumbers) > 0 {
		kinds = append(kinds, ProofOrderNumber)
	}
	if len(p.Serials) > 0 {
		kinds = append(kinds, ProofSerial)
	}
	return kinds
}

// normalizeProof drops all spaces and folds case, so " kt-100234 " matches
// "KT-100234".
func normalizeProof(v string) string {
	return strings.ToUpper(strings.Join(strings.Fields(v), ""))
}

// proofMatches reports whether given is one of the proofs' values. It looks
// at every value, so the time taken does not tell which one came close.
func proofMatches(p *store.IdentityProofs, given string) bool {
	g := []byte(normalizeProof(given))
	if len(g) == 0 {
		return false
	}
	match := 0
	for _, vs := range [][]string{p.OrderNumbers, p.Serials} {
		for _, v := range vs {
			match |= subtle.ConstantTimeCompare(g, []byte(normalizeProof(v)))
		}
	}
	return match == 1
}

// storeDB is where the person's store records are read: tx itself when
// the store lives in the app database, else the store's own database.
func (s *Service) storeDB(tx *gorm.DB) *gorm.DB {
	if s.sameStore() {
		return tx
	}
	return s.Store.DB
}

// checkProof decides whether r may be confirmed with proof. It returns
// nil when no proof is needed or proof is right, errVerifyLocked when the
// request is (or by this wrong answer becomes) locked, and an EInvalid
// error on the proof field with the tries left. A wrong answer is
// recorded in tx, which the caller must commit even though it returns an
// error (wrongProof tells it so).
func (s *Service) checkProof(ctx context.Context, tx *gorm.DB, r *models.Request, proof string) (wrongProof bool, err error) {
	if !needsProofCheck(r) {
		return false, nil
	}
	if r.VerifyLocked != nil {
		return false, errVerifyLocked
	}
	// The tries are the person's, not the request's: any locked request of
	// this address locks every other, and wrong answers add up.
	if locked, _, err := models.VerifyLockedFor(ctx, tx, r.Email); err != nil || locked {
		if err == nil {
			err = errVerifyLocked
		}
		return false, err
	}
	p, err := s.datasets.IdentityProofs(ctx, s.storeDB(tx), r.Email)
	if err != nil || p.Empty() {
		return false, err
	}
	if proofMatches(p, proof) {
		return false, nil
	}
	// Counted in the row itself, so two wrong answers at once both count.
	upd := tx.WithContext(ctx).Model(&models.Request{}).Where("id = ? AND verify_locked_at IS NULL", r.ID).
		Update("verify_attempts", gorm.Expr("verify_attempts + 1"))
	if upd.Error != nil {
		return false, upd.Error
	}
	if upd.RowsAffected == 0 { // locked meanwhile
		return false, errVerifyLocked
	}
	if _, r.VerifyAttempts, err = models.VerifyLockedFor(ctx, tx, r.Email); err != nil {
		return false, err
	}
	left := MaxProofTries - r.VerifyAttempts
	if left > 0 {
		if err := s.audit(ctx, tx, r, "customer", "verification_failed", map[string]any{"tries_left": left}); err != nil {
			return false, err
		}
		return true, &models.Error{Code: models.EInvalid, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"proof": wrongProofText(left)}}
	}
	now := s.now()
	if err := tx.WithContext(ctx).Model(&models.Request{}).Where("id = ?", r.ID).
		Update("verify_locked_at", now).Error; err != nil {
		return false, err
	}
	r.VerifyLocked = &now
	if err := s.audit(ctx, tx, r, "system", "verification_locked", map[string]any{"wrong_answers": r.VerifyAttempts}); err != nil {
		return false, err
	}
	if err := s.enqueueEmail(ctx, tx, r, EmailVerifyLocked, map[string]any{"wrong_answers": r.VerifyAttempts}); err != nil {
		return false, err
	}
	return true, errVerifyLocked
}

func wrongProofText(left int) string {
	tries := strconv.Itoa(left) + " tries"
	if left == 1 {
		tries = "1 try"
	}
	return "That does not match our records for this email address. Check it and try again: " + tries + " left."
}

// UnlockVerification lets a locked request be confirmed again once a
// privacy admin has checked the requester's identity another way: its
// wrong answers are forgotten and a new verification link is emailed.
// Errors: EForbidden (not an admin), ENotFound, EConflict (not locked).
func (s *Service) UnlockVerification(ctx context.Context, actor *models.StaffUser, id string) (*models.Request, error) {
	return s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		if err := canUnlock(r, actor); err != nil {
			return err
		}
		exp := s.now().Add(VerifyLinkLife)
		err := tx.WithContext(ctx).Model(&models.Request{}).Where("id = ?", r.ID).
			Updates(map[string]any{"verify_attempts": 0, "verify_locked_at": nil, "expires_at": exp}).Error
		if err != nil {
			return err
		}
		// The tries are the address's: its other waiting requests start afresh too.
		if err := tx.WithContext(ctx).Model(&models.Request{}).
			Where("email = ? AND status = ? AND verify_locked_at IS NULL", r.Email, models.StatusPendingVerification).
			Update("verify_attempts", 0).Error; err != nil {
			return err
		}
		r.VerifyAttempts, r.VerifyLocked, r.ExpiresAt = 0, nil, &exp
		if err := s.audit(ctx, tx, r, actor.Email, "verification_unlocked", nil); err != nil {
			return err
		}
		return s.enqueueEmail(ctx, tx, r, EmailVerify, nil)
	})
}
