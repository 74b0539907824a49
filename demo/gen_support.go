package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/kactoily/privacydesk/store"
)

// topic is a kind of support case: what it needs (an order or a registered
// device) and how the customer opens it. Placeholders in braces are filled
// from the person, order and device.
type topic struct {
	needs, subject, opening, fix string
}

var topics = []topic{
	{"order", "Where is my order {order}?", "Hi, my order {order} was supposed to arrive last week but tracking hasn't moved. It's going to {line1}, {city}. Can you check?", "I've checked with the carrier: the parcel is at your local depot and should arrive within two business days."},
	{"order", "Return request for order {order}", "Hello, I'd like to return the {product} from order {order}. It's unopened. How do I get a return label?", "I've sent a prepaid return label to your email address. Your refund goes back to PayPal once the parcel reaches us."},
	{"order", "Change shipping address on {order}", "Please ship order {order} to {line1}, {city} {postal} instead, I've moved. My phone is {phone} if the courier needs it.", "Done: the order now ships to the new address."},
	{"device", "{product} keeps going offline", "My {product} (serial {serial}) disconnects from Wi-Fi every night around 2am. I've already restarted the router.", "Could you hold the reset button for 5 seconds and set the device up again in the app? A firmware fix for this is also on its way."},
	{"device", "Firmware update failed", "The app says the firmware update failed on my {product}, serial {serial}. Now the light blinks orange.", "Please keep the device powered and retry the update from Settings > Firmware; if the light keeps blinking, we'll replace it."},
	{"device", "Warranty claim: {product}", "My {product} stopped working after a few months. It should still be under warranty, serial {serial}. Photo of the label attached.", "I've approved a replacement under warranty; you'll receive a shipping confirmation by email."},
	{"", "Do your smart plugs work with voice assistants?", "Do your smart plugs work with my voice assistant? I want to control the lamps in two rooms.", "Yes, all Kactoily smart plugs work with the major voice assistants; link your account in the assistant's app."},
	{"", "Can't log in to my account", "I reset my password twice but the login page keeps saying the link expired. My email is {email}.", "I've cleared the lock on your account; please request one more reset link and use it within an hour."},
	{"", "Invoice for my purchase", "Could you send an invoice for my last purchase? Name on the invoice: {name}, {line1}, {city}.", "I've attached the invoice to this reply."},
}

var followUps = []string{
	"Thanks, that worked!",
	"I tried that but the problem is still there. See the attached photo.",
	"Thank you for the quick answer.",
	"Any update on this? It's been a few days.",
	"Great, thanks for your help.",
	"Here is a screenshot of the error in the app.",
}

// addTickets opens n support tickets for a person, each with messages
// alternating between the customer and one agent.
func (g *gen) addTickets(p *person, n int) {
	for range n {
		g.addTicket(p)
	}
}

func (g *gen) addTicket(p *person) {
	t := topics[g.r.IntN(len(topics))]
	created := g.between(p.created, g.base.Add(-2*time.Hour))
	fill := map[string]string{
		"{name}": p.name(), "{email}": p.email, "{phone}": p.phone,
		"{line1}": "our house", "{city}": "", "{postal}": "", "{product}": "device", "{serial}": "unknown", "{order}": "",
	}
	if len(p.shipping) > 0 {
		a := p.shipping[0]
		fill["{line1}"], fill["{city}"], fill["{postal}"] = a.Line1, a.City, a.PostalCode
	}
	switch {
	case t.needs == "order" && len(p.orders) > 0:
		oi := pick(g, p.orders)
		o := g.plan.orders[oi].row
		fill["{order}"] = o.Number
		fill["{product}"] = g.linesOf(oi)[0].row.ProductName
		created = g.between(o.PlacedAt.Add(time.Hour), earliest(o.PlacedAt.AddDate(0, 0, 30), g.base.Add(-2*time.Hour)))
	case t.needs == "device" && len(p.regs) > 0:
		r := g.plan.regs[pick(g, p.regs)].row
		fill["{product}"], fill["{serial}"] = r.ProductName, r.SerialNumber
		created = g.between(r.RegisteredAt, g.base.Add(-2*time.Hour))
	case t.needs != "":
		t = topics[6+g.r.IntN(3)] // nothing to refer to: a general question
	}
	r := strings.NewReplacer(flatten(fill)...)

	channel := pick(g, []string{"email", "email", "email", "email", "chat", "chat", "phone", "social"})
	ticket := store.SupportTicket{
		Email: p.email, Subject: r.Replace(t.subject), Channel: channel, CreatedAt: created, Status: "open",
	}
	tidx := len(g.plan.tickets)

	agent := pick(g, agentNames)
	at := created
	n := p.minMsgs + g.r.IntN(p.maxMsgs-p.minMsgs+1)
	for i := range n {
		if !at.Before(g.base) {
			n = i // the rest of the conversation has not happened yet
			break
		}
		kind, author := store.AuthorCustomer, p.name()
		body := r.Replace(t.opening)
		if i%2 == 1 {
			kind, author = store.AuthorAgent, agent
			body = fmt.Sprintf("Hi %s,\n\nthanks for contacting Kactoily Support. %s\n\nBest regards,\n%s\nKactoily Support", p.first, t.fix, agent)
			if i > 1 {
				body = fmt.Sprintf("Hi %s,\n\nthanks for the update. I've passed this on to our technical team and will get back to you.\n\n%s", p.first, agent)
			}
		} else if i > 0 {
			body = pick(g, followUps)
		}
		if channel == "phone" && i == 0 {
			kind, author = store.AuthorAgent, agent
			body = fmt.Sprintf("Call notes: %s called from %s. %s", p.name(), p.phone, r.Replace(t.opening))
		}
		g.plan.messages = append(g.plan.messages, owned[store.SupportMessage]{tidx, store.SupportMessage{
			AuthorKind: kind, AuthorName: author, Body: body, SentAt: at,
		}})
		if kind == store.AuthorCustomer && (strings.Contains(body, "attached") || strings.Contains(body, "screenshot")) {
			g.addAttachment(len(g.plan.messages)-1, at)
		}
		if channel == "chat" {
			at = at.Add(g.minutes(1, 6))
		} else {
			at = at.Add(g.minutes(20, 2*24*60))
		}
	}
	if at.Before(g.base) && (g.chance(0.8) || g.base.Sub(at) > 30*24*time.Hour) {
		closed := g.between(at, earliest(at.Add(72*time.Hour), g.base))
		ticket.Status, ticket.ClosedAt = "closed", &closed
	} else if n > 1 {
		ticket.Status = "pending"
	}
	g.plan.tickets = append(g.plan.tickets, owned[store.SupportTicket]{p.idx, ticket})
}

// addAttachment stores the metadata of a file sent with a message.
func (g *gen) addAttachment(msg int, at time.Time) {
	kinds := []struct{ name, ctype string }{
		{"IMG_%04d.jpg", "image/jpeg"}, {"screenshot-%d.png", "image/png"},
		{"receipt-%d.pdf", "application/pdf"}, {"device-log-%d.txt", "text/plain"},
		{"clip-%d.mp4", "video/mp4"},
	}
	k := pick(g, kinds)
	name := fmt.Sprintf(k.name, 1000+g.r.IntN(9000))
	g.plan.attachments = append(g.plan.attachments, owned[store.Attachment]{msg, store.Attachment{
		FileName: name, ContentType: k.ctype, SizeBytes: 20_000 + g.r.Int64N(4_000_000),
		StorageKey: fmt.Sprintf("support/%04d/%02d/%s/%s", at.Year(), at.Month(), g.hex(32), name),
	}})
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// flatten turns a placeholder map into strings.NewReplacer's arguments in a
// fixed order (map order is random, and the result must not depend on it).
func flatten(m map[string]string) []string {
	keys := []string{"{name}", "{email}", "{phone}", "{line1}", "{city}", "{postal}", "{product}", "{serial}", "{order}"}
	out := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		out = append(out, k, m[k])
	}
	return out
}
