package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// QueuePage is one page of the staff queue with what the page shows around it.
type QueuePage struct {
	models.QueueWindow
	Total       int64 // requests the filter selects, at most models.QueueTotalCap+1
	TotalCapped bool  // there are more than models.QueueTotalCap
	Counts      map[string]int64
	OpenAppeals int64           // appeals awaiting a decision, in the whole queue
	Appealed    map[string]bool // the page's requests with an open appeal
}

// Queue returns one page of the staff queue, its total and the counts per status.
func (s *Service) Queue(ctx context.Context, f models.QueueFilter) (*QueuePage, error) {
	f = s.queueFilter(f)
	w, err := models.QueueSlice(ctx, s.DB.DB, f)
	if err != nil {
		return nil, err
	}
	p := &QueuePage{QueueWindow: w}
	if p.Counts, err = models.StatusCounts(ctx, s.DB.DB); err != nil {
		return nil, err
	}
	// The whole open queue, or one status, is counted already; anything
	// narrower is counted, up to a cap so a total stays cheap.
	plain := f.Type == "" && f.Assignee == "" && f.Due == "" && f.Search == "" && !f.Appeal
	switch {
	case plain && f.Status != "":
		p.Total = p.Counts[f.Status]
	case plain && !f.Hidden:
		for _, st := range []string{models.StatusVerified, models.StatusInProgress, models.StatusAwaitingApproval, models.StatusFulfilling} {
			p.Total += p.Counts[st]
		}
	default:
		if p.Total, err = models.CountQueue(ctx, s.DB.DB, f); err != nil {
			return nil, err
		}
	}
	p.TotalCapped = p.Total > models.QueueTotalCap
	if p.OpenAppeals, err = models.CountOpenAppeals(ctx, s.DB.DB); err != nil {
		return nil, err
	}
	ids := make([]string, len(p.Rows))
	for i, r := range p.Rows {
		ids[i] = r.ID
	}
	if p.Appealed, err = models.OpenAppealIDs(ctx, s.DB.DB, ids); err != nil {
		return nil, err
	}
	return p, nil
}

// queueFilter completes a filter from a form: the clock, and the search
// term in the forms it is stored in.
func (s *Service) queueFilter(f models.QueueFilter) models.QueueFilter {
	f.Now = s.now()
	// Emails are stored lower-case and ids upper-case: search either way.
	f.Search = models.NormalizeEmail(f.Search)
	if strings.HasPrefix(f.Search, "pd-") {
		f.Search = strings.ToUpper(f.Search)
	}
	return f
}

// Detail is everything a staff member sees on a request's page.
type Detail struct {
	Request  *models.Request
	History  []models.AuditEvent
	Notes    []models.Note
	Emails   []models.Email
	Assignee *models.StaffUser
	Staff    []models.StaffUser

	Collections []CollectionView
	Notices     []models.ThirdPartyNotice
	Export      *models.Export

	// FoundNothing: every source was searched and none holds a record.
	FoundNothing bool
	// Others are the requester's other open requests of the same type.
	Others []models.Request
	// Appeal is the requester's appeal of a denial, if any.
	Appeal *models.Appeal
	// Erasures is what erasure did per source so far (deletions).
	Erasures []ErasureState
	// Agent is the authorized agent that filed it (channel agent), if any.
	Agent *models.Agent
}

// Admins returns the active privacy admins, for handing a request over.
func (d *Detail) Admins() []models.StaffUser {
	var out []models.StaffUser
	for _, u := range d.Staff {
		if u.Active() && u.IsAdmin() {
			out = append(out, u)
		}
	}
	return out
}

// StaffName returns the name of the staff member an audit event's actor
// (their email) names, or the actor as it is for the requester and the
// system.
func (d *Detail) StaffName(actor string) string {
	for _, u := range d.Staff {
		if u.Email == actor {
			return u.Name
		}
	}
	switch actor {
	case "customer":
		return "the requester"
	case "system":
		return "Privacy Desk"
	}
	return actor
}

// CollectionView is one source's collection as the staff preview shows it.
type CollectionView struct {
	models.Collection
	Counts  store.Counts
	Samples []store.Record
}

// RequestDetail returns a request with its timeline, notes and emails.
// Errors: ENotFound.
func (s *Service) RequestDetail(ctx context.Context, id string) (*Detail, error) {
	db := s.DB.DB
	r, err := models.FindRequest(ctx, db, id)
	if err != nil {
		return nil, err
	}
	d := &Detail{Request: r}
	if d.History, err = models.AuditEventsFor(ctx, db, id); err != nil {
		return nil, err
	}
	if d.Notes, err = models.NotesFor(ctx, db, id); err != nil {
		return nil, err
	}
	if d.Emails, err = models.EmailsFor(ctx, db, id); err != nil {
		return nil, err
	}
	if d.Staff, err = models.ListStaff(ctx, db); err != nil {
		return nil, err
	}
	if d.Appeal, err = appealFor(ctx, db, id); err != nil {
		return nil, err
	}
	if d.Agent, err = agentOf(ctx, db, d.Request); err != nil {
		return nil, err
	}
	cs, err := models.CollectionsFor(ctx, db, id)
	if err != nil {
		return nil, err
	}
	d.FoundNothing = len(cs) > 0
	for _, c := range cs {
		v := CollectionView{Collection: c}
		if err := json.Unmarshal([]byte(c.Counts), &v.Counts); err != nil {
			return nil, fmt.Errorf("collection %s counts: %w", c.Source, err)
		}
		if err := json.Unmarshal([]byte(c.Samples), &v.Samples); err != nil {
			return nil, fmt.Errorf("collection %s samples: %w", c.Source, err)
		}
		d.Collections = append(d.Collections, v)
		for _, n := range v.Counts {
			d.FoundNothing = d.FoundNothing && n == 0
		}
		d.FoundNothing = d.FoundNothing && c.Status == models.CollectDone
	}
	if d.Notices, err = models.NoticesFor(ctx, db, id); err != nil {
		return nil, err
	}
	if e, err := models.LatestExport(ctx, db, id); err == nil {
		d.Export = e
	}
	if d.Others, err = models.OpenRequestsLike(ctx, db, r); err != nil {
		return nil, err
	}
	if r.Type == models.TypeDeletion {
		if d.Erasures, err = s.ErasureStates(ctx, id); err != nil {
			return nil, err
		}
	}
	for i := range d.Staff {
		if r.AssigneeID != nil && d.Staff[i].ID == *r.AssigneeID {
			d.Assignee = &d.Staff[i]
		}
	}
	return d, nil
}
