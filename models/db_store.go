package models

import (
	"context"
	"net"
	neturl "net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// ParseStoreDatabaseURL splits the store's database URL into dialect and
// driver DSN. The store may be on SQLite or PostgreSQL, as ParseDatabaseURL
// accepts, or on MySQL/MariaDB:
//
//	mysql://user:password@host:port/database?option=value
//
// where the port defaults to 3306 and the options are the driver's (tls,
// timeout, readTimeout, collation…). Privacy Desk sets parseTime=true,
// charset utf8mb4 and loc=UTC itself. It returns an EInvalid error, with
// any password hidden, for a URL it cannot use.
func ParseStoreDatabaseURL(url string) (dialect, dsn string, err error) {
	if strings.HasPrefix(url, "mysql://") {
		dsn, err := mysqlDSN(url)
		if err != nil {
			return "", "", err
		}
		return DialectMySQL, dsn, nil
	}
	return ParseDatabaseURL(url)
}

// OpenStore connects to the store's database named by url, as Open does,
// and also to MySQL/MariaDB (ParseStoreDatabaseURL). Privacy Desk never
// migrates this database: it only reads and erases what the dataset files
// describe. A bad URL is an EInvalid error; a database that does not answer,
// a wrapped driver error.
func OpenStore(ctx context.Context, url string, opt OpenOptions) (*DB, error) {
	dialect, dsn, err := ParseStoreDatabaseURL(url)
	if err != nil {
		return nil, err
	}
	return open(ctx, dialect, dsn, opt)
}

// mysqlOwnOptions are the DSN options Privacy Desk sets itself: the sources
// need DATETIME columns as time.Time in UTC, and all of Unicode in names.
var mysqlOwnOptions = []string{"parseTime", "loc", "charset"}

func mysqlDSN(raw string) (string, error) {
	shown := redactURL(raw)
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", Errorf(EInvalid, "database URL %q is not a valid URL", shown)
	}
	if u.Hostname() == "" {
		return "", Errorf(EInvalid, "database URL %q names no host (mysql://user:password@host:port/database)", shown)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.Contains(name, "/") {
		return "", Errorf(EInvalid, "database URL %q must name one database after the host (mysql://user:password@host:port/database)", shown)
	}
	if u.Fragment != "" {
		return "", Errorf(EInvalid, "database URL %q: remove the #fragment", shown)
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	q := u.Query()
	for _, k := range mysqlOwnOptions {
		if q.Has(k) {
			return "", Errorf(EInvalid, "database URL %q: %s is set by Privacy Desk, remove it", shown, k)
		}
	}
	base := mysql.NewConfig()
	base.User = u.User.Username()
	base.Passwd, _ = u.User.Password()
	base.Net = "tcp"
	base.Addr = net.JoinHostPort(u.Hostname(), port)
	base.DBName = name
	dsn := base.FormatDSN()
	if len(q) > 0 {
		dsn += "?" + q.Encode()
	}
	// The driver validates its own options (and sets TLS's server name from
	// the host), so the whole DSN goes through its parser.
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", Errorf(EInvalid, "database URL %q: %s", shown, strings.TrimPrefix(err.Error(), "invalid DSN: "))
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if err := cfg.Apply(mysql.Charset("utf8mb4", cfg.Collation)); err != nil {
		return "", Errorf(EInvalid, "database URL %q: %v", shown, err)
	}
	return cfg.FormatDSN(), nil
}
