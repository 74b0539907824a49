// Package reliability holds tests that run the privacydesk program (as
// cmd/privacydesk's test binary, which lets a test shorten job timings)
// through crashes, a mail-server outage, load and a second instance on the
// same database, and check that nothing accepted is lost and nothing is done
// twice. It has no code of its own. The long tests (the load test, the full
// crash test) run with PRIVACYDESK_LONG=1, as .ci/run sets.
package reliability
