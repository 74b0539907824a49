package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SupportSource holds support tickets of the account or written as a guest
// under the same email, their messages and attachment metadata.
//
// Collection redacts other people's data: support agents' names, as message
// authors and wherever they appear in a subject or message body, become
// AgentPlaceholder.
//
// Erasure deletes message rows (bodies, author names) and attachment rows,
// rather than blanking bodies: a message without its text is worth nothing
// and its author name is personal data too. Attachment files are deleted
// first through DeleteFiles. A ticket keeps only anonymous metadata:
// status, channel and dates; its email is replaced by an address at
// AnonymizedEmailDomain, its subject blanked, its customer link
// removed and AnonymizedAt set.
type SupportSource struct {
	// DeleteFiles deletes attachment files from object storage by storage
	// key. It is called before their rows are deleted, so it may see keys
	// again after an interruption and must treat a missing file as deleted.
	// Nil when the files are not reachable from here (as in the demo).
	DeleteFiles func(ctx context.Context, storageKeys []string) error
}

// AgentPlaceholder replaces a support agent's name in a customer's export.
const AgentPlaceholder = "Kactoily support"

// Name returns "support".
func (*SupportSource) Name() string { return SourceSupport }

// Label returns "Your conversations with customer support".
func (*SupportSource) Label() string { return "Your conversations with customer support" }

var supportPolicy = policy{
	"Assist you with customer support, returns and warranty claims.",
	"Until you ask us to delete it; then messages and attachments are deleted and only anonymous ticket metadata (status, channel, dates) is kept.",
}

// Collect emits each ticket, then, page by page, the tickets' messages,
// each page followed by its messages' attachments.
func (*SupportSource) Collect(ctx context.Context, db *gorm.DB, s Subject, emit func(Record) error) (Counts, error) {
	counts := Counts{}
	email, id, err := findPerson(ctx, db, s)
	if err != nil {
		return counts, err
	}
	out := func(r Record) error { counts[r.Kind]++; return emit(r) }
	err = EachPage(ctx, db, PlacedBy(id, email), func(tickets []SupportTicket) error {
		ids := IDsOf(tickets)
		agents, err := AgentNamesOfTickets(ctx, db, ids)
		if err != nil {
			return err
		}
		red := newRedactor(agents)
		for i := range tickets {
			if err := out(ticketRecord(red, &tickets[i])); err != nil {
				return err
			}
		}
		return EachPage(ctx, db, MessagesOfTickets(ids), func(msgs []SupportMessage) error {
			for i := range msgs {
				if err := out(messageRecord(red, &msgs[i])); err != nil {
					return err
				}
			}
			filter := AttachmentsOfMessages(IDsOf(msgs))
			return EachPage(ctx, db, filter, func(atts []Attachment) error {
				for i := range atts {
					if err := out(attachmentRecord(&atts[i])); err != nil {
						return err
					}
				}
				return nil
			})
		})
	})
	return counts, err
}

// redactor replaces the names of support agents in free text.
type redactor struct{ r *strings.Replacer }

func newRedactor(names []string) redactor {
	// Longest first, so "Anna Maria Berg" is not half replaced as "Anna Maria".
	names = slices.Clone(names)
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	var pairs []string
	for _, n := range names {
		pairs = append(pairs, n, AgentPlaceholder)
	}
	return redactor{strings.NewReplacer(pairs...)}
}

// text returns the field with agents' names replaced, marked Redacted when
// anything was.
func (rd redactor) text(p policy, name, v, category string) Field {
	f := p.field(name, rd.r.Replace(v), category)
	f.Redacted = f.Value != v
	return f
}

func ticketRecord(rd redactor, t *SupportTicket) Record {
	p := supportPolicy
	return Record{Kind: "support_ticket", ID: t.ID, Fields: []Field{
		p.field("email", t.Email, CategoryContact),
		rd.text(p, "subject", t.Subject, CategorySupport),
		p.field("status", t.Status, CategorySupport),
		p.field("channel", t.Channel, CategorySupport),
		p.field("created_at", t.CreatedAt.UTC(), CategorySupport),
		p.field("closed_at", utc(t.ClosedAt), CategorySupport),
	}}
}

func messageRecord(rd redactor, m *SupportMessage) Record {
	p := supportPolicy
	author := p.field("author_name", m.AuthorName, CategorySupport)
	if m.AuthorKind == AuthorAgent {
		author.Value, author.Redacted = AgentPlaceholder, true
	}
	return Record{Kind: "support_message", ID: m.ID, Fields: []Field{
		p.field("ticket_id", m.TicketID, CategorySupport),
		p.field("author_kind", m.AuthorKind, CategorySupport),
		author,
		rd.text(p, "body", m.Body, CategorySupport),
		p.field("sent_at", m.SentAt.UTC(), CategorySupport),
	}}
}

func attachmentRecord(a *Attachment) Record {
	p := supportPolicy
	return Record{Kind: "attachment", ID: a.ID, Fields: []Field{
		p.field("message_id", a.MessageID, CategorySupport),
		p.field("file_name", a.FileName, CategorySupport),
		p.field("content_type", a.ContentType, CategorySupport),
		p.field("size_bytes", a.SizeBytes, CategorySupport),
		p.field("storage_key", a.StorageKey, CategorySupport),
	}}
}

// PlanErasure counts the tickets, messages and attachments Erase would
// anonymize and delete.
func (ss *SupportSource) PlanErasure(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Plan, error) {
	return ss.erase(ctx, db, s, now, true)
}

// Erase deletes the attachments (files, then rows) and messages of the
// subject's tickets, then anonymizes the tickets, each statement changing at
// most StoreBatchSize rows. A ticket is anonymized only once its
// messages are gone, so a rerun after an interruption finds what is left.
func (ss *SupportSource) Erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time) (Result, error) {
	return ss.erase(ctx, db, s, now, false)
}

func (ss *SupportSource) erase(ctx context.Context, db *gorm.DB, s Subject, now time.Time, dry bool) (Plan, error) {
	t := newTally(SourceSupport,
		PlanItem{Kind: "support_message", Action: ActionDelete, Reason: eraseReason},
		PlanItem{Kind: "attachment", Action: ActionDelete, Reason: eraseReason},
		PlanItem{Kind: "support_ticket", Action: ActionAnonymize, Reason: "Date, channel and status kept as " +
			"anonymous support statistics, which are no longer personal data (GDPR Recital 26); your email, " +
			"the subject and the link to your account are removed."},
	)
	email, id, err := findPerson(ctx, db, s)
	if err != nil {
		return t.done(), err
	}
	err = EachPage(ctx, db, PlacedBy(id, email), func(tickets []SupportTicket) error {
		ids := IDsOf(tickets)
		if dry {
			atts, err := CountRows(ctx, db, &Attachment{}, AttachmentsOfTickets(ids))
			if err != nil {
				return err
			}
			msgs, err := CountRows(ctx, db, &SupportMessage{}, MessagesOfTickets(ids))
			if err != nil {
				return err
			}
			t.add("attachment", ActionDelete, atts)
			t.add("support_message", ActionDelete, msgs)
			t.add("support_ticket", ActionAnonymize, len(tickets))
			return nil
		}
		err := EachPage(ctx, db, AttachmentsOfTickets(ids), func(atts []Attachment) error {
			if ss.DeleteFiles != nil {
				keys := make([]string, len(atts))
				for i, a := range atts {
					keys[i] = a.StorageKey
				}
				if err := ss.DeleteFiles(ctx, keys); err != nil {
					return err
				}
			}
			n, err := DeleteRows(ctx, db, &Attachment{}, IDsOf(atts))
			t.add("attachment", ActionDelete, n)
			return err
		})
		if err != nil {
			return err
		}
		n, err := DeleteInBatches(ctx, db, &SupportMessage{}, MessagesOfTickets(ids))
		t.add("support_message", ActionDelete, n)
		if err != nil {
			return err
		}
		n, err = AnonymizeTickets(ctx, db, ids, now)
		t.add("support_ticket", ActionAnonymize, n)
		return err
	})
	return t.done(), err
}
