package workflows

import (
	"context"
	"os"
	"path/filepath"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/export"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
)

// buildExport writes the requester's access export under the data folder
// (package export) and records it with its audit event. Run again after an
// earlier run recorded one, it returns that one and writes nothing.
func (s *Service) buildExport(ctx context.Context, r *models.Request) (*models.Export, error) {
	if e, err := models.LatestExport(ctx, s.DB.DB, r.ID); err == nil {
		return e, nil // built by an earlier run of this job
	}
	sources := make([]export.Source, len(s.sources))
	for i, src := range s.sources {
		sources[i] = src
	}
	center := ""
	if s.Settings.BaseURL != "" {
		center = s.Settings.BaseURL + "/requests/new"
	}
	facts := export.Facts{Store: s.Settings.Org.Name, RequestID: r.ID, Generated: s.now(),
		Policy: s.Settings.Org.Statements, Rights: org.RightsOffered(), PrivacyCenter: center}
	f, err := export.Build(ctx, filepath.Join(s.Settings.DataDir, "exports"), s.Store.DB, sources, store.Subject{Email: r.Email}, facts)
	if err != nil {
		return nil, err
	}
	e := &models.Export{RequestID: r.ID, Path: f.Path, SizeBytes: f.SizeBytes, SHA256: f.SHA256,
		CreatedAt: s.now(), ExpiresAt: s.now().Add(ExportLife)}
	err = s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		return s.audit(ctx, tx, r, "system", "export_built", map[string]any{"bytes": e.SizeBytes, "sha256": e.SHA256})
	})
	if err != nil {
		os.Remove(f.Path)
		return nil, err
	}
	return e, nil
}
