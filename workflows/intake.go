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

	"github.com/kactoily/privacydesk/locale"
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
	Lang    string // the language it is filed in, one of locale.Supported (empty: locale.Default)
	FiledBy *int64 // the staff member filing for the requester; set only by FileOnBehalf
	// Corrections are the fields a correction request says are wrong.
	Corrections []CorrectionInput
}

// ValidEmail reports whether s is a plain ASCII address like
// name@example.com. Internationalized addresses are refused: go-mail
// writes them as RFC 2047 encoded words in To:, which no server delivers,
// and it cannot ask a server for SMTPUTF8.
func ValidEmail(s string) bool {
	if s == "" || len(s) > MaxEmailLen || !isASCII(s) || strings.ContainsAny(s, " <>\"(),;:\\[]") {
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

// Messages for a bad email address, shared by intake and resend.
const (
	msgEmailInvalid  = "Enter a valid email address, like name@example.com."
	msgEmailNotASCII = "We can only send email to addresses written with the letters a–z, digits and . _ - + (not é, ü, ß or other scripts). Please use another address."
)

// EmailProblem says what is wrong with a normalized address, or "" when it is usable.
func EmailProblem(s string) string {
	switch {
	case s == "":
		return "Enter your email address."
	case !isASCII(s) && ValidEmail(asciiStandIn(s)):
		return msgEmailNotASCII
	case !ValidEmail(s):
		return msgEmailInvalid
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiStandIn replaces each non-ASCII letter or digit with "x", to tell an
// internationalized address from a malformed one.
func asciiStandIn(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)) {
			return 'x'
		}
		return r
	}, s)
}

// nameProblem says what is wrong with a trimmed name, or "" when it is
// acceptable. Beyond length and control characters, it refuses invisible
// format characters (bidi overrides, zero-width characters), which can
// reorder or hide text on a page, and text that looks like a link or an
// address, which has no place in a name and would make a phishing line.
func nameProblem(s string) string {
	switch {
	case s == "":
		return "Enter your name."
	case utf8.RuneCountInString(s) > MaxNameLen:
		return "Your name must be 200 characters or fewer."
	case !cleanText(s, false) || strings.ContainsFunc(s, func(r rune) bool { return unicode.In(r, unicode.Zl, unicode.Zp) }):
		return "Your name contains characters we cannot accept."
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cf, r) }):
		return "Your name contains invisible formatting characters (such as direction marks or zero-width spaces). Please type it again."
	case looksLikeLink(s):
		return "Enter just your name, without a web or email address."
	}
	return ""
}

// linkTLDs are top-level domains common in links; a name containing
// "word.<one of these>" is taken for a web address. Other dotted names
// (J.R.Smith) pass.
var linkTLDs = map[string]bool{
	"com": true, "net": true, "org": true, "info": true, "biz": true, "io": true, "co": true, "me": true,
	"app": true, "dev": true, "xyz": true, "top": true, "site": true, "online": true, "shop": true,
	"store": true, "link": true, "click": true, "live": true, "tech": true, "cloud": true, "support": true,
	"help": true, "page": true, "email": true, "ru": true, "cn": true, "uk": true, "de": true, "fr": true,
	"nl": true, "eu": true, "us": true, "ca": true, "au": true, "in": true, "ly": true, "gl": true,
	"to": true, "tk": true, "ml": true, "ws": true, "cc": true, "tv": true, "sh": true, "gg": true,
}

// looksLikeLink reports whether s holds a URL, an email address or a domain name.
func looksLikeLink(s string) bool {
	l := strings.ToLower(strings.NewReplacer("。", ".", "．", ".", "｡", ".", "＠", "@", "／", "/").Replace(s))
	if strings.Contains(l, "://") || strings.Contains(l, "www.") || strings.Contains(l, "@") || strings.Contains(l, "xn--") {
		return true
	}
	for _, w := range strings.FieldsFunc(l, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '.' || r == '-' || r == '/')
	}) {
		w = strings.Trim(w, ".-")
		host, path, hasPath := strings.Cut(w, "/")
		labels := strings.Split(host, ".")
		if len(labels) < 2 || slices.Contains(labels, "") {
			continue
		}
		if linkTLDs[labels[len(labels)-1]] || (hasPath && path != "" && len(labels[len(labels)-1]) >= 2) {
			return true
		}
	}
	return false
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
	in.Email = models.NormalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	in.Details = strings.TrimSpace(in.Details)
	fields := map[string]string{}
	agentOptIn := in.Type == models.TypeOptIn && in.Channel == models.ChannelAgent // only agents file one
	if !slices.Contains(models.RequestTypes, in.Type) && !agentOptIn {
		fields["type"] = "Choose what you would like us to do: access, deletion, opt-out or correction."
	}
	if msg := EmailProblem(in.Email); msg != "" {
		fields["email"] = msg
	}
	if msg := nameProblem(in.Name); msg != "" {
		fields["name"] = msg
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
	switch {
	case agentOptIn:
		if len(scopes) == 0 && fields["scopes"] == "" {
			fields["scopes"] = "Choose at least one thing to opt back in to."
		}
	case in.Type == models.TypeOptOut:
		if in.GPC && !slices.Contains(scopes, models.ScopeSaleSharing) {
			scopes = append(scopes, models.ScopeSaleSharing)
		}
		if len(scopes) == 0 && fields["scopes"] == "" {
			fields["scopes"] = "Choose at least one thing to opt out of."
		}
	case len(scopes) > 0 && fields["type"] == "":
		fields["scopes"] = "Opt-out choices only apply to an opt-out request."
	}
	// Keep the display order stable whatever order they were sent in.
	slices.SortFunc(scopes, func(a, b string) int {
		return slices.Index(models.OptOutScopes, a) - slices.Index(models.OptOutScopes, b)
	})
	in.Scopes = scopes
	in.Corrections = validateCorrections(in.Type, in.Corrections, fields)
	if in.Region = strings.TrimSpace(in.Region); in.Region == "" {
		in.Region = DefaultRegion
	} else if !slices.Contains(models.Regions, in.Region) {
		fields["region"] = "Choose where you live: California, the EU/EEA/UK, or somewhere else."
	}
	if in.Channel == "" {
		in.Channel = "web"
	}
	if in.Lang == "" {
		in.Lang = locale.Default
	} else if lang, err := locale.Parse(in.Lang); err != nil {
		fields["lang"] = "Choose a language we write in: " + strings.Join(locale.Supported, ", ") + "."
	} else {
		in.Lang = lang
	}
	if len(fields) > 0 {
		return &models.Error{Code: models.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	return nil
}

var errTooManyFilings = &models.Error{Code: models.ERateLimited, RetryAfter: time.Hour,
	Message: "We have already received several requests like this for this address in the last hour. Check your inbox for our email, or ask us to resend it."}

// maxMergeMails caps the verification emails of one waiting request in an
// hour beyond which merged filings mail nothing, so repeating a filing cannot flood a mailbox
// (the links already sent keep working).
const maxMergeMails = 3

// mergeFiling folds a repeated filing into the waiting request r: a new
// day to confirm, an audit event, and a fresh link whose email says the
// earlier request was kept, unless r had maxMergeMails such emails in the
// last hour.
func (s *Service) mergeFiling(ctx context.Context, tx *gorm.DB, r *models.Request) error {
	var n int64
	if err := tx.WithContext(ctx).Model(&models.Email{}).
		Where("request_id = ? AND kind = ? AND created_at >= ?", r.ID, EmailVerify, s.now().Add(-time.Hour)).
		Count(&n).Error; err != nil {
		return err
	}
	if n >= maxMergeMails {
		return nil
	}
	return s.remail(ctx, tx, r, "merged", map[string]any{"merged": true})
}

// Submit files a request. Access and deletion wait for the requester to
// confirm their email (one filed again while the first waits is merged
// into it, and that request is returned); an opt-out takes effect at once
// and is completed. The answer is the same whether or not the email
// belongs to a customer, and comes once the request is committed:
// concurrent filings share one transaction (intake_batch.go). Errors:
// EInvalid with fields, ERateLimited when this address has filed too many
// requests of this type in the last hour.
func (s *Service) Submit(ctx context.Context, in NewRequest) (*models.Request, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r, err := s.intake.file(ctx, &filing{in: in, id: newRequestID()})
	if err != nil {
		return nil, err
	}
	s.Log.Info("request filed", "id", r.ID, "type", r.Type, "status", r.Status, "channel", r.Channel)
	return r, nil
}

// fileIn writes one validated filing inside tx and returns its request
// (the waiting one it was merged into, if any).
func (s *Service) fileIn(ctx context.Context, tx *gorm.DB, f *filing) (*models.Request, error) {
	in, now := f.in, s.now()
	r := &models.Request{
		ID: f.id, Type: in.Type, Email: in.Email, Name: in.Name, Details: in.Details,
		Scopes: strings.Join(in.Scopes, " "), GPC: in.GPC, Channel: in.Channel, FiledBy: in.FiledBy, Region: in.Region,
		Lang: in.Lang,
	}
	// Counted inside the write transaction so concurrent filings cannot all slip under the limit.
	n, err := s.recentFilings(ctx, tx, in.Email, in.Type, now.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	if in.Type == models.TypeOptOut {
		if n >= maxPerEmailPerHour {
			return nil, errTooManyFilings
		}
		if err := s.submitOptOut(ctx, tx, r); err != nil {
			return nil, err
		}
		return r, nil
	}
	// The same request again while one waits for confirmation is merged
	// into it, and not counted: a stranger's filings in someone's name
	// then never lock the owner out, since the owner's own filing mails
	// them a fresh link for the waiting request.
	var waiting []models.Request
	// A correction names its own fields, so it is never folded into another.
	if in.FiledBy == nil && in.Type != models.TypeCorrection { // staff filing for someone keep their own record
		if waiting, err = s.waitingFiling(ctx, tx, in.Email, in.Type, now); err != nil {
			return nil, err
		}
	}
	if len(waiting) > 0 {
		*r = waiting[0]
		err = s.mergeFiling(ctx, tx, r)
	} else if n >= maxPerEmailPerHour {
		return nil, errTooManyFilings
	} else {
		exp := now.Add(VerifyLinkLife)
		r.ExpiresAt = &exp
		err = s.transition(ctx, tx, r, Change{To: models.StatusPendingVerification, Actor: "customer",
			Action: "submit", Details: map[string]any{"channel": r.Channel, "gpc": r.GPC}})
		if err == nil {
			err = addCorrections(ctx, tx, r, in.Corrections)
		}
	}
	if err == nil && in.GPC {
		err = s.honourGPC(ctx, tx, r)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}
