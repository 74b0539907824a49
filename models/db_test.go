package models_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/models"
)

// TestSQLiteWALIsCheckpointedInTheBackgroundNotByACommit writes about
// 2 MiB (500 pages) to a fresh SQLite database: too little for a commit to
// checkpoint (every connection's automatic checkpoint is moved out to 64
// MiB), so only the background checkpointer can have copied the pages into
// the database file, which it does within a few of its ticks; after Close
// it has stopped and the file holds everything.
func TestSQLiteWALIsCheckpointedInTheBackgroundNotByACommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal.db")
	db, err := models.Open(t.Context(), "sqlite:"+path, models.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.SQL.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := conn.QueryRowContext(t.Context(), "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != 16000 {
		t.Fatalf("a connection checkpoints itself after %d pages (%v), want 16000", pages, err)
	}
	conn.Close()
	if err := db.Exec("CREATE TABLE filler (body TEXT NOT NULL)").Error; err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	before := size()
	body := strings.Repeat("x", 4000)
	for range 500 {
		if err := db.Exec("INSERT INTO filler (body) VALUES (?)", body).Error; err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() < before+1<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes (%d before 2 MiB of writes): the WAL was not checkpointed", size(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil && !strings.Contains(err.Error(), "closed") {
		t.Fatalf("second Close: %v", err)
	}
}
