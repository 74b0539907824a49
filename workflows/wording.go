package workflows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/locale"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/wording"
)

// WordingPrivacyCenter names the privacy center's introduction among the
// wordings an admin may edit (the others are email kinds).
const WordingPrivacyCenter = "privacy_center"

// WordingKind is one text an admin may reword.
type WordingKind struct {
	Kind, Label string
	Email       bool // an email (subject and opening paragraph), not a page
}

// WordingKinds are the customer emails and the page whose wording admins
// may edit. Staff emails and third-party notices keep the built-in words.
var WordingKinds = []WordingKind{
	{WordingPrivacyCenter, "Privacy center introduction", false},
	{EmailVerify, "Confirm your email address", true},
	{EmailReceipt, "Receipt (request received)", true},
	{EmailExtended, "Deadline extended", true},
	{EmailCompleted, "Request completed", true},
	{EmailOptOutDone, "Opt-out confirmed", true},
	{EmailOptInDone, "Opt-in confirmed (authorized agents)", true},
	{EmailDenied, "Request denied", true},
	{EmailCancelled, "Request cancelled", true},
	{EmailAppealReceived, "Appeal received", true},
	{EmailAppealDecided, "Appeal decided", true},
	{EmailRequestLinks, "Your requests (look-up by email)", true},
}

// WordingLanguages are the languages wording is kept in: those the
// customer pages and emails are written in.
var WordingLanguages = locale.Supported

// WordingKindOf returns the editable kind named kind, or ErrNotFound.
func WordingKindOf(kind string) (WordingKind, error) {
	for _, k := range WordingKinds {
		if k.Kind == kind {
			return k, nil
		}
	}
	return WordingKind{}, models.ErrNotFound
}

// WordingInput is an admin's edit of one kind in one language; an empty
// field keeps the built-in text.
type WordingInput struct {
	Kind, Lang, Subject, Intro string
}

// tidy trims the texts' surrounding spaces and line breaks, so a field of
// nothing else keeps the built-in text instead of a blank subject or
// first paragraph.
func (in WordingInput) tidy() WordingInput {
	in.Subject, in.Intro = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Intro)
	return in
}

// checkWording validates in: a known kind and language, and texts whose
// placeholders all exist and are closed. It returns EInvalid with fields.
func checkWording(in WordingInput) (WordingKind, error) {
	k, err := WordingKindOf(in.Kind)
	if err != nil {
		return k, models.Errorf(models.EInvalid, "There is no wording %q to edit.", in.Kind)
	}
	if !slices.Contains(WordingLanguages, in.Lang) {
		return k, models.Errorf(models.EInvalid, "There is no language %q.", in.Lang)
	}
	fields := map[string]string{}
	if !k.Email && in.Subject != "" {
		fields["subject"] = "A page has no subject."
	} else if err := wording.CheckSubject(in.Subject); err != nil {
		fields["subject"] = sentence(err)
	}
	if err := wording.CheckText(in.Intro); err != nil {
		fields["intro"] = sentence(err)
	}
	if len(fields) > 0 {
		return k, &models.Error{Code: models.EInvalid, Message: "The wording was not saved: correct the fields marked below.", Fields: fields}
	}
	return k, nil
}

// Wordings returns every edited wording, keyed by kind and then language.
func (s *Service) Wordings(ctx context.Context) (map[string]map[string]models.Wording, error) {
	ws, err := models.ListWordings(ctx, s.DB.DB)
	if err != nil {
		return nil, fmt.Errorf("list wordings: %w", err)
	}
	out := map[string]map[string]models.Wording{}
	for _, w := range ws {
		if out[w.Kind] == nil {
			out[w.Kind] = map[string]models.Wording{}
		}
		out[w.Kind][w.Lang] = w
	}
	return out, nil
}

// WordingFor returns the edited wording of kind in lang, or a zero one when
// the built-in wording applies.
func (s *Service) WordingFor(ctx context.Context, kind, lang string) (models.Wording, error) {
	w, err := models.FindWording(ctx, s.DB.DB, kind, lang)
	if errors.Is(err, models.ErrNotFound) {
		return models.Wording{Kind: kind, Lang: lang}, nil
	}
	if err != nil {
		return models.Wording{}, fmt.Errorf("find wording: %w", err)
	}
	return *w, nil
}

// SaveWording stores an admin's wording (trimmed; nothing left is a reset),
// with an audit event that records the old and new texts. Only admins may;
// invalid input is EInvalid.
func (s *Service) SaveWording(ctx context.Context, actor *models.StaffUser, in WordingInput) error {
	if actor == nil || actor.Role != models.RoleAdmin {
		return errAdminOnly
	}
	in = in.tidy()
	if _, err := checkWording(in); err != nil {
		return err
	}
	if in.Subject == "" && in.Intro == "" {
		return s.ResetWording(ctx, actor, in.Kind, in.Lang)
	}
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := models.FindWording(ctx, tx, in.Kind, in.Lang)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if old == nil {
			old = &models.Wording{}
		}
		w := &models.Wording{Kind: in.Kind, Lang: in.Lang, Subject: in.Subject, Intro: in.Intro,
			UpdatedBy: actor.Email, UpdatedAt: s.now()}
		if err := models.SaveWording(ctx, tx, w); err != nil {
			return fmt.Errorf("save wording: %w", err)
		}
		return s.auditStaff(ctx, tx, actor, "wording_update", map[string]any{
			"kind": in.Kind, "lang": in.Lang,
			"subject": in.Subject, "intro": in.Intro, "old_subject": old.Subject, "old_intro": old.Intro,
		})
	})
}

// ResetWording goes back to the built-in wording of kind in lang, with an
// audit event when there was an edited one.
func (s *Service) ResetWording(ctx context.Context, actor *models.StaffUser, kind, lang string) error {
	if actor == nil || actor.Role != models.RoleAdmin {
		return errAdminOnly
	}
	if _, err := checkWording(WordingInput{Kind: kind, Lang: lang}); err != nil {
		return err
	}
	return s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := models.FindWording(ctx, tx, kind, lang)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := models.DeleteWording(ctx, tx, kind, lang); err != nil {
			return fmt.Errorf("reset wording: %w", err)
		}
		return s.auditStaff(ctx, tx, actor, "wording_reset", map[string]any{
			"kind": kind, "lang": lang, "old_subject": old.Subject, "old_intro": old.Intro})
	})
}

// wordingValues are the placeholders' values for an email's data, dates
// written in its language.
func (s *Service) wordingValues(d *EmailData) map[string]string {
	v := map[string]string{"store": d.Store, "request_type": d.Type}
	if d.Request != nil {
		v["request_id"] = d.Request.ID
		if d.Request.DueAt != nil {
			v["due_date"] = s.Renderer.Tr(d.Lang).LongDate(*d.Request.DueAt)
		}
	}
	switch {
	case d.VerifyURL != "":
		v["link"] = d.VerifyURL
	case d.DownloadURL != "":
		v["link"] = d.DownloadURL
	default:
		v["link"] = d.StatusURL
	}
	return v
}

// applyWording puts an edited subject and opening paragraph, with their
// placeholders filled in as plain text, into d.
func (s *Service) applyWording(d *EmailData, w models.Wording) {
	vals := s.wordingValues(d)
	if w.Subject != "" {
		d.Subject = wording.Fill(w.Subject, vals)
	}
	if w.Intro != "" {
		d.Intro = wording.Fill(w.Intro, vals)
	}
}

// sentence is err's message as a sentence: capital first letter, full stop.
func sentence(err error) string {
	m := err.Error()
	if m == "" {
		return m
	}
	return strings.ToUpper(m[:1]) + m[1:] + "."
}

// applyEditedWording puts the admin's wording of kind in the email's
// language, if any, into d.
func (s *Service) applyEditedWording(ctx context.Context, kind string, d *EmailData) error {
	if _, err := WordingKindOf(kind); err != nil {
		return nil // staff emails and notices keep the built-in words
	}
	w, err := s.WordingFor(ctx, kind, d.Lang)
	if err != nil {
		return err
	}
	s.applyWording(d, w)
	return nil
}

// WordingPreview is how an email reads with a proposed wording.
type WordingPreview struct {
	Subject, Text, HTML string
}

// PreviewWording renders the email of in.Kind with in's texts for a sample
// request, without saving anything. Invalid input is EInvalid.
func (s *Service) PreviewWording(ctx context.Context, in WordingInput) (*WordingPreview, error) {
	in = in.tidy()
	k, err := checkWording(in)
	if err != nil {
		return nil, err
	}
	if !k.Email {
		return &WordingPreview{Text: wording.Fill(in.Intro, map[string]string{"store": s.Settings.Org.Name})}, nil
	}
	d := s.sampleEmail(in.Kind, in.Lang)
	s.applyWording(d, models.Wording{Subject: in.Subject, Intro: in.Intro})
	subject, text, html, err := s.Renderer.RenderIn(d.Lang, in.Kind, d)
	if err != nil {
		return nil, fmt.Errorf("preview %s: %w", in.Kind, err)
	}
	if d.Subject != "" {
		subject = d.Subject
	}
	return &WordingPreview{Subject: subject, Text: text, HTML: html}, nil
}

// sampleEmail is the data of an email of kind for a made-up request, with
// every part a template may show.
func (s *Service) sampleEmail(kind, lang string) *EmailData {
	now := s.now()
	due := now.AddDate(0, 0, ResponseDays)
	r := &models.Request{ID: "R7K2M9QX4T", Type: models.TypeAccess, Status: models.StatusVerified,
		Email: "customer@example.com", Name: "Alex Example", CreatedAt: now, VerifiedAt: &now, DueAt: &due}
	base := s.Settings.BaseURL
	d := &EmailData{
		Store: s.Settings.Org.Name, BaseURL: base, Request: r, Lang: lang,
		Type: s.Renderer.Tr(lang).Label(r.Type, Label(r.Type)), Status: s.Renderer.Tr(lang).Label(r.Status, Label(r.Status)),
		StatusURL: base + "/requests/R7K2M9QX4T/status?token=sample", ResendURL: base + "/requests/resend",
		NewURL: base + "/requests/new", LinkHours: int(VerifyLinkLife.Hours()), ResponseDs: ResponseDays,
		Details: map[string]any{"reason": "We could not confirm that the request comes from the account holder.", "days": 30},
	}
	switch kind {
	case EmailVerify:
		d.VerifyURL = base + "/verify?token=sample"
	case EmailCompleted:
		exp := now.Add(7 * 24 * time.Hour)
		d.DownloadURL, d.DownloadExpires, d.MaxDownloads = base+"/download?token=sample", &exp, 5
	case EmailAppealReceived, EmailAppealDecided:
		d.Appeal = &models.Appeal{RequestID: r.ID, Status: models.AppealOpen, Reason: "I sent the order number you asked for.",
			FiledAt: now, DueAt: now.AddDate(0, 0, 45)}
	}
	return d
}
