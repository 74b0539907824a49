package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/locale"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// apiRequestInput is the JSON body of POST /api/v1/requests.
type apiRequestInput struct {
	Type    string   `json:"type"`
	Email   string   `json:"email"`
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
	Details string   `json:"details"`
	Region  string   `json:"region"` // optional: us-ca, eu or other
	Lang    string   `json:"lang"`   // optional: en, es, de or fr (a BCP 47 tag); else from Accept-Language
	// Corrections: for type correction, the details that are wrong.
	Corrections []apiCorrection `json:"corrections"`
}

// apiCorrection is one detail a correction request says is wrong.
type apiCorrection struct {
	Field string `json:"field"` // name, email, phone, address or other
	Value string `json:"value"` // what it should be
}

// badRequest is the error of a body that is not the JSON we expect.
func badRequest(msg string) error { return models.Errorf(models.EBadRequest, "%s", msg) }

// decodeJSON reads exactly one JSON object with only known fields and
// explains what is wrong with anything else.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		// Anything but white space after the object, even a stray "]" that
		// dec.More would not report, is refused.
		if _, err := dec.Token(); err != io.EOF {
			return badRequest("The body must hold a single JSON object.")
		}
		return nil
	case errors.As(err, &tooBig):
		return badRequest(fmt.Sprintf("The body is too large (the limit is %d bytes).", tooBig.Limit))
	case errors.Is(err, io.EOF):
		return badRequest("The body is empty; send a JSON object.")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("The body is not valid JSON.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("The body must be a JSON object.")
		}
		return badRequest(fmt.Sprintf("Field %q must be %s.", typ.Field, jsonKind(typ.Field)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + ".")
	}
	return badRequest("The body could not be read as JSON.")
}

func jsonKind(field string) string {
	if field == "scopes" || strings.HasPrefix(field, "scopes") {
		return "an array of strings"
	}
	return "a string"
}

func (s *Server) handleAPICreate(c *gin.Context) {
	if ct := c.ContentType(); ct != "application/json" {
		s.fail(c, models.Errorf(models.EUnsupported, "Send the body as application/json."))
		return
	}
	var in apiRequestInput
	if err := decodeJSON(c.Request.Body, &in); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.intake.Submit(c.Request.Context(), workflows.NewRequest{
		Type: in.Type, Email: in.Email, Name: in.Name, Details: in.Details, Scopes: in.Scopes, Region: in.Region, GPC: gpc(c), Channel: "api",
		Corrections: apiCorrections(in.Corrections), Lang: apiLang(c, in.Lang),
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": r.ID, "status": r.Status})
}

// apiEvent is one entry of a request's history as the requester sees it.
type apiEvent struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	From   string    `json:"from,omitempty"`
	Status string    `json:"status"`
}

func (s *Server) handleAPIGet(c *gin.Context) {
	noStore(c)
	token := strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer ")
	if token == "" {
		token = c.Query("token")
	}
	if token == "" {
		s.fail(c, models.Errorf(models.EUnauthorized,
			"Send the status token from our email as \"Authorization: Bearer TOKEN\"."))
		return
	}
	v, err := s.requester.Status(c.Request.Context(), c.Param("id"), token)
	if err != nil {
		s.fail(c, err)
		return
	}
	r := v.Request
	hist := make([]apiEvent, 0, len(v.History))
	for _, e := range v.History {
		hist = append(hist, apiEvent{At: e.CreatedAt, Action: e.Action, From: e.FromStatus, Status: e.ToStatus})
	}
	c.JSON(http.StatusOK, gin.H{
		"id": r.ID, "type": r.Type, "status": r.Status, "scopes": r.ScopeList(),
		"created_at": r.CreatedAt, "verified_at": r.VerifiedAt, "due_at": r.DueAt, "closed_at": r.ClosedAt,
		"history": hist,
	})
}

func apiCorrections(in []apiCorrection) []workflows.CorrectionInput {
	out := make([]workflows.CorrectionInput, 0, len(in))
	for _, c := range in {
		out = append(out, workflows.CorrectionInput{Field: c.Field, Value: c.Value})
	}
	return out
}

// apiLang is the language an API request is filed in: the "lang" field
// when given (intake refuses one it does not serve), else Accept-Language.
func apiLang(c *gin.Context, lang string) string {
	if lang != "" {
		return lang
	}
	return locale.Match(c.GetHeader("Accept-Language"))
}
