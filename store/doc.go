// Package store finds, exports and erases a person's records in the
// store's database: the Source contract that the request lifecycle calls
// (Collect, PlanErasure, Erase), the sources themselves, and the queries
// and models of the demo store they read.
package store
