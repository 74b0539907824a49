// Package models holds Privacy Desk's data: GORM models for requests, audit
// events, email outbox and the store's records, and the queries on them.
package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects a database URL can name.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
	DialectMySQL    = "mysql" // the store's database only, never Privacy Desk's own
)

// DB is an open database: GORM on top, the *sql.DB below (for goose and River),
// and which dialect it speaks.
type DB struct {
	*gorm.DB
	SQL     *sql.DB
	Dialect string

	stopCheckpoints func() // SQLite: ends the background checkpointer
	log             *slog.Logger
}

// OpenOptions tune Open; zero values are sensible defaults.
type OpenOptions struct {
	Logger        *slog.Logger
	Now           func() time.Time
	SlowThreshold time.Duration
	MaxOpenConns  int
}

// ParseDatabaseURL splits a `sqlite:PATH` or `postgres://…` URL into dialect
// and driver DSN. It returns an EInvalid error for anything else.
func ParseDatabaseURL(url string) (dialect, dsn string, err error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return DialectPostgres, url, nil
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			return "", "", Errorf(EInvalid, "database URL %q names no file", url)
		}
		if strings.ContainsAny(path, "?#") {
			return "", "", Errorf(EInvalid, "database URL %q: options are set by Privacy Desk, give only the path", url)
		}
		return DialectSQLite, path, nil
	case strings.HasPrefix(url, "mysql://"):
		return "", "", Errorf(EInvalid, "MySQL/MariaDB can be only the store's database (PRIVACYDESK_STORE_DATABASE_URL); Privacy Desk's own database must be sqlite: or postgres://")
	}
	return "", "", Errorf(EInvalid, "database URL must start with sqlite: or postgres:// (got %q)", redactURL(url))
}

func redactURL(url string) string {
	if i := strings.Index(url, "@"); i >= 0 {
		if j := strings.Index(url, "://"); j >= 0 && j < i {
			return url[:j+3] + "…" + url[i:]
		}
	}
	return url
}

// Open connects to Privacy Desk's own database named by url (sqlite: or
// postgres://). SQLite files get WAL, foreign keys, a busy timeout and
// immediate write transactions (one writer at a time), and their WAL is
// checkpointed in the background (see checkpointEvery). A bad URL is an
// EInvalid error; a database that does not answer, a wrapped driver error.
func Open(ctx context.Context, url string, opt OpenOptions) (*DB, error) {
	dialect, dsn, err := ParseDatabaseURL(url)
	if err != nil {
		return nil, err
	}
	return open(ctx, dialect, dsn, opt)
}

func open(ctx context.Context, dialect, dsn string, opt OpenOptions) (*DB, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.SlowThreshold == 0 {
		opt.SlowThreshold = 500 * time.Millisecond
	}
	var dialector gorm.Dialector
	switch dialect {
	case DialectSQLite:
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
		dialector = sqlite.New(sqlite.Config{DriverName: sqliteDriver(),
			DSN: "file:" + dsn + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate&_synchronous=NORMAL&_stmt_cache_size=64"})
	case DialectPostgres:
		dialector = postgres.Open(dsn)
	case DialectMySQL:
		dialector = mysql.Open(dsn)
	}
	now := opt.Now
	gdb, err := gorm.Open(dialector, &gorm.Config{
		TranslateError: true,
		NowFunc:        func() time.Time { return now().UTC() },
		Logger: logger.NewSlogLogger(opt.Logger, logger.Config{
			SlowThreshold:             opt.SlowThreshold,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true, // never log customers' emails or token hashes
		}),
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	if dialect == DialectSQLite {
		// WAL allows many readers; writes are serialized by _txlock=immediate
		// and the busy timeout.
		sqlDB.SetMaxOpenConns(max(opt.MaxOpenConns, 8))
	} else if opt.MaxOpenConns > 0 {
		sqlDB.SetMaxOpenConns(opt.MaxOpenConns)
	} else {
		sqlDB.SetMaxOpenConns(20)
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if dialect == DialectMySQL {
		// The server closes idle connections after wait_timeout; retire
		// them first so a query never meets a dead one.
		sqlDB.SetConnMaxLifetime(3 * time.Minute)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	db := &DB{DB: gdb, SQL: sqlDB, Dialect: dialect, log: opt.Logger}
	if dialect == DialectSQLite {
		db.stopCheckpoints = checkpointInBackground(sqlDB, opt.Logger)
	}
	return db, nil
}

// UsePool closes db's connection pool and uses pool, a pool on the same
// database (as a benchmark's statement timer opens it), from now on; the
// background checkpointer moves to it too.
func (db *DB) UsePool(pool *sql.DB) error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	if err := db.SQL.Close(); err != nil {
		return err
	}
	db.DB.Config.ConnPool, db.DB.Statement.ConnPool, db.SQL = pool, pool, pool
	if db.Dialect == DialectSQLite {
		db.stopCheckpoints = checkpointInBackground(pool, db.log)
	}
	return nil
}

// Close stops the background checkpointer and closes the connection pool.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	return db.SQL.Close()
}

// SQLite would checkpoint its WAL (copy the committed pages into the
// database file, and fsync it) inside whichever commit takes the WAL past
// 1,000 pages, so that commit, and every write waiting for the one writer,
// would wait for the disk: intake's batch writer lost half its time that
// way. Instead a goroutine checkpoints every checkpointEvery (PASSIVE:
// writers and readers carry on meanwhile), and a commit checkpoints only
// past walFallbackPages, should the goroutine ever fall behind.
const (
	checkpointEvery  = 200 * time.Millisecond
	walFallbackPages = 16000 // 64 MiB of 4 KiB pages
)

var registerSQLite sync.Once

// sqliteDriver is go-sqlite3 with every connection's automatic checkpoint
// moved out to walFallbackPages.
func sqliteDriver() string {
	const name = "sqlite3_privacydesk"
	registerSQLite.Do(func() {
		sql.Register(name, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint=%d", walFallbackPages), nil)
			return err
		}})
	})
	return name
}

// checkpointInBackground checkpoints db's WAL every checkpointEvery until
// the returned stop is called.
func checkpointInBackground(db *sql.DB, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil && ctx.Err() == nil {
				log.Warn("checkpoint the SQLite WAL", "err", err)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }
