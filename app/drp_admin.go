package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kactoily/privacydesk/links"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/workflows"
)

// AgentDirectory is what the agents admin page needs from workflows.
type AgentDirectory interface {
	Agents(ctx context.Context) ([]models.Agent, error)
	AddAgent(ctx context.Context, actor string, in workflows.NewAgent) (*models.Agent, error)
}

// agentForm is the admin page's form for a trusted agent.
type agentForm struct {
	ID               string `form:"id"`
	Name             string `form:"name"`
	VerifyKey        string `form:"verify_key"`
	CallbackHosts    string `form:"callback_hosts"`
	TechnicalContact string `form:"technical_contact"`
	BusinessContact  string `form:"business_contact"`
}

// drpAdminRoutes adds the agents admin page to the admin group.
func (s *Server) drpAdminRoutes(admin *gin.RouterGroup) {
	if s.drp == nil {
		return
	}
	admin.GET(links.StaffAgents, s.handleAgentsAdmin)
	admin.POST(links.StaffAgents, s.handleAgentAdd)
}

func (s *Server) renderAgentsAdmin(c *gin.Context, status int, f agentForm, err error) {
	list, lerr := s.drp.Agents(c.Request.Context())
	if lerr != nil {
		s.fail(c, lerr)
		return
	}
	v := view{Title: "Authorized agents", Form: f, Data: gin.H{"Agents": list}}
	if err != nil {
		v.Error, v.Fields = models.ErrorMessage(err), models.ErrorFields(err)
	}
	s.renderStaff(c, status, "staff_agents", v)
}

func (s *Server) handleAgentsAdmin(c *gin.Context) {
	s.renderAgentsAdmin(c, http.StatusOK, agentForm{}, nil)
}

func (s *Server) handleAgentAdd(c *gin.Context) {
	var f agentForm
	_ = c.ShouldBind(&f)
	a, err := s.drp.AddAgent(c.Request.Context(), staff(c).Email, workflows.NewAgent{ID: f.ID, Name: f.Name, VerifyKey: f.VerifyKey,
		CallbackHosts: []string{f.CallbackHosts}, TechnicalContact: f.TechnicalContact, BusinessContact: f.BusinessContact})
	if err != nil {
		if models.ErrorCode(err) == models.EInternal {
			s.fail(c, err)
			return
		}
		s.renderAgentsAdmin(c, statusFor(err), f, err)
		return
	}
	s.flash(c, fmt.Sprintf("Agent %s saved.", a.ID))
	c.Redirect(http.StatusSeeOther, links.StaffAgents)
}
