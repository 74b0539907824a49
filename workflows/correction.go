package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// MaxCorrections is how many fields one correction request may name, and
// MaxCorrectionLen how long a requested value may be.
const (
	MaxCorrections   = 5
	MaxCorrectionLen = 500
)

// CorrectionInput is one field a requester says is wrong and what it should be.
type CorrectionInput struct {
	Field string
	Value string
}

// A Corrector is a source that can show and rewrite a field of the
// subject's records for a correction request (GDPR Art. 16, CCPA
// §1798.106). Only the account source is one: orders are kept as the
// accounting record of what was sold and shipped where, so rewriting them
// would falsify it; a corrected name or address applies to future orders
// through the account. Both methods find the subject like the other
// Source methods; Correct is idempotent and returns what it did in words.
type Corrector interface {
	Current(ctx context.Context, db *gorm.DB, s store.Subject, field string) (value string, found bool, err error)
	Correct(ctx context.Context, db *gorm.DB, s store.Subject, field, value string) (string, error)
}

var _ Corrector = (*store.AccountEngine)(nil)

// autoFields are the fields a Corrector writes; address and other are free
// text that staff change in the store by hand before accepting them.
var autoFields = []string{models.FieldName, models.FieldEmail, models.FieldPhone}

// correctionProblem says what is wrong with one requested value, or "".
func correctionProblem(c CorrectionInput) string {
	switch {
	case !slices.Contains(models.CorrectionFields, c.Field):
		return "Choose which detail is wrong: name, email, phone, address or something else."
	case c.Value == "":
		return "Write what the " + c.Field + " should be."
	case utf8.RuneCountInString(c.Value) > MaxCorrectionLen:
		return "A corrected value must be 500 characters or fewer."
	case c.Field == models.FieldName:
		return nameProblem(c.Value)
	case c.Field == models.FieldEmail:
		return EmailProblem(models.NormalizeEmail(c.Value))
	case c.Field == models.FieldPhone:
		if strings.Trim(c.Value, "0123456789 +-().") != "" || utf8.RuneCountInString(c.Value) < 5 {
			return "Write the phone number with digits, spaces and + - ( ) only."
		}
	case !cleanText(c.Value, true):
		return "The corrected value contains characters we cannot accept."
	}
	return ""
}

// validateCorrections normalizes in and adds a "corrections" message to fields when it is wrong.
func validateCorrections(typ string, in []CorrectionInput, fields map[string]string) []CorrectionInput {
	var out []CorrectionInput
	for _, c := range in {
		c.Field, c.Value = strings.TrimSpace(c.Field), strings.TrimSpace(c.Value)
		if c.Field == "" && c.Value == "" {
			continue // an unused row of the form
		}
		if c.Field == models.FieldEmail {
			c.Value = models.NormalizeEmail(c.Value)
		}
		if msg := correctionProblem(c); msg != "" {
			fields["corrections"] = msg
		} else if slices.ContainsFunc(out, func(o CorrectionInput) bool { return o.Field == c.Field }) {
			fields["corrections"] = "Name each detail once."
		}
		out = append(out, c)
	}
	switch {
	case typ != models.TypeCorrection && len(out) > 0:
		fields["corrections"] = "Corrections only apply to a correction request."
	case typ == models.TypeCorrection && len(out) == 0 && fields["corrections"] == "":
		fields["corrections"] = "Say which detail is wrong and what it should be."
	case len(out) > MaxCorrections:
		fields["corrections"] = fmt.Sprintf("Name at most %d details in one request.", MaxCorrections)
	}
	return out
}

// addCorrections records the requested fields of a new correction request in tx.
func addCorrections(ctx context.Context, tx *gorm.DB, r *models.Request, in []CorrectionInput) error {
	for _, c := range in {
		row := models.Correction{RequestID: r.ID, Field: c.Field, Requested: c.Value, Current: "{}", Result: "{}"}
		if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("record correction: %w", err)
		}
	}
	return nil
}

// CorrectionView is one requested field as the staff page shows it: the
// value each source holds now beside the requested one.
type CorrectionView struct {
	models.Correction
	Now    []SourceValue // live values per source (empty for address and other)
	Auto   bool          // a source writes it on approval; otherwise staff change it by hand
	Result map[string]string
}

// SourceValue is one source's current value of a field.
type SourceValue struct{ Source, Value string }

// Corrections returns a correction request's fields with their current values.
func (s *Service) Corrections(ctx context.Context, r *models.Request) ([]CorrectionView, error) {
	cs, err := models.CorrectionsFor(ctx, s.DB.DB, r.ID)
	if err != nil {
		return nil, err
	}
	out := make([]CorrectionView, 0, len(cs))
	for _, c := range cs {
		v := CorrectionView{Correction: c, Auto: slices.Contains(autoFields, c.Field)}
		_ = json.Unmarshal([]byte(c.Result), &v.Result)
		if v.Auto {
			if v.Now, err = s.currentValues(ctx, r, c.Field); err != nil {
				return nil, err
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) currentValues(ctx context.Context, r *models.Request, field string) ([]SourceValue, error) {
	var out []SourceValue
	for _, src := range s.sources {
		cr, ok := src.(Corrector)
		if !ok {
			continue
		}
		val, found, err := cr.Current(ctx, s.Store.DB, store.Subject{Email: r.Email}, field)
		if err != nil {
			return nil, fmt.Errorf("current %s of %s: %w", field, src.Name(), err)
		}
		if !found {
			val = "(no record)"
		}
		out = append(out, SourceValue{Source: src.Name(), Value: val})
	}
	return out, nil
}

// DecideCorrection accepts or rejects one requested field with a reason the
// requester reads, snapshotting the current values beside it. Errors:
// EInvalid (decision, reason), ENotFound, EConflict unless the request is a
// correction awaiting approval.
func (s *Service) DecideCorrection(ctx context.Context, actor *models.StaffUser, id, field, decision, reason string) error {
	if decision != models.CorrectionAccepted && decision != models.CorrectionRejected {
		return invalidField("decision", "Choose accept or reject.")
	}
	reason, err := reasonField(reason)
	if err != nil {
		return err
	}
	r, err := models.FindRequest(ctx, s.DB.DB, id)
	if err != nil {
		return err
	}
	now, err := s.currentValues(ctx, r, field) // read the store outside the write transaction
	if err != nil {
		return err
	}
	snap := map[string]string{}
	for _, v := range now {
		snap[v.Source] = v.Value
	}
	cj, _ := json.Marshal(snap)
	_, err = s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
		if err := canDecideCorrection(r); err != nil {
			return err
		}
		at := s.now()
		res := tx.Model(&models.Correction{}).Where("request_id = ? AND field = ?", id, field).Updates(map[string]any{
			"decision": decision, "reason": reason, "decided_by": actor.Email, "decided_at": &at, "current": string(cj)})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return invalidField("field", "This request does not ask to correct that detail.")
		}
		return s.audit(ctx, tx, r, actor.Email, "decide_correction", map[string]any{"field": field, "decision": decision})
	})
	return err
}

// undecidedCorrections counts the fields of a correction request that have no decision yet.
func undecidedCorrections(ctx context.Context, tx *gorm.DB, r *models.Request) (int, error) {
	if r.Type != models.TypeCorrection {
		return 0, nil
	}
	var n int64
	if err := tx.WithContext(ctx).Model(&models.Correction{}).Where("request_id = ? AND decision = ''", r.ID).Count(&n).Error; err != nil {
		return 0, err
	}
	return int(n), nil
}

// applyCorrections writes each accepted field through every Corrector
// source, the email last (the sources find the subject by it), recording
// each field's per-source result once applied; a re-run skips applied ones.
func (s *Service) applyCorrections(ctx context.Context, r *models.Request) error {
	cs, err := models.CorrectionsFor(ctx, s.DB.DB, r.ID)
	if err != nil {
		return err
	}
	slices.SortStableFunc(cs, func(a, b models.Correction) int {
		return boolInt(a.Field == models.FieldEmail) - boolInt(b.Field == models.FieldEmail)
	})
	for _, c := range cs {
		if c.Decision != models.CorrectionAccepted || c.AppliedAt != nil {
			continue
		}
		res := map[string]string{}
		if slices.Contains(autoFields, c.Field) {
			for _, src := range s.sources {
				if cr, ok := src.(Corrector); ok {
					did, err := cr.Correct(ctx, s.Store.DB, store.Subject{Email: r.Email}, c.Field, c.Requested)
					if err != nil {
						return fmt.Errorf("correct %s in %s: %w", c.Field, src.Name(), err)
					}
					res[src.Name()] = did
				}
			}
		} else {
			res["staff"] = "changed by our staff"
		}
		rj, _ := json.Marshal(res)
		at := s.now()
		err := s.DB.DB.WithContext(ctx).Model(&models.Correction{}).Where("request_id = ? AND field = ?", r.ID, c.Field).
			Updates(map[string]any{"applied_at": &at, "result": string(rj)}).Error
		if err != nil {
			return fmt.Errorf("record correction of %s: %w", c.Field, err)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
