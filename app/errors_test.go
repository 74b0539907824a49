package app

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
)

// documentedStatus is the status README ("How it fits together") promises
// for each error code, written out apart from errorStatus so a change to
// the table shows up as a failing test.
var documentedStatus = map[string]int{
	models.EInvalid:      422,
	models.EBadRequest:   400,
	models.EUnsupported:  415,
	models.ENotFound:     404,
	models.EMethod:       405,
	models.EConflict:     409,
	models.EUnauthorized: 401,
	models.EForbidden:    403,
	models.ERateLimited:  429,
	models.EGone:         410,
	models.EUnavailable:  503,
	models.EInternal:     500,
}

// failOn answers err through fail on a request to path and returns the recorder.
func failOn(t *testing.T, s *Server, path string, err error) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodGet, path, nil)
	s.fail(c, err)
	return w
}

// TestEveryErrorCodeAnswersItsDocumentedStatusOnPagesAndInJSON proves each
// code of models.ErrorCodes has one status, the same on a page and in the
// JSON API, that the JSON body carries the code and message (and fields),
// and that an internal error's text is never shown.
func TestEveryErrorCodeAnswersItsDocumentedStatusOnPagesAndInJSON(t *testing.T) {
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	codes := models.ErrorCodes()
	if len(codes) != len(documentedStatus) {
		t.Errorf("models has %d error codes, %d are documented here", len(codes), len(documentedStatus))
	}
	for _, code := range codes {
		want, ok := documentedStatus[code]
		if !ok {
			t.Errorf("code %q has no documented status", code)
			continue
		}
		if got := errorStatus[code]; got != want {
			t.Errorf("errorStatus[%q] = %d, documented %d", code, got, want)
		}
		e := &models.Error{Code: code, Message: "Message for " + code + ".", Fields: map[string]string{"email": "Bad."}}
		shown := e.Message
		if code == models.EInternal {
			shown = models.ErrorMessage(nil) // never an internal error's own text
		}
		t.Run(code, func(t *testing.T) {
			page := failOn(t, s, "/requests/new", e)
			if page.Code != want || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") {
				t.Errorf("page: %d %s, want %d text/html", page.Code, page.Header().Get("Content-Type"), want)
			}
			if !strings.Contains(page.Body.String(), shown) {
				t.Errorf("page does not show the message %q", shown)
			}
			api := failOn(t, s, "/api/v1/requests", e)
			var body struct {
				Error struct {
					Code, Message string
					Fields        map[string]string
				}
			}
			if err := json.Unmarshal(api.Body.Bytes(), &body); err != nil {
				t.Fatalf("JSON: %v\n%s", err, api.Body)
			}
			if api.Code != want || body.Error.Code != code || body.Error.Message != shown || body.Error.Fields["email"] != "Bad." {
				t.Errorf("JSON: %d %+v, want %d with code %q, the message and the fields", api.Code, body.Error, want, code)
			}
		})
	}
	secret := errors.New("dial tcp 10.0.0.7:5432: password authentication failed")
	for _, path := range []string{"/requests/new", "/api/v1/requests"} {
		w := failOn(t, s, path, secret)
		if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "10.0.0.7") ||
			!strings.Contains(w.Body.String(), "Something went wrong on our side") {
			t.Errorf("%s: an internal error answered %d and showed %q", path, w.Code, w.Body)
		}
		if strings.HasPrefix(path, "/api/") && !strings.Contains(w.Body.String(), `"code":"internal"`) {
			t.Errorf("%s: an internal error's JSON code is not internal: %s", path, w.Body)
		}
	}
}
