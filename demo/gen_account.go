package demo

import (
	"fmt"
	"time"

	"github.com/kactoily/privacydesk/store"
)

// addCustomer adds an account. The email must be unused; emailFor gives one.
func (g *gen) addCustomer(first, last, email, country string, created time.Time) *person {
	g.emails[email] = true
	p := &person{idx: len(g.plan.customers), first: first, last: last, email: email, phone: g.phone(country), created: created}
	c := store.Customer{
		Email: email, FirstName: first, LastName: last, Phone: p.phone,
		CreatedAt: created, UpdatedAt: created,
	}
	if g.chance(0.15) {
		c.Phone = "" // phone is optional at sign-up
	}
	if g.chance(0.55) {
		dob := time.Date(1950+g.r.IntN(55), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)
		c.DateOfBirth = &dob
	}
	if g.chance(0.9) {
		login := g.between(created, g.base)
		c.LastLoginAt = &login
		c.UpdatedAt = g.between(created, login.Add(time.Second))
	}
	g.plan.customers = append(g.plan.customers, c)
	return p
}

// addAddress saves an address on the account; shipping ones are used by orders.
func (g *gen) addAddress(p *person, a store.Address) {
	g.plan.addresses = append(g.plan.addresses, owned[store.Address]{p.idx, a})
	if a.Kind == store.AddressShipping {
		p.shipping = append(p.shipping, a)
	}
}

// addAddresses saves a shipping address, sometimes a second one (work, family)
// and sometimes a separate billing address.
func (g *gen) addAddresses(p *person) {
	g.addAddress(p, g.address(store.AddressShipping, p.name(), p.phone))
	if g.chance(0.15) {
		g.addAddress(p, g.address(store.AddressShipping, p.name(), p.phone))
	}
	if g.chance(0.2) {
		g.addAddress(p, g.address(store.AddressBilling, p.name(), p.phone))
	}
}

// addPreference records marketing choices: most accept email, few anything else.
func (g *gen) addPreference(p *person) {
	g.plan.prefs = append(g.plan.prefs, owned[store.MarketingPreference]{p.idx, store.MarketingPreference{
		EmailMarketing:  g.chance(0.55),
		SMSMarketing:    g.chance(0.15),
		PersonalizedAds: g.chance(0.35),
		SaleSharing:     g.chance(0.6),
		Analytics:       g.chance(0.7),
		UpdatedAt:       g.between(p.created, g.base),
	}})
}

// addVisitors gives a person n browsers, each with its cookie-banner choices
// (recorded when the banner was first answered, sometimes changed later).
func (g *gen) addVisitors(p *person, n int) {
	for range n {
		v := visitor{id: "v_" + g.hex(20), ip: g.ip(), ua: pick(g, userAgents)}
		p.visitors = append(p.visitors, v)
		g.addConsents(p.idx, v, g.between(p.created.AddDate(0, 0, -3), p.created.Add(time.Hour)))
	}
}

// addConsents records the banner choices of one visitor; owner is -1 for an
// anonymous visitor.
func (g *gen) addConsents(owner int, v visitor, at time.Time) {
	acceptAll := g.chance(0.6)
	for _, cat := range []string{store.ConsentNecessary, store.ConsentAnalytics, store.ConsentFunctionality, store.ConsentAdvertising} {
		granted := cat == store.ConsentNecessary || acceptAll || g.chance(0.3)
		g.plan.consents = append(g.plan.consents, owned[store.ConsentChoice]{owner, store.ConsentChoice{
			VisitorID: v.id, Category: cat, Granted: granted, RecordedAt: at, IPAddress: v.ip, UserAgent: v.ua.ua,
		}})
	}
	if acceptAll && g.chance(0.15) {
		// Changed their mind about advertising cookies later.
		g.plan.consents = append(g.plan.consents, owned[store.ConsentChoice]{owner, store.ConsentChoice{
			VisitorID: v.id, Category: store.ConsentAdvertising, Granted: false,
			RecordedAt: g.between(at, g.base), IPAddress: g.ip(), UserAgent: v.ua.ua,
		}})
	}
}

// addSessions writes n browsing sessions of a person across their visitors.
func (g *gen) addSessions(p *person, n int) {
	for range n {
		v := pick(g, p.visitors)
		g.addSession(p.idx, v, g.between(p.created, g.base.Add(-time.Hour)))
	}
}

// addSession writes the page views of one visit: an entry page reached from
// outside, then a few clicks through the site. Mobile networks change the IP.
func (g *gen) addSession(owner int, v visitor, at time.Time) {
	ip := v.ip
	if g.chance(0.3) {
		ip = g.ip()
	}
	ref := pick(g, referrers)
	for range 1 + g.r.IntN(8) {
		page := site + g.page()
		g.plan.activity = append(g.plan.activity, owned[store.ActivityRecord]{owner, store.ActivityRecord{
			VisitorID: v.id, IPAddress: ip, UserAgent: v.ua.ua, Browser: v.ua.browser, OS: v.ua.os,
			PageURL: page, Referrer: ref, OccurredAt: at,
		}})
		ref = page
		at = at.Add(time.Duration(5+g.r.IntN(240)) * time.Second)
		if !at.Before(g.base) {
			return
		}
	}
}

func (g *gen) page() string {
	if g.chance(0.45) {
		p := pick(g, products)
		if g.chance(0.1) {
			return fmt.Sprintf("/products/%s?utm_source=newsletter&utm_medium=email", p.slug)
		}
		return "/products/" + p.slug
	}
	return pick(g, sitePages)
}

// addAnonymousVisitors writes visitors who never signed in: consent choices
// and sessions with no customer.
func (g *gen) addAnonymousVisitors(n int) {
	for range n {
		v := visitor{id: "v_" + g.hex(20), ip: g.ip(), ua: pick(g, userAgents)}
		first := g.between(g.daysAgo(400), g.daysAgo(1))
		if g.chance(0.7) {
			g.addConsents(-1, v, first)
		}
		for range 1 + g.r.IntN(4) {
			g.addSession(-1, v, g.between(first, g.base.Add(-time.Hour)))
		}
	}
}
