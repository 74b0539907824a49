package demo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kactoily/privacydesk/store"
)

const freeShippingCents, shippingCents = 3500, 599

// addOrders places n orders for a person between from and to, shipped to one
// of their saved addresses or, now and then, to someone else as a gift.
func (g *gen) addOrders(p *person, n, minLines, maxLines int, from, to time.Time) {
	for range n {
		ship := g.address(store.AddressShipping, p.name(), p.phone)
		switch {
		case len(p.shipping) == 0:
		case g.chance(0.08): // a gift
			ship.RecipientName = pick(g, firstNames) + " " + pick(g, lastNames)
		default:
			ship = pick(g, p.shipping)
		}
		prods := make([]product, minLines+g.r.IntN(maxLines-minLines+1))
		for i := range prods {
			prods[i] = pick(g, products)
		}
		g.addOrder(p, ship, g.between(from, to), prods)
	}
}

// addOrder writes one order with its lines; the number is given later, in
// date order across the whole store.
func (g *gen) addOrder(p *person, ship store.Address, at time.Time, prods []product) int {
	idx := len(g.plan.orders)
	g.lineStart = append(g.lineStart, len(g.plan.lines))
	var total int64
	for _, pr := range prods {
		qty := 1
		if !pr.registrable && g.chance(0.3) {
			qty = 2 + g.r.IntN(2)
		}
		total += int64(qty) * pr.cents
		g.plan.lines = append(g.plan.lines, owned[store.OrderLine]{idx, store.OrderLine{
			SKU: pr.sku, ProductName: pr.name, Quantity: qty, UnitPriceCents: pr.cents,
		}})
	}
	if total < freeShippingCents {
		total += shippingCents
	}
	o := store.Order{
		PlacedAt: at, Status: g.orderStatus(at), Currency: currencies[ship.Country], TotalCents: total,
		Email: p.email, Phone: p.phone,
		ShippingName: ship.RecipientName, ShippingLine1: ship.Line1, ShippingLine2: ship.Line2,
		ShippingCity: ship.City, ShippingRegion: ship.Region, ShippingPostalCode: ship.PostalCode,
		ShippingCountry: ship.Country,
		PaymentProvider: "paypal", PaymentReference: g.paypalReference(),
	}
	g.plan.orders = append(g.plan.orders, owned[store.Order]{p.idx, o})
	p.orders = append(p.orders, idx)
	return idx
}

func (g *gen) orderStatus(at time.Time) string {
	switch age := g.base.Sub(at); {
	case age < 3*24*time.Hour:
		return "processing"
	case age < 10*24*time.Hour:
		return "shipped"
	case g.chance(0.04):
		return "cancelled"
	case g.chance(0.05):
		return "refunded"
	}
	return "delivered"
}

// numberOrders gives every order its number, KT-100001 upwards by date.
func (g *gen) numberOrders() {
	idx := make([]int, len(g.plan.orders))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return g.plan.orders[a].row.PlacedAt.Compare(g.plan.orders[b].row.PlacedAt)
	})
	for rank, i := range idx {
		g.plan.orders[i].row.Number = fmt.Sprintf("KT-%d", 100001+rank)
	}
}

// registerDevices registers, with probability prob, each device a person
// bought and received.
func (g *gen) registerDevices(p *person, prob float64) {
	for _, oi := range p.orders {
		o := g.plan.orders[oi].row
		if o.Status != "delivered" {
			continue
		}
		for _, l := range g.linesOf(oi) {
			if pr, ok := productBySKU(l.row.SKU); ok && pr.registrable && g.chance(prob) {
				g.addRegistration(p, pr, o.PlacedAt, g.between(o.PlacedAt.AddDate(0, 0, 3), o.PlacedAt.AddDate(0, 0, 60)))
			}
		}
	}
}

// addRegistration registers a device and sometimes sells it an extended
// warranty that starts when the one-year standard warranty ends.
func (g *gen) addRegistration(p *person, pr product, purchased, registered time.Time) {
	if registered.After(g.base) {
		registered = g.between(purchased, g.base)
	}
	g.serial++
	code := strings.Split(pr.sku, "-")[1]
	idx := len(g.plan.regs)
	g.plan.regs = append(g.plan.regs, owned[store.ProductRegistration]{p.idx, store.ProductRegistration{
		ProductName: pr.name, SKU: pr.sku,
		SerialNumber: fmt.Sprintf("%s%02d%s%05d", code, purchased.Year()%100, g.letters(2), g.serial),
		PurchasedAt:  purchased, RegisteredAt: registered,
	}})
	p.regs = append(p.regs, idx)
	if g.chance(0.35) {
		g.addWarranty(idx, pr, purchased, 2+g.r.IntN(2), g.chance(0.9))
	}
}

func (g *gen) addWarranty(reg int, pr product, purchased time.Time, years int, paid bool) {
	price := max(int64(999), pr.cents*int64(6*years)/100/100*100+99)
	start := purchased.AddDate(1, 0, 0)
	g.plan.warranties = append(g.plan.warranties, owned[store.ExtendedWarranty]{reg, store.ExtendedWarranty{
		Plan:       fmt.Sprintf("Kactoily Care %d-Year Extended Warranty", years),
		PriceCents: price, Paid: paid, StartsAt: start, EndsAt: start.AddDate(years, 0, 0),
	}})
}

// linesOf returns the lines of an order; addOrder appends them contiguously.
func (g *gen) linesOf(order int) []owned[store.OrderLine] {
	end := len(g.plan.lines)
	if order+1 < len(g.lineStart) {
		end = g.lineStart[order+1]
	}
	return g.plan.lines[g.lineStart[order]:end]
}

func productBySKU(sku string) (product, bool) {
	i := slices.IndexFunc(products, func(p product) bool { return p.sku == sku })
	if i < 0 {
		return product{}, false
	}
	return products[i], true
}

// ordersOf returns the indexes of a person's orders, newest first.
func (g *gen) ordersOf(p *person) []int {
	out := slices.Clone(p.orders)
	slices.SortStableFunc(out, func(a, b int) int {
		return cmp.Compare(g.plan.orders[b].row.PlacedAt.Unix(), g.plan.orders[a].row.PlacedAt.Unix())
	})
	return out
}
