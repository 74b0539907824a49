package workflows

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
)

// Limits on what a requester may type.
const (
	MaxNameLen    = 200
	MaxDetailsLen = 4000
	MaxEmailLen   = 254
)

// NewRequest is what a requester files, from the form or the JSON API.
// It is separate from models.Request so input can never set a status.
type NewRequest struct {
	Type    string
	Email   string
	Name    string
	Details string
	Scopes  []string
	Region  string // us-ca, eu or other (empty: DefaultRegion); picks the deadlines' law
	GPC     bool   // the browser sent Sec-GPC: 1
	Channel string // web, api or staff
	FiledBy *int64 // the staff member filing for the requester; set only by FileOnBehalf
}

// NormalizeEmail trims and lower-cases an address, the one form stored and compared.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether s is a plain address like name@example.com.
func ValidEmail(s string) bool {
	if s == "" || len(s) > MaxEmailLen || strings.ContainsAny(s, " <>\"(),;:\\[]") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// cleanText reports whether s is valid UTF-8 without control characters
// other than newlines and tabs (when multiline).
func cleanText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return false
		}
	}
	return true
}

// Validate normalizes in and returns an EInvalid error with a message per bad field.
func (in *NewRequest) Validate() error {
	in.Email = NormalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	in.Details = strings.TrimSpace(in.Details)
	fields := map[string]string{}
	if !slices.Contains(models.RequestTypes, in.Type) {
		fields["type"] = "Choose what you would like us to do: access, deletion or opt-out."
	}
	switch {
	case in.Email == "":
		fields["email"] = "Enter your email address."
	case !ValidEmail(in.Email):
		fields["email"] = "Enter a valid email address, like name@example.com."
	}
	switch {
	case in.Name == "":
		fields["name"] = "Enter your name."
	case utf8.RuneCountInString(in.Name) > MaxNameLen:
		fields["name"] = "Your name must be 200 characters or fewer."
	case !cleanText(in.Name, false):
		fields["name"] = "Your name contains characters we cannot accept."
	}
	switch {
	case utf8.RuneCountInString(in.Details) > MaxDetailsLen:
		fields["details"] = "Details must be 4,000 characters or fewer."
	case !cleanText(in.Details, true):
		fields["details"] = "Details contain characters we cannot accept."
	}
	var scopes []string
	for _, sc := range in.Scopes {
		sc = strings.TrimSpace(sc)
		switch {
		case !slices.Contains(models.OptOutScopes, sc):
			fields["scopes"] = "Choose from marketing email, sale/sharing and personalized advertising, and analytics."
		case !slices.Contains(scopes, sc):
			scopes = append(scopes, sc)
		}
	}
	if in.Type == models.TypeOptOut {
		if in.GPC && !slices.Contains(scopes, models.ScopeSaleSharing) {
			scopes = append(scopes, models.ScopeSaleSharing)
		}
		if len(scopes) == 0 && fields["scopes"] == "" {
			fields["scopes"] = "Choose at least one thing to opt out of."
		}
	} else if len(scopes) > 0 && fields["type"] == "" {
		fields["scopes"] = "Opt-out choices only apply to an opt-out request."
	}
	// Keep the display order stable whatever order they were sent in.
	slices.SortFunc(scopes, func(a, b string) int {
		return slices.Index(models.OptOutScopes, a) - slices.Index(models.OptOutScopes, b)
	})
	in.Scopes = scopes
	if in.Region = strings.TrimSpace(in.Region); in.Region == "" {
		in.Region = DefaultRegion
	} else if !slices.Contains(models.Regions, in.Region) {
		fields["region"] = "Choose where you live: California, the EU/EEA/UK, or somewhere else."
	}
	if in.Channel == "" {
		in.Channel = "web"
	}
	if len(fields) > 0 {
		return &models.Error{Code: models.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	return nil
}

// Submit files a request. Access and deletion wait for the requester to
// confirm their email; an opt-out takes effect at once and is completed.
// The answer is the same whether or not the email belongs to a customer.
// Errors: EInvalid with fields, ERateLimited when this address has filed
// too many requests of this type in the last hour.
func (s *Service) Submit(ctx context.Context, in NewRequest) (*models.Request, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if s.filing != nil {
		select {
		case s.filing <- struct{}{}:
			defer func() { <-s.filing }()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	now := s.now()
	r := &models.Request{
		ID: newRequestID(), Type: in.Type, Email: in.Email, Name: in.Name, Details: in.Details,
		Scopes: strings.Join(in.Scopes, " "), GPC: in.GPC, Channel: in.Channel, FiledBy: in.FiledBy, Region: in.Region,
	}
	err := s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Counted inside the write transaction so concurrent filings cannot all slip under the limit.
		n, err := models.CountRecentRequests(ctx, tx, in.Email, in.Type, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if n >= maxPerEmailPerHour {
			return &models.Error{Code: models.ERateLimited, RetryAfter: time.Hour,
				Message: "We have already received several requests like this for this address in the last hour. Check your inbox for our email, or ask us to resend it."}
		}
		if in.Type == models.TypeOptOut {
			return s.submitOptOut(ctx, tx, r)
		}
		exp := now.Add(VerifyLinkLife)
		r.ExpiresAt = &exp
		err = s.transition(ctx, tx, r, Change{To: models.StatusPendingVerification, Actor: "customer",
			Action: "submit", Details: map[string]any{"channel": r.Channel, "gpc": r.GPC}})
		if err != nil || !in.GPC {
			return err
		}
		// The browser's Global Privacy Control signal is itself an opt-out of sale/sharing.
		_, err = s.applyOptOut(ctx, tx, r, []string{models.ScopeSaleSharing})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("request filed", "id", r.ID, "type", r.Type, "status", r.Status, "channel", r.Channel)
	return r, nil
}
