package bench_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/migrations"
)

// benchCache is the folder the seeded databases are kept in between runs.
var benchCache = filepath.Join(os.TempDir(), "privacydesk-bench")

// seedVersion names what seed builds on the schema of dialect's
// migrations, so a cached database is rebuilt when either changes.
func seedVersion(tb testing.TB, dialect, seed string) string {
	tb.Helper()
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", seed)
	err := fs.WalkDir(migrations.FS, dialect, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.FS.ReadFile(p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// cachedSQLiteFile makes sure the SQLite file at path exists and says how
// it got there: unless it is there already (and PRIVACYDESK_BENCH_FRESH is
// unset), build writes it into a file beside it (given as tmp, closed when
// build returns), renamed once done so an interrupted run leaves no half
// file.
func cachedSQLiteFile(tb testing.TB, path string, build func(tmp string) (time.Duration, error)) (seeding string) {
	tb.Helper()
	if _, err := os.Stat(path); err == nil && os.Getenv("PRIVACYDESK_BENCH_FRESH") == "" {
		return "cached " + path
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	defer os.Remove(tmp)
	took, err := build(tmp)
	if err != nil {
		tb.Fatalf("seed %s: %v", filepath.Base(path), err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	return fmt.Sprintf("seeded in %.1fs (now cached at %s)", took.Seconds(), path)
}
