package org

import "github.com/kactoily/privacydesk/models"

// PolicyStatement is what the organization's privacy policy says about its
// processing, as GDPR Art. 15 asks an access answer to state; the
// organization file's statements (Facts.Statements).
type PolicyStatement struct {
	Purposes   []string `yaml:"purposes"`
	Categories []string `yaml:"categories"`
	Recipients []string `yaml:"recipients"`
	Retention  []string `yaml:"retention"`
	Sources    []string `yaml:"sources"`
	// AutomatedDecisions says whether decisions about the person are made
	// by automated means alone, profiling included, and if so the logic
	// and its consequences (GDPR Art. 15(1)(h), Art. 22).
	AutomatedDecisions []string `yaml:"automated_decisions"`
	// Transfers names the recipients outside the European Economic Area
	// and the safeguards the transfers rely on (GDPR Art. 15(2), Art. 46).
	Transfers []string `yaml:"transfers"`
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
