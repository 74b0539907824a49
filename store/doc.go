// Package store finds, exports and erases a person's records in the
// store's database, as the dataset files describe.
//
// A dataset file (YAML, see DatasetFile) says how a person's account is
// found, which tables hold their data and how each row belongs to them,
// what the access export shows, and what erasure does, down to the legal
// reason a kept row is kept for and when the retention job deletes it.
// LoadDatasets reads and validates files; DemoDatasets is the built-in
// file of the demo store (datasets/demo.yaml). Each described source is
// an Engine, the one implementation of the Source contract the request
// lifecycle calls (Collect, PlanErasure, Erase).
//
// The demo store's GORM models (demo_*.go) are here only so the seeder
// and tests can create demo data; the engine never uses them.
package store
