package app

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// DRPService is what the Data Rights Protocol endpoints need from workflows.
type DRPService interface {
	PairAgent(ctx context.Context, agentID string, body []byte) (string, error)
	CheckAgentToken(ctx context.Context, agentID, token string) error
	ExerciseDRP(ctx context.Context, token string, body []byte) (*workflows.DRPStatus, error)
	DRPRequestStatus(ctx context.Context, token, id string) (*workflows.DRPStatus, error)
	RevokeDRP(ctx context.Context, token, id string, body []byte) (*workflows.DRPStatus, error)
	AgentDirectory
}

var _ DRPService = (*workflows.Service)(nil)

// drpRoutes adds the Data Rights Protocol 1.0 business endpoints.
func (s *Server) drpRoutes(e *gin.Engine) {
	if s.drp == nil {
		return
	}
	v1 := e.Group("/v1", s.limitDRP())
	v1.POST("/agent/:agent", s.handleDRPSetup)
	v1.GET("/agent/:agent", s.handleDRPAgent)
	v1.POST("/data-rights-request", s.handleDRPExercise)
	v1.POST("/data-rights-request/", s.handleDRPExercise) // the pre-0.9.3 spelling
	v1.GET("/data-rights-request/:id", s.handleDRPStatus)
	v1.DELETE("/data-rights-request/:id", s.handleDRPRevoke)
}

// handleDRPSetup is pair-wise key setup: any failure is 403 without a body (2.05.1).
func (s *Server) handleDRPSetup(c *gin.Context) {
	body, ok := s.drpBody(c)
	if !ok {
		return
	}
	token, err := s.drp.PairAgent(c.Request.Context(), c.Param("agent"), body)
	if err != nil {
		if st := drpHTTPStatus(err); st != http.StatusForbidden {
			s.drpError(c, err)
			return
		}
		c.Status(http.StatusForbidden)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"agent-id": c.Param("agent"), "token": token})
}

func (s *Server) handleDRPAgent(c *gin.Context) {
	if err := s.drp.CheckAgentToken(c.Request.Context(), c.Param("agent"), bearer(c)); err != nil {
		s.drpError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

func (s *Server) handleDRPExercise(c *gin.Context) {
	body, ok := s.drpBody(c)
	if !ok {
		return
	}
	st, err := s.drp.ExerciseDRP(c.Request.Context(), bearer(c), body)
	s.drpAnswer(c, st, err)
}

func (s *Server) handleDRPStatus(c *gin.Context) {
	st, err := s.drp.DRPRequestStatus(c.Request.Context(), bearer(c), c.Param("id"))
	s.drpAnswer(c, st, err)
}

func (s *Server) handleDRPRevoke(c *gin.Context) {
	body, ok := s.drpBody(c)
	if !ok {
		return
	}
	st, err := s.drp.RevokeDRP(c.Request.Context(), bearer(c), c.Param("id"), body)
	s.drpAnswer(c, st, err)
}

func (s *Server) drpAnswer(c *gin.Context, st *workflows.DRPStatus, err error) {
	if err != nil {
		s.drpError(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, st)
}

// drpBody reads the whole (base64 text) body.
func (s *Server) drpBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.drpError(c, models.Errorf(models.EInvalid, "The body could not be read (at most 64 KiB)."))
		return nil, false
	}
	return body, true
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// drpError answers the spec's error state (3.06): code as a string,
// message, and fatal when the same message can never succeed.
func (s *Server) drpError(c *gin.Context, err error) {
	st := drpHTTPStatus(err)
	if st >= 500 {
		s.log.Error("drp request failed", "route", c.FullPath(), "err", err)
	}
	setRetryAfter(c, err)
	out := gin.H{"code": strconv.Itoa(st), "message": models.ErrorMessage(err)}
	if workflows.IsFatal(err) {
		out["fatal"] = true
	}
	if f := models.ErrorFields(err); len(f) > 0 {
		out["fields"] = f
	}
	noStore(c)
	c.JSON(st, out)
}

// drpHTTPStatus is statusFor, except that bad input is 400 as DRP agents expect.
func drpHTTPStatus(err error) int {
	if models.ErrorCode(err) == models.EInvalid {
		return http.StatusBadRequest
	}
	return statusFor(err)
}
