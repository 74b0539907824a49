package workflows

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/store"
)

// PurgeRetention deletes what erasures kept only for a legal period once
// that period is over, as the datasets' keep rules say, keeping the
// privacy policy's promise that data is removed when no longer needed.
func (s *Service) PurgeRetention(ctx context.Context) (store.RetentionPurged, error) {
	return s.datasets.PurgeExpiredRetention(ctx, s.Store.DB, s.now())
}

// PurgeRetentionArgs is the daily job that runs PurgeRetention.
type PurgeRetentionArgs struct{}

// Kind names the job.
func (PurgeRetentionArgs) Kind() string { return "purge_retention" }

type purgeRetentionWorker struct {
	river.WorkerDefaults[PurgeRetentionArgs]
	s *Service
}

func (w *purgeRetentionWorker) Work(ctx context.Context, job *river.Job[PurgeRetentionArgs]) error {
	p, err := w.s.PurgeRetention(ctx)
	w.s.Metrics.job(job.Kind, err)
	if len(p) > 0 {
		args := make([]any, 0, 2*len(p))
		for _, kind := range slices.Sorted(maps.Keys(p)) {
			args = append(args, kind, p[kind])
		}
		w.s.Log.Info("retention period over: records deleted", args...)
	}
	return err
}

// Retention is a period given in calendar months, days and clock time.
type Retention struct {
	Months, Days int
	Clock        time.Duration
	text         string
}

// DefaultRequestRetention is CCPA regs §7101's 24 months of request records.
var DefaultRequestRetention = Retention{Months: 24, text: "24m"}

// ParseRetention reads a period: "24m" (months, not minutes), "2y",
// "730d" or a Go duration in hours such as "17520h"; "" is the default.
// It must be at least a day.
func ParseRetention(s string) (Retention, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultRequestRetention, nil
	}
	bad := fmt.Errorf("give a period like 24m (months), 2y, 730d or 17520h (got %q)", s)
	r := Retention{text: s}
	if strings.HasSuffix(s, "h") {
		d, err := time.ParseDuration(s)
		if err != nil {
			return r, bad
		}
		r.Clock = d
	} else {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n < 0 || n > 1200 {
			return r, bad
		}
		switch s[len(s)-1] {
		case 'm':
			r.Months = n
		case 'y':
			r.Months = 12 * n
		case 'd':
			r.Days = n
		default:
			return r, bad
		}
	}
	if r.Months == 0 && r.Days == 0 && r.Clock < 24*time.Hour {
		return r, fmt.Errorf("the period must be at least a day (got %q)", s)
	}
	return r, nil
}

// Before returns the moment the period before t began.
func (r Retention) Before(t time.Time) time.Time {
	return t.AddDate(0, -r.Months, -r.Days).Add(-r.Clock)
}

// String returns the period as it was written.
func (r Retention) String() string { return r.text }

func (s *Service) requestRetention() Retention {
	if s.Settings.RequestRetention == (Retention{}) {
		return DefaultRequestRetention
	}
	return s.Settings.RequestRetention
}

// PurgeRequestRecords removes the personal data of requests closed longer
// ago than the retention period (CCPA regs §7101 asks for 24 months of
// request records): email, name, details, free-text reasons, notes' text,
// outbox recipients and data, collection samples and tokens. What the
// compliance report counts (id, type, status, dates) and the audit trail
// stay, and an audit event records each purge. It returns how many
// requests it purged.
func (s *Service) PurgeRequestRecords(ctx context.Context) (int, error) {
	ret := s.requestRetention()
	cutoff := ret.Before(s.now())
	total := 0
	for {
		ids, err := models.RequestsPastRetention(ctx, s.DB.DB, cutoff, expireBatch)
		if err != nil {
			return total, err
		}
		for _, id := range ids {
			_, err := s.onRequest(ctx, id, func(tx *gorm.DB, r *models.Request) error {
				if err := models.PurgeRequestPersonalData(ctx, tx, id, isStandardDenial, s.now()); err != nil {
					return err
				}
				return s.audit(ctx, tx, r, "system", "purge_personal_data", map[string]any{"retention": ret.String()})
			})
			if errors.Is(err, models.ErrNotFound) {
				continue // purged by another run meanwhile
			}
			if err != nil {
				return total, fmt.Errorf("purge request %s: %w", id, err)
			}
			total++
		}
		if len(ids) < expireBatch {
			return total, nil
		}
	}
}

func isStandardDenial(reason string) bool { return slices.Contains(DenialReasons, reason) }

// PurgeRequestRecordsArgs is the daily job that runs PurgeRequestRecords.
type PurgeRequestRecordsArgs struct{}

// Kind names the job.
func (PurgeRequestRecordsArgs) Kind() string { return "purge_request_records" }

type purgeRequestRecordsWorker struct {
	river.WorkerDefaults[PurgeRequestRecordsArgs]
	s *Service
}

func (w *purgeRequestRecordsWorker) Work(ctx context.Context, job *river.Job[PurgeRequestRecordsArgs]) error {
	n, err := w.s.PurgeRequestRecords(ctx)
	w.s.Metrics.job(job.Kind, err)
	if n > 0 {
		w.s.Log.Info("retention period over: requests' personal data removed", "requests", n, "retention", w.s.requestRetention().String())
	}
	return err
}
