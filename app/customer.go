package app

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
)

// receipt is what the "received" page shows of the request just filed: its
// id, the address the email went to and, for an opt-out, what was recorded.
// It travels in a short-lived cookie of the filer's own browser, so neither
// the address nor the id appears in a URL, and the page never looks a
// request up by what a browser sends.
type receipt struct {
	ID     string   `json:"id"`
	Type   string   `json:"type"`
	Email  string   `json:"email"`
	Scopes []string `json:"scopes,omitempty"`
	GPC    bool     `json:"gpc,omitempty"`
}

const receiptCookie = "pd_received"

var requestIDShape = regexp.MustCompile(`^PD-[0-9A-Z]{5}-[0-9A-Z]{5}$`)

func (s *Server) setReceipt(c *gin.Context, r receipt) {
	b, _ := json.Marshal(r)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: receiptCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: links.Received,
		MaxAge: 600, HttpOnly: true, Secure: s.https, SameSite: http.SameSiteStrictMode,
	})
}

// readReceipt returns the cookie's receipt if it is well formed; whatever
// it holds is the browser's own and is shown escaped.
func readReceipt(c *gin.Context) (receipt, bool) {
	var r receipt
	v, err := c.Cookie(receiptCookie)
	if err != nil || len(v) > 2048 {
		return r, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || json.Unmarshal(b, &r) != nil {
		return receipt{}, false
	}
	if !requestIDShape.MatchString(r.ID) || !slices.Contains(models.RequestTypes, r.Type) || len(r.Email) > 320 {
		return receipt{}, false
	}
	for _, sc := range r.Scopes {
		if !slices.Contains(models.OptOutScopes, sc) {
			return receipt{}, false
		}
	}
	return r, true
}

// sendWholeFile answers 200 with the whole file, whatever Range the client
// asked for, and reports an error unless every byte was handed over.
func sendWholeFile(c *gin.Context, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	h.Set("Content-Length", strconv.FormatInt(info.Size(), 10))
	h.Set("Accept-Ranges", "none")
	c.Status(http.StatusOK)
	n, err := io.Copy(c.Writer, f)
	if err != nil {
		return err
	}
	if n != info.Size() {
		return fmt.Errorf("sent %d of %d bytes", n, info.Size())
	}
	return http.NewResponseController(c.Writer).Flush()
}

type lookupForm struct {
	Email string `form:"email"`
}

func (s *Server) handleLookupForm(c *gin.Context) {
	s.render(c, http.StatusOK, "lookup", view{Title: s.t(c, "lookup.title"), Form: lookupForm{}})
}

// handleLookupSubmit answers alike for every valid address: the lookup and
// any email happen in a job.
func (s *Server) handleLookupSubmit(c *gin.Context) {
	var f lookupForm
	_ = c.ShouldBind(&f)
	err := s.allowResendFor(f.Email)
	if err == nil {
		err = s.intake.LookupRequests(c.Request.Context(), f.Email, s.visitorLang(c))
	}
	if s.refused(c, err, view{Title: s.t(c, "lookup.title"), Form: f}, s.page(c, "lookup"), models.EInvalid, models.ERateLimited) {
		return
	}
	s.render(c, http.StatusOK, "lookup", view{Title: s.t(c, "lookup.title"), Form: lookupForm{},
		Flash: s.t(c, "lookup.sent")})
}
