package org

import "github.com/kactoily/privacydesk/models"

// PolicyStatement is what Kactoily's privacy policy says about its
// processing, as GDPR Art. 15 asks an access answer to state.
type PolicyStatement struct {
	Purposes   []string
	Categories []string
	Recipients []string
	Retention  []string
	Sources    []string
	// AutomatedDecisions says whether decisions about the person are made
	// by automated means alone, profiling included, and if so the logic
	// and its consequences (GDPR Art. 15(1)(h), Art. 22).
	AutomatedDecisions []string
	// Transfers names the recipients outside the European Economic Area
	// and the safeguards the transfers rely on (GDPR Art. 15(2), Art. 46).
	Transfers []string
}

// Policy is drawn from shared/seed/privacy-policy.txt.
var Policy = PolicyStatement{
	Purposes: []string{
		"Set up and authenticate your account",
		"Facilitate your purchases and carry out our contracts with you",
		"Register your products and administer warranties",
		"Assist you with customer support",
		"Send you marketing only if you opted in",
		"Administer, secure and improve the website and our products",
		"Measure advertising and deliver personalized advertising",
	},
	Categories: []string{
		"Contact: name, email address, phone number",
		"Address: shipping and billing addresses",
		"Purchase: orders, order lines, payment references (never card numbers: PayPal holds them)",
		"Device: product registrations, serial numbers, warranties",
		"Support: tickets, messages and attachment details",
		"Usage: IP address, browser, pages visited, times, cookie choices",
	},
	Recipients: []string{
		"Payment processor (PayPal), to take payment",
		"Delivery partners, to deliver your orders",
		"Advertising networks, to measure and personalize advertising (unless you opt out)",
		"Analytics providers, to understand how the website is used (unless you opt out)",
	},
	Retention: []string{
		"We keep personal information only as long as needed for the purposes above or as the law requires, then remove or anonymize it",
		"Orders are kept for the legal accounting period (7 years), anonymized when you ask us to delete your data",
		"Active paid extended warranties are kept, anonymized, until they end",
		"Visit and device records are deleted when you ask us to delete your data",
	},
	Sources: []string{
		"You: when you register, order, register a product, or contact support",
		"Your browser and device, automatically, when you visit the website",
		"Our service providers: payment, delivery, advertising and analytics partners",
	},
	AutomatedDecisions: []string{
		"We make no decision about you based solely on automated processing, profiling included, that has legal or similarly significant effects on you (GDPR Art. 22). Requests to see or delete your data are reviewed and approved by a person.",
		"Personalized advertising uses the pages you visit and the products you view to choose which of our ads you see; it affects nothing else, and you can opt out of it at any time.",
	},
	Transfers: []string{
		"Our payment processor (PayPal) and our advertising and analytics providers may process your data in the United States, outside the European Economic Area.",
		"These transfers rely on the European Commission's adequacy decision for the EU–US Data Privacy Framework, for recipients certified under it, and otherwise on the Commission's Standard Contractual Clauses (GDPR Art. 46(2)(c)), with encryption in transit.",
	},
}

// Right is a request the privacy center takes and Privacy Desk carries out.
type Right struct {
	Type, Title, Text string
}

// rightTexts describe each request type as a right offered to the person.
var rightTexts = map[string]Right{
	models.TypeAccess: {Title: "Get a copy of your data again",
		Text: "Ask for a new copy at any time; it is prepared like this one, within 30 days."},
	models.TypeDeletion: {Title: "Have your data deleted",
		Text: "We delete your data, or anonymize what the law makes us keep (such as orders for the accounting period), and send you a summary."},
	models.TypeCorrection: {Title: "Have inaccurate data corrected",
		Text: "Tell us which detail is wrong (name, email, phone, address or anything else) and what it should be; we correct it within 30 days or tell you why not."},
	models.TypeOptOut: {Title: "Opt out of marketing, sale/sharing and personalized advertising, or analytics",
		Text: "Takes effect at once and is confirmed by email. A browser sending the Global Privacy Control signal is treated as an opt-out of sale/sharing."},
}

// RightsOffered returns the rights the privacy center takes requests for,
// one per request type the product fulfils, in display order: nothing is
// offered that Privacy Desk cannot carry out.
func RightsOffered() []Right {
	out := make([]Right, 0, len(models.RequestTypes))
	for _, t := range models.RequestTypes {
		if r, ok := rightTexts[t]; ok {
			r.Type = t
			out = append(out, r)
		}
	}
	return out
}
