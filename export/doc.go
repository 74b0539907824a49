// Package export writes a person's access export: one ZIP holding
// data/<source>.json and csv/<kind>.csv with every record the sources
// find about them, and index.html, a readable page of their latest records
// with what the organization's privacy policy says about them. It also
// writes the staff's CSV list of requests (RequestList), with the same
// formula-safe cells.
package export
