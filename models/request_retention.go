package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// RequestsPastRetention returns the ids of up to limit closed requests,
// closed before cutoff, whose personal data is not yet purged, oldest first.
// A closed request without closed_at (none should exist) counts from its
// last update.
func RequestsPastRetention(ctx context.Context, db *gorm.DB, cutoff time.Time, limit int) ([]string, error) {
	var ids []string
	err := db.WithContext(ctx).Model(&Request{}).
		Where("queue = ? AND purged_at IS NULL AND COALESCE(closed_at, updated_at) < ?", QueueClosed, cutoff).
		// A denial under appeal is not closed for the requester yet.
		Where("NOT EXISTS (SELECT 1 FROM appeals a WHERE a.request_id = requests.id AND a.status = ?)", AppealOpen).
		Order("COALESCE(closed_at, updated_at), id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// PurgeRequestPersonalData removes, inside tx, what a closed request holds
// about the requester: email, name, details and free-text reasons on the
// request (a denial reason survives only when keepDenial says it is one of
// the standard wordings), the text of its notes, the recipient, data and
// errors of its outbox emails, the record samples of its collections, and
// its tokens. The id, type, region, channel, dates, status, counts and the
// audit trail stay, so the compliance report and `audit verify` are
// unchanged. It returns ErrNotFound if the request is not closed or is
// already purged.
func PurgeRequestPersonalData(ctx context.Context, tx *gorm.DB, id string, keepDenial func(string) bool, now time.Time) error {
	tx = tx.WithContext(ctx)
	var r Request
	if err := tx.Where("id = ? AND queue = ? AND purged_at IS NULL", id, QueueClosed).Take(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		return err
	}
	denial := ""
	if keepDenial(r.DenialReason) {
		denial = r.DenialReason
	}
	// updated_at stays: it is when the request last changed as a request.
	res := tx.Model(&Request{}).Where("id = ? AND purged_at IS NULL", id).Updates(map[string]any{
		"email": "", "name": "", "details": "", "denial_reason": denial, "extension_reason": "",
		"identity_confirmed": identityNote(r.IdentityConfirmed), "cancel_reason": "", "purged_at": now,
	})
	if res.Error != nil {
		return fmt.Errorf("purge request %s: %w", id, res.Error)
	}
	if res.RowsAffected != 1 {
		return ErrNotFound
	}
	steps := []struct {
		what, where string
		model       any
		set         map[string]any
	}{
		{"notes", "", &Note{}, map[string]any{"body": ""}},
		{"emails", "", &Email{}, map[string]any{"to_addr": "", "data": "{}", "last_error": ""}},
		{"unsent emails", "status = '" + EmailQueued + "'", &Email{}, map[string]any{"status": EmailFailed}},
		{"collections", "", &Collection{}, map[string]any{"samples": "[]", "error": ""}},
		{"corrections", "", &Correction{}, map[string]any{"requested": "", "current": "{}", "reason": "", "result": "{}"}},
		{"appeals", "", &Appeal{}, map[string]any{"reason": "", "answer": ""}},
	}
	for _, st := range steps {
		q := tx.Model(st.model).Where("request_id = ?", id)
		if st.where != "" {
			q = q.Where(st.where)
		}
		if err := q.Updates(st.set).Error; err != nil {
			return fmt.Errorf("purge %s of %s: %w", st.what, id, err)
		}
	}
	// Lookup-by-email answers belong to no one request but name the address
	// beside request ids; they go with the address's first purged request.
	if r.Email != "" {
		if err := tx.Model(&Email{}).Where("request_id IS NULL AND kind = ? AND to_addr = ?", "request_links", r.Email).
			Updates(map[string]any{"to_addr": "", "data": "{}", "last_error": ""}).Error; err != nil {
			return fmt.Errorf("purge lookup emails of %s: %w", id, err)
		}
	}
	if err := tx.Where("request_id = ?", id).Delete(&RequestToken{}).Error; err != nil {
		return fmt.Errorf("purge tokens of %s: %w", id, err)
	}
	return nil
}

// identityNote keeps the fact that staff confirmed identity, not their words.
func identityNote(reason string) string {
	if reason == "" {
		return ""
	}
	return "yes (reason removed after the retention period)"
}
