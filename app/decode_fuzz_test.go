package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
)

// Routes lists the server's routes, so tests outside the package can check
// a property of every one of them.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

// FuzzDecodeJSON proves decodeJSON never panics, refuses anything but one
// JSON object of known fields with a bad_request error that says what is
// wrong, and accepts exactly what encoding/json reads back the same way.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"type":"access","email":"ana@example.com","name":"Ana","scopes":[],"details":""}`,
		`{"type":"opt_out","scopes":["analytics",null]}`,
		`{"emial":"x"}`,
		`{"type":1}`,
		`{"scopes":"x"}`,
		`{"scopes":[1]}`,
		`{}{}`,
		`{}]`,
		`{} `,
		`[]`,
		`null`,
		`"x"`,
		strings.Repeat("[", 10001),
		`{"details":"` + strings.Repeat("x", maxBody) + `"}`,
		"\xff\xfe{",
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in apiRequestInput
		err := decodeJSON(http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(bytes.NewReader(body)), maxBody), &in)
		if err != nil {
			if code := models.ErrorCode(err); code != "bad_request" {
				t.Fatalf("body %q: error code %q, want bad_request (%v)", body, code, err)
			}
			if msg := models.ErrorMessage(err); msg == "" || strings.HasPrefix(msg, "json:") {
				t.Fatalf("body %q: message %q does not explain the problem", body, msg)
			}
			return
		}
		if len(body) > maxBody {
			t.Fatalf("a body of %d bytes was accepted; the limit is %d", len(body), maxBody)
		}
		// null decodes to the zero input, as encoding/json does; the
		// handler then answers 422 naming the missing fields.
		if trimmed := bytes.TrimSpace(body); !json.Valid(body) || trimmed[0] != '{' && string(trimmed) != "null" {
			t.Fatalf("body %q was accepted but is not one JSON object", body)
		}
		var again apiRequestInput
		if err := json.Unmarshal(body, &again); err != nil {
			t.Fatalf("body %q was accepted but encoding/json refuses it: %v", body, err)
		}
	})
}
