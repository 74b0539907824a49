package models

// AppModels returns one zero value of each of Privacy Desk's own models
// (the demo store's are store.StoreModels), for schema checks.
func AppModels() []any {
	return []any{
		&Request{}, &RequestToken{}, &AuditEvent{}, &Email{}, &Suppression{}, &Secret{},
		&StaffUser{}, &Note{}, &ReminderSent{}, &StatusCount{}, &StatusDelta{},
		&Collection{}, &Export{}, &Erasure{}, &ThirdPartyNotice{},
		&AuditAnchor{}, &Appeal{},
		&Correction{},
		&Agent{}, &AgentToken{}, &AgentRequest{},
		&Wording{},
	}
}
