package store

// An Engine is the one implementation of Source: it finds, exports and
// erases the rows of one described source (SourceSpec) by what its
// dataset file says, on SQLite, PostgreSQL and MySQL/MariaDB.
type Engine struct {
	person *PersonSpec
	spec   *SourceSpec
	all    []*Engine // every engine of the same Datasets, this one included
}

func newEngine(p *PersonSpec, s *SourceSpec) *Engine {
	return &Engine{person: p, spec: s}
}

// Spec returns the source's description as parsed.
func (e *Engine) Spec() *SourceSpec { return e.spec }
