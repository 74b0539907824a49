// Package org holds what the organization states about its processing:
// the GDPR Art. 15 statements an access answer gives (purposes, categories,
// recipients, retention, sources, automated decisions, transfers) and the
// rights its privacy center offers.
package org
