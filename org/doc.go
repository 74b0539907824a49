// Package org holds what the organization states about its processing:
// the GDPR Art. 15 statements an access answer gives (purposes, categories,
// recipients, retention, sources, automated decisions, transfers), who it
// is, its privacy policy, the third parties it tells of deletions and
// opt-outs, and the rights its privacy center offers. The facts come from
// an organization file (Load), Kactoily's being built in (Default).
package org
