package app

import (
	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
)

// statusGPC honours a Global Privacy Control signal sent with a request's
// status page: the requester, known by the status token, is opted out of
// sale/sharing once. It returns the line the page shows about it ("" with
// no signal). A bad token is left for the status lookup to answer.
func (s *Server) statusGPC(c *gin.Context, id, token string) string {
	if !gpc(c) {
		return ""
	}
	recorded, err := s.requester.HonourStatusGPC(c.Request.Context(), id, token)
	switch {
	case err != nil:
		if code := models.ErrorCode(err); code != models.ENotFound && code != models.EGone {
			s.log.Error("honour gpc on status page", "err", err)
		}
		return ""
	case recorded:
		return s.t(c, "gpc.honoured")
	}
	return s.t(c, "gpc.already")
}
