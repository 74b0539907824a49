package workflows

import (
	"context"

	"github.com/kactoily/privacydesk/models"
)

// FileTogether writes ins as one intake batch, exactly as concurrent
// Submits gathered by the batcher are written, and returns each filing's
// answer in order. ids[i], when not "", is the id filing i is given.
func (s *Service) FileTogether(ins []NewRequest, ids []string) ([]*models.Request, []error) {
	rs, errs := make([]*models.Request, len(ins)), make([]error, len(ins))
	var batch []*filing
	var at []int
	for i, in := range ins {
		if errs[i] = in.Validate(); errs[i] != nil {
			continue
		}
		f := &filing{ctx: context.Background(), in: in, id: newRequestID(), res: make(chan filed, 1)}
		if i < len(ids) && ids[i] != "" {
			f.id = ids[i]
		}
		batch, at = append(batch, f), append(at, i)
	}
	s.writeBatch(batch)
	for k, f := range batch {
		a := <-f.res
		rs[at[k]], errs[at[k]] = a.r, a.err
	}
	return rs, errs
}

// UniqueJob exposes uniqueJob to the tests.
var UniqueJob = uniqueJob
