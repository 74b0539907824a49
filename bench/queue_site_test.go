package bench_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kactoily/privacydesk/app"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/mail"
	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/templates"
	"github.com/kactoily/privacydesk/workflows"
)

// queueSite is the whole application serving one seeded database over real
// HTTP, with a staff member signed in.
type queueSite struct {
	N       int
	URL     string // database URL
	DB      *models.DB
	HTTP    *httptest.Server
	Client  *http.Client // carries the session cookie; does not follow redirects
	Seeding string       // how the data got there, for the report
}

// openQueueSite seeds (or reuses) a database of n requests and serves it
// as `privacydesk serve` would: the production DSN through models.Open,
// sessions in the database, the real handler stack.
func openQueueSite(tb testing.TB, dialect string, n int) *queueSite {
	tb.Helper()
	ctx := context.Background()
	site := &queueSite{N: n}
	if dialect == models.DialectSQLite {
		site.URL, site.Seeding = cachedSQLite(tb, n)
	} else {
		site.URL = testdb.URL(tb, dialect)
	}
	db, err := models.Open(ctx, site.URL, models.OpenOptions{Now: func() time.Time { return queueNow }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	site.DB = db
	if err := migrateQueueDB(ctx, db); err != nil {
		tb.Fatal(err)
	}
	if dialect == models.DialectPostgres {
		start := time.Now()
		if err := seedQueue(ctx, db, n); err != nil {
			tb.Fatal(err)
		}
		// Autovacuum analyzes a table this changed within a minute; do it now.
		if err := db.Exec("ANALYZE").Error; err != nil {
			tb.Fatal(err)
		}
		site.Seeding = fmt.Sprintf("seeded in %.1fs", time.Since(start).Seconds())
	}

	renderer, err := mail.NewRenderer(templates.FS)
	if err != nil {
		tb.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	log := slog.New(slog.DiscardHandler)
	svc, err := workflows.NewService(ctx, workflows.Deps{
		DB: db, Renderer: renderer, Log: log, Now: func() time.Time { return queueNow },
		Metrics: workflows.NewMetrics(reg), Jobs: workflows.JobOptions{Disabled: true},
		Settings: workflows.Settings{BaseURL: "http://127.0.0.1", MailFrom: "privacy@kactoily.example"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	var store scs.Store
	if dialect == models.DialectPostgres {
		st := postgresstore.NewWithCleanupInterval(db.SQL, 10*time.Minute)
		tb.Cleanup(st.StopCleanup)
		store = st
	} else {
		st := sqlite3store.NewWithCleanupInterval(db.SQL, 10*time.Minute)
		tb.Cleanup(st.StopCleanup)
		store = st
	}
	s, err := app.NewServer(app.Options{Intake: svc, Requester: svc, Staff: svc, Casework: svc, Reports: svc, Logger: log, Registry: reg, Sessions: store})
	if err != nil {
		tb.Fatal(err)
	}
	site.HTTP = httptest.NewServer(s.Handler())
	tb.Cleanup(site.HTTP.Close)
	jar, _ := cookiejar.New(nil)
	site.Client = &http.Client{Jar: jar, Timeout: time.Minute, Transport: &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tb.Cleanup(site.Client.CloseIdleConnections)
	site.signIn(tb)
	return site
}

func migrateQueueDB(ctx context.Context, db *models.DB) error {
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	return workflows.MigrateJobs(ctx, db)
}

// signIn posts the sign-in form as a browser would and keeps the cookie.
func (s *queueSite) signIn(tb testing.TB) {
	tb.Helper()
	form := url.Values{"email": {queueMeEmail}, "password": {queuePassword}}
	resp, err := s.Client.PostForm(s.HTTP.URL+"/staff/login", form)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/staff/queue" {
		tb.Fatalf("sign in: got %d to %q, want 303 to /staff/queue", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// get fetches a staff page and returns its body; anything but 200 fails.
func (s *queueSite) get(tb testing.TB, path string) string {
	resp, err := s.Client.Get(s.HTTP.URL + path)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d\n%.500s", path, resp.StatusCode, b)
	}
	return string(b)
}

// cachedSQLite returns the URL of a SQLite file holding n seeded requests,
// building it once per schema and seed version under the temp dir.
// PRIVACYDESK_BENCH_FRESH=1 rebuilds it.
func cachedSQLite(tb testing.TB, n int) (dbURL, seeding string) {
	tb.Helper()
	version := seedVersion(tb, models.DialectSQLite, fmt.Sprintf("seed %s n %d", queueSeedVersion, n))
	path := filepath.Join(benchCache, fmt.Sprintf("queue-%d-%s.db", n, version))
	return "sqlite:" + path, cachedSQLiteFile(tb, path, func(tmp string) (time.Duration, error) {
		ctx := context.Background()
		db, err := models.Open(ctx, "sqlite:"+tmp, models.OpenOptions{Now: func() time.Time { return queueNow }})
		if err != nil {
			return 0, err
		}
		start := time.Now()
		err = migrateQueueDB(ctx, db)
		if err == nil {
			err = seedQueue(ctx, db, n)
		}
		took := time.Since(start)
		if cerr := db.Close(); err == nil { // the last close checkpoints the WAL into the file
			err = cerr
		}
		return took, err
	})
}

// rowsIn counts the queue rows on a rendered page.
func rowsIn(page string) int { return strings.Count(page, `" class="mono">PD-`) }
