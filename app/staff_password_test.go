package app_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/internal/testdb"
	"github.com/kactoily/privacydesk/models"
)

// legacyHash is a hash as earlier versions made them: argon2id, 64 MiB,
// 3 passes, 2 lanes.
func legacyHash(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, 3, 64*1024, 2, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, 64*1024, 3, 2,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func TestPasswordsHashedAtOWASPMinimumAndOld64MiBHashesStillSignInAndAreUpgraded(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := testapp.New(t, dialect, testapp.Options{DBSessions: true, Limits: wideLimits, NoJobs: true})
		a.AddStaff(t, "new@kactoily.example", "New Agent", models.RoleAgent)
		const current = "$argon2id$v=19$m=19456,t=2,p=1$"
		if h := staffUser(t, a, "new@kactoily.example").PasswordHash; !strings.HasPrefix(h, current) {
			t.Fatalf("new hash %q, want argon2id at 19 MiB, 2 passes, 1 lane", h)
		}

		pw := a.AddStaff(t, "old@kactoily.example", "Old Agent", models.RoleAgent)
		old := legacyHash(pw)
		if err := a.DB.Model(&models.StaffUser{}).Where("email = ?", "old@kactoily.example").Update("password_hash", old).Error; err != nil {
			t.Fatal(err)
		}
		wantStatus(t, newBrowser(a).login(t, "old@kactoily.example", pw+"x"), http.StatusUnauthorized, "")
		if h := staffUser(t, a, "old@kactoily.example").PasswordHash; h != old {
			t.Fatal("a failed sign-in changed the stored hash")
		}
		a.Login(t, newBrowser(a).c, "old@kactoily.example", pw)
		upgraded := staffUser(t, a, "old@kactoily.example").PasswordHash
		if !strings.HasPrefix(upgraded, current) {
			t.Fatalf("after signing in with a 64 MiB hash it is %q, want it rehashed at the current parameters", upgraded)
		}
		a.Login(t, newBrowser(a).c, "old@kactoily.example", pw)
		if h := staffUser(t, a, "old@kactoily.example").PasswordHash; h != upgraded {
			t.Fatal("a current hash was rehashed again")
		}
	})
}
