// Package ceiling is the yardstick of the intake benchmarks: the least a
// Gin server can do for a filing on Privacy Desk's database, so a ratio to
// it shows what the application itself costs.
package ceiling

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/models"
)

// Path is where IntakeHandler takes filings, the same as the application's.
const Path = "/api/v1/requests"

// IntakeHandler is a bare Gin engine with one route, POST Path: it decodes
// the JSON body, inserts one requests row with GORM into db, and answers 202
// with the id; a body that does not decode is a 400, a failed insert a 500.
// No validation, rate limit, audit event, job or counter: none of what a
// real filing needs.
func IntakeHandler(db *models.DB) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST(Path, func(c *gin.Context) {
		var in struct{ Type, Email, Name, Details string }
		if err := c.ShouldBindJSON(&in); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		now := time.Now().UTC()
		r := models.Request{ID: "PD-" + hex.EncodeToString(b), Type: in.Type, Status: models.StatusPendingVerification,
			Email: in.Email, Name: in.Name, Details: in.Details, Channel: "api", CreatedAt: now, UpdatedAt: now,
			ExpiresAt: &now, Queue: models.QueuePending, QueueAt: &now}
		if err := db.WithContext(c.Request.Context()).Create(&r).Error; err != nil {
			c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusAccepted, gin.H{"id": r.ID, "status": r.Status})
	})
	return e
}
