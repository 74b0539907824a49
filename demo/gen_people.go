package demo

import (
	"time"

	"github.com/kactoily/privacydesk/store"
)

// randomCustomers is how many ordinary customers are generated besides the
// fixed ones, for about 300 accounts in all.
const randomCustomers = 286

// generate builds the whole store in two phases: accounts, orders and
// registrations first, then (once orders have their numbers) support
// tickets and browsing, which refer to them.
func generate(now time.Time) *plan {
	g := newGen(now)
	people := []*person{g.heavyBuyer()}
	people = append(people, g.alexMorgan()...)
	people = append(people, g.janeDoes()...)
	for _, e := range emptyCustomers {
		g.addCustomer(e.first, e.last, e.email, "US", g.between(g.daysAgo(5*365), g.daysAgo(1)))
	}
	for range randomCustomers {
		people = append(people, g.randomCustomer())
	}
	for range 8 {
		people = append(people, g.guest())
	}
	g.numberOrders()

	for _, p := range people {
		g.addTickets(p, p.tickets)
		if len(p.visitors) > 0 {
			g.addSessions(p, p.sessions)
		}
	}
	g.addAnonymousVisitors(40)
	return &g.plan
}

// randomCustomer adds an ordinary customer: a browser who never bought
// (15%), an occasional buyer, a regular or a frequent one.
func (g *gen) randomCustomer() *person {
	first, last := pick(g, firstNames), pick(g, lastNames)
	c := pick(g, cities)
	p := g.addCustomer(first, last, g.emailFor(first, last), c.country, g.between(g.daysAgo(9*365), g.daysAgo(1)))
	var orders int
	switch x := g.r.Float64(); {
	case x < 0.15:
	case x < 0.65:
		orders = 1 + g.r.IntN(4)
	case x < 0.9:
		orders = 5 + g.r.IntN(8)
	default:
		orders = 13 + g.r.IntN(8)
	}
	if orders > 0 || g.chance(0.3) {
		g.addAddress(p, g.addressIn(c, store.AddressShipping, p.name(), p.phone))
		if g.chance(0.15) {
			g.addAddress(p, g.address(store.AddressShipping, p.name(), p.phone))
		}
		if g.chance(0.2) {
			g.addAddress(p, g.address(store.AddressBilling, p.name(), p.phone))
		}
	}
	if g.chance(0.85) {
		g.addPreference(p)
	}
	g.addVisitors(p, 1+g.r.IntN(3))
	g.addOrders(p, orders, 1, 4, p.created.Add(10*time.Minute), g.base)
	g.registerDevices(p, 0.4)
	if orders == 0 && g.chance(0.15) {
		// A device bought from another retailer, registered for the warranty.
		bought := g.between(p.created, g.base)
		g.addRegistration(p, pick(g, products[3:16]), bought, bought.AddDate(0, 0, 5))
	}
	p.minMsgs, p.maxMsgs = 1, 5
	if g.chance(0.35) && orders > 0 {
		p.tickets = 1 + g.r.IntN(3)
	} else if g.chance(0.05) {
		p.tickets = 1
	}
	p.sessions = g.r.IntN(13)
	return p
}

// heavyBuyer adds the customer whose history is large enough to show that
// collection, export and erasure cope with volume.
func (g *gen) heavyBuyer() *person {
	c := cities[0]
	p := g.addCustomer("Harvey", "Buyer", HeavyCustomerEmail, c.country, g.dayAt(9*365))
	g.addAddress(p, g.addressIn(c, store.AddressShipping, p.name(), p.phone))
	g.addAddress(p, g.address(store.AddressShipping, p.name(), p.phone))
	g.addAddress(p, g.address(store.AddressShipping, p.name(), p.phone))
	g.addAddress(p, g.addressIn(c, store.AddressBilling, p.name(), p.phone))
	g.addPreference(p)
	g.addVisitors(p, 4)
	g.addOrders(p, HeavyCustomerOrders, 2, 4, p.created.AddDate(0, 0, 7), g.base)
	g.registerDevices(p, 0.03)
	p.tickets, p.minMsgs, p.maxMsgs = HeavyCustomerTickets, 3, 5
	p.sessions = 1100 // about 5,000 page views
	return p
}

// alexMorgan adds an ordinary customer with a little of everything, plus a
// guest order and a guest ticket under the same email from before the
// account existed (found by email, not by customer id).
func (g *gen) alexMorgan() []*person {
	c := cities[1]
	p := g.addCustomer("Alex", "Morgan", AlexMorganEmail, c.country, g.dayAt(5*365))
	home := g.addressIn(c, store.AddressShipping, p.name(), p.phone)
	g.addAddress(p, home)
	g.addAddress(p, g.addressIn(c, store.AddressBilling, p.name(), p.phone))
	g.plan.prefs = append(g.plan.prefs, owned[store.MarketingPreference]{p.idx, store.MarketingPreference{
		EmailMarketing: true, SMSMarketing: false, PersonalizedAds: true, SaleSharing: true, Analytics: true,
		UpdatedAt: p.created,
	}})
	g.addVisitors(p, 2)

	vacuum, _ := productBySKU("KV-RV10")
	doorbell, _ := productBySKU("KD-D230S1")
	plug, _ := productBySKU("KP-P110-2PK")
	bank, _ := productBySKU("KB-PB20")
	old := g.dayAt(4*365 + 180)
	g.addOrder(p, home, old, []product{vacuum, plug})
	recent := g.dayAt(540)
	g.addOrder(p, home, recent, []product{doorbell})
	g.addOrder(p, home, g.dayAt(200), []product{plug, bank})
	g.addOrder(p, home, g.dayAt(2), []product{bank})
	g.addRegistration(p, vacuum, old, old.AddDate(0, 0, 4))
	g.addWarranty(p.regs[0], vacuum, old, 2, true) // ended about 18 months ago
	g.addRegistration(p, doorbell, recent, recent.AddDate(0, 0, 6))
	g.addWarranty(p.regs[1], doorbell, recent, 3, true) // runs for another 2.5 years
	p.tickets, p.minMsgs, p.maxMsgs = 2, 2, 4
	p.sessions = 10

	guest := &person{idx: -1, first: p.first, last: p.last, email: p.email, phone: p.phone, created: g.dayAt(6 * 365)}
	guest.shipping = []store.Address{home}
	g.addOrder(guest, home, guest.created.AddDate(0, 0, 20), []product{plug})
	guest.tickets, guest.minMsgs, guest.maxMsgs = 1, 2, 2
	return []*person{p, guest}
}

// janeDoes adds two different customers with the same name who share a
// shipping address, so matching by name or address alone would mix them up.
func (g *gen) janeDoes() []*person {
	shared := store.Address{
		Kind: store.AddressShipping, Line1: "1428 Elm Street", Line2: "Apt 2",
		City: "Springfield", Region: "IL", PostalCode: "62704", Country: "US",
	}
	var out []*person
	for i, email := range []string{JaneDoeEmail, JaneDoeNetEmail} {
		p := g.addCustomer("Jane", "Doe", email, "US", g.dayAt(4*365-i*700))
		a := shared
		a.RecipientName, a.Phone = p.name(), p.phone
		g.addAddress(p, a)
		g.addPreference(p)
		g.addVisitors(p, 1)
		g.addOrders(p, 3+i, 1, 3, p.created.Add(time.Hour), g.base)
		g.registerDevices(p, 0.5)
		p.tickets, p.minMsgs, p.maxMsgs = 1, 2, 3
		p.sessions = 6
		out = append(out, p)
	}
	return out
}

// guest adds someone without an account who bought as a guest and
// sometimes wrote to support.
func (g *gen) guest() *person {
	first, last := pick(g, firstNames), pick(g, lastNames)
	p := &person{idx: -1, first: first, last: last, email: g.emailFor(first, last), created: g.daysAgo(3 * 365)}
	p.phone = g.phone("US")
	g.addOrders(p, 1+g.r.IntN(2), 1, 3, p.created, g.base)
	p.minMsgs, p.maxMsgs = 1, 3
	if g.chance(0.5) {
		p.tickets = 1
	}
	return p
}
