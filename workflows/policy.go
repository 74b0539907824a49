package workflows

// PolicyStatement is what Kactoily's privacy policy says about its
// processing, as GDPR Art. 15 asks an access answer to state.
type PolicyStatement struct {
	Purposes   []string
	Categories []string
	Recipients []string
	Retention  []string
	Sources    []string
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
}
