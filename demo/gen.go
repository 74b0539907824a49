package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kactoily/privacydesk/store"
)

// owned is a row to insert with the index of its parent row in the parent's
// slice (-1 for none), because IDs exist only once the parent is inserted.
type owned[T any] struct {
	parent int
	row    T
}

// plan is the whole store, generated in memory before anything is written.
type plan struct {
	customers   []store.Customer
	addresses   []owned[store.Address]             // parent: customers
	prefs       []owned[store.MarketingPreference] // parent: customers
	consents    []owned[store.ConsentChoice]       // parent: customers or -1
	orders      []owned[store.Order]               // parent: customers or -1 (guest)
	lines       []owned[store.OrderLine]           // parent: orders
	regs        []owned[store.ProductRegistration] // parent: customers
	warranties  []owned[store.ExtendedWarranty]    // parent: regs
	tickets     []owned[store.SupportTicket]       // parent: customers or -1
	messages    []owned[store.SupportMessage]      // parent: tickets
	attachments []owned[store.Attachment]          // parent: messages
	activity    []owned[store.ActivityRecord]      // parent: customers or -1
}

// person is what the generator remembers about a customer between phases.
type person struct {
	idx              int // in plan.customers; -1 for a guest without an account
	first, last      string
	email, phone     string
	created          time.Time
	shipping         []store.Address
	visitors         []visitor
	orders           []int // in plan.orders
	regs             []int // in plan.regs
	tickets          int   // how many tickets phase two writes
	sessions         int   // how many browsing sessions phase two writes
	minMsgs, maxMsgs int
}

func (p *person) name() string { return p.first + " " + p.last }

// visitor is one browser of a person: its cookie id, usual IP and user agent.
type visitor struct {
	id, ip string
	ua     userAgent
}

// gen draws every value from one seeded source in a fixed order, so the
// same base day always gives the same store.
type gen struct {
	r      *rand.Rand
	base   time.Time // midnight UTC of the seeding day; nothing is later
	plan   plan
	emails map[string]bool // taken addresses, only looked up
	serial int
	// lineStart[i] is the index in plan.lines of order i's first line.
	lineStart []int
}

func newGen(now time.Time) *gen {
	y, m, d := now.UTC().Date()
	return &gen{
		r:      rand.New(rand.NewPCG(1, 2)),
		base:   time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		emails: map[string]bool{},
	}
}

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// chance reports true with probability p.
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// between returns a whole second in [a, b), or a when the range is empty.
func (g *gen) between(a, b time.Time) time.Time {
	s := int64(b.Sub(a) / time.Second)
	if s <= 0 {
		return a
	}
	return a.Add(time.Duration(g.r.Int64N(s)) * time.Second)
}

func (g *gen) daysAgo(days int) time.Time { return g.base.AddDate(0, 0, -days) }

// dayAt returns a random time of day, between 07:00 and 23:00, days ago.
func (g *gen) dayAt(days int) time.Time { return g.daysAgo(days).Add(g.minutes(7*60, 23*60)) }

// minutes returns a random duration between lo and hi minutes.
func (g *gen) minutes(lo, hi int) time.Duration {
	return time.Duration(lo+g.r.IntN(hi-lo+1)) * time.Minute
}

func (g *gen) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

func (g *gen) letters(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('A' + g.r.IntN(26)))
	}
	return b.String()
}

func (g *gen) hex(n int) string {
	const h = "0123456789abcdef"
	var b strings.Builder
	for range n {
		b.WriteByte(h[g.r.IntN(16)])
	}
	return b.String()
}

func (g *gen) ip() string { return fmt.Sprintf("%s%d", pick(g, ipPrefixes), 1+g.r.IntN(254)) }

// phone returns a number from a range reserved for fiction in the country.
func (g *gen) phone(country string) string {
	switch country {
	case "GB":
		return "+44 20 7946 0" + g.digits(3)
	case "DE":
		return "+49 30 23125 " + g.digits(3)
	}
	area := []string{"202", "312", "415", "503", "512", "617", "720", "206"}
	return fmt.Sprintf("+1 %s-555-01%s", pick(g, area), g.digits(2))
}

// paypalReference returns an id shaped like a PayPal transaction id
// (17 characters, letters between short digit runs), never card-like.
func (g *gen) paypalReference() string {
	return g.digits(1) + g.letters(2) + g.digits(6) + g.letters(1) + g.digits(6) + g.letters(1)
}

// emailFor returns an unused address on a reserved example domain.
func (g *gen) emailFor(first, last string) string {
	f, l := fold(first), fold(last)
	var local string
	switch n := g.r.IntN(10); {
	case n < 6:
		local = f + "." + l
	case n < 7:
		local = f + l
	case n < 8:
		local = f[:1] + "." + l
	case n < 9:
		local = f + "_" + l
	default:
		local = f + "." + l + g.digits(2)
	}
	domain := "example.com"
	if n := g.r.IntN(10); n >= 8 {
		domain = "example.org"
	} else if n >= 5 {
		domain = "example.net"
	}
	email := local + "@" + domain
	for i := 2; g.emails[email]; i++ {
		email = fmt.Sprintf("%s%d@%s", local, i, domain)
	}
	g.emails[email] = true
	return email
}

// fold lower-cases a name and keeps only ASCII letters, for email addresses.
func fold(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case asciiFold[r] != "":
			b.WriteString(asciiFold[r])
		}
	}
	return b.String()
}

func zip(prefix string) func(*gen) string {
	return func(g *gen) string { return prefix + g.digits(2) }
}

func canadianPostal(first string) func(*gen) string {
	return func(g *gen) string {
		return first + g.digits(1) + g.letters(1) + " " + g.digits(1) + g.letters(1) + g.digits(1)
	}
}

func ukPostal(area string) func(*gen) string {
	return func(g *gen) string { return area + g.digits(1) + " " + g.digits(1) + g.letters(2) }
}

func dePostal(prefix string) func(*gen) string {
	return func(g *gen) string { return prefix + g.digits(3) }
}

// address returns a random address in a random city.
func (g *gen) address(kind, recipient, phone string) store.Address {
	return g.addressIn(pick(g, cities), kind, recipient, phone)
}

func (g *gen) addressIn(c city, kind, recipient, phone string) store.Address {
	a := store.Address{
		Kind:          kind,
		RecipientName: recipient,
		Line1:         fmt.Sprintf("%d %s", 1+g.r.IntN(9899), pick(g, streets)),
		City:          c.name,
		Region:        c.region,
		PostalCode:    c.postal(g),
		Country:       c.country,
		Phone:         phone,
	}
	if g.chance(0.25) {
		a.Line2 = fmt.Sprintf("Apt %d%s", 1+g.r.IntN(30), g.letters(1))
	}
	return a
}
