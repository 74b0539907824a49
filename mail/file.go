package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// FileMailer writes each message as an .eml file, readable only by the
// owner, for installations with no SMTP server.
type FileMailer struct {
	Dir string
	Log *slog.Logger
}

var _ Mailer = (*FileMailer)(nil)

// Send writes m to a new file in Dir and logs its path.
func (f *FileMailer) Send(ctx context.Context, m *Message) error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("create mail folder: %w", err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("%s-%s.eml", time.Now().UTC().Format("20060102T150405.000000000"), hex.EncodeToString(b))
	path := filepath.Join(f.Dir, name)
	tmp := path + ".tmp"
	file, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create email file: %w", err)
	}
	if _, err := m.WriteTo(file); err != nil {
		file.Close()
		os.Remove(tmp)
		return fmt.Errorf("write email file: %w", err)
	}
	if err := file.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write email file: %w", err)
	}
	// The rename makes the file appear whole or not at all.
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write email file: %w", err)
	}
	if f.Log != nil {
		f.Log.Info("email written", "path", path)
	}
	return nil
}
