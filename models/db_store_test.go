package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

func TestParseStoreDatabaseURLTurnsMySQLURLIntoDriverDSN(t *testing.T) {
	cases := []struct {
		url                         string
		user, pass, addr, db, colla string
		params                      map[string]string
	}{
		{url: "mysql://shop:s3cret@db.example.com:3307/wordpress", user: "shop", pass: "s3cret", addr: "db.example.com:3307", db: "wordpress"},
		{url: "mysql://root@127.0.0.1/test", user: "root", addr: "127.0.0.1:3306", db: "test"},
		{url: "mysql://u:p%40ss%2Fw%3Ard@[::1]:3306/shop?timeout=5s&collation=utf8mb4_unicode_ci", user: "u", pass: "p@ss/w:rd", addr: "[::1]:3306", db: "shop", colla: "utf8mb4_unicode_ci"},
		{url: "mysql://u@h:1/d?sql_mode=%27ANSI_QUOTES%27", user: "u", addr: "h:1", db: "d", params: map[string]string{"sql_mode": "'ANSI_QUOTES'"}},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			dialect, dsn, err := models.ParseStoreDatabaseURL(c.url)
			if err != nil {
				t.Fatal(err)
			}
			if dialect != models.DialectMySQL {
				t.Fatalf("dialect %q, want mysql", dialect)
			}
			cfg, err := mysql.ParseDSN(dsn)
			if err != nil {
				t.Fatalf("driver cannot parse %q: %v", dsn, err)
			}
			if cfg.User != c.user || cfg.Passwd != c.pass || cfg.Net != "tcp" || cfg.Addr != c.addr || cfg.DBName != c.db {
				t.Errorf("got user %q pass %q net %q addr %q db %q", cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName)
			}
			if !cfg.ParseTime || cfg.Loc.String() != "UTC" || !strings.Contains(dsn, "charset=utf8mb4") {
				t.Errorf("dsn %q lacks parseTime, loc=UTC or charset=utf8mb4", dsn)
			}
			if cfg.Collation != c.colla {
				t.Errorf("collation %q, want %q", cfg.Collation, c.colla)
			}
			for k, v := range c.params {
				if cfg.Params[k] != v {
					t.Errorf("param %s = %q, want %q", k, cfg.Params[k], v)
				}
			}
		})
	}
}

func TestParseStoreDatabaseURLRefusesBadMySQLURLWithoutShowingPassword(t *testing.T) {
	cases := []struct{ url, want string }{
		{"mysql://shop:hunter2@/wordpress", "names no host"},
		{"mysql://shop:hunter2@db:3306", "must name one database"},
		{"mysql://shop:hunter2@db:3306/", "must name one database"},
		{"mysql://shop:hunter2@db:3306/a/b", "must name one database"},
		{"mysql://shop:hunter2@db:3306/shop?parseTime=false", "parseTime is set by Privacy Desk"},
		{"mysql://shop:hunter2@db:3306/shop?loc=Local", "loc is set by Privacy Desk"},
		{"mysql://shop:hunter2@db:3306/shop?charset=latin1", "charset is set by Privacy Desk"},
		{"mysql://shop:hunter2@db:3306/shop?timeout=soon", "timeout"},
		{"mysql://shop:hunter2@db:3306/shop#x", "fragment"},
		{"mysql://shop:hunter2@db:port/shop", "not a valid URL"},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			_, _, err := models.ParseStoreDatabaseURL(c.url)
			if models.ErrorCode(err) != models.EInvalid {
				t.Fatalf("err = %v, want an EInvalid error", err)
			}
			msg := models.ErrorMessage(err)
			if !strings.Contains(msg, c.want) {
				t.Errorf("message %q does not say %q", msg, c.want)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("message %q shows the password", msg)
			}
		})
	}
}

func TestOwnDatabaseRefusesMySQL(t *testing.T) {
	_, _, err := models.ParseDatabaseURL("mysql://root@127.0.0.1:3306/test")
	if models.ErrorCode(err) != models.EInvalid || !strings.Contains(models.ErrorMessage(err), "only the store's database") {
		t.Fatalf("err = %v, want EInvalid saying MySQL is only for the store", err)
	}
	if _, _, err := models.ParseStoreDatabaseURL("sqlite:/tmp/x.db"); err != nil {
		t.Fatalf("store on SQLite: %v", err)
	}
}

func TestOpenStoreOnMariaDBReadsTimesInUTCAndKeepsUnicode(t *testing.T) {
	db, err := models.OpenStore(context.Background(), testdb.MySQLURL(t), models.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Dialect != models.DialectMySQL {
		t.Fatalf("dialect %q", db.Dialect)
	}
	if err := db.Exec("CREATE TABLE people (id BIGINT PRIMARY KEY, name VARCHAR(50), seen DATETIME) CHARACTER SET utf8mb4").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("INSERT INTO people VALUES (1, ?, '2026-03-01 12:30:00')", "Zoë 🐧 Ødegård").Error; err != nil {
		t.Fatal(err)
	}
	var name string
	var seen time.Time
	if err := db.Raw("SELECT name, seen FROM people WHERE id = 1").Row().Scan(&name, &seen); err != nil {
		t.Fatalf("scan (parseTime must give time.Time): %v", err)
	}
	if name != "Zoë 🐧 Ødegård" {
		t.Errorf("name %q: utf8mb4 lost", name)
	}
	if seen.Location() != time.UTC || seen.Hour() != 12 {
		t.Errorf("seen %v, want 12:30 UTC", seen)
	}
	if _, err := db.Migrate(context.Background()); models.ErrorCode(err) != models.EInvalid {
		t.Errorf("Migrate on a MySQL store = %v, want EInvalid", err)
	}
}
