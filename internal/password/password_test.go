package password

import (
	"fmt"
	"strings"
	"testing"
)

// TestHashChecksOnlyItsPasswordAndNeedsNoRehash proves a fresh hash is
// argon2id at the current parameters, matches its own password only, and
// is salted (two hashes of one password differ).
func TestHashChecksOnlyItsPasswordAndNeedsNoRehash(t *testing.T) {
	h := Hash("correct horse")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q, want argon2id at 19 MiB, 2 passes, 1 lane", h)
	}
	if !Check(h, "correct horse") || Check(h, "correct horsf") || Check(h, "") {
		t.Fatal("the hash does not match exactly its own password")
	}
	if NeedsRehash(h) {
		t.Fatal("a current hash needs rehashing")
	}
	if Hash("correct horse") == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
}

// TestMalformedOrCostlyHashesMatchNothingAndNeedRehash proves a stored
// hash that is not argon2id PHC, names another version, or asks for more
// than 256 MiB is refused at parsing, matches nothing, and is due for
// rehash; and that an old 64 MiB hash is due for rehash too.
func TestMalformedOrCostlyHashesMatchNothingAndNeedRehash(t *testing.T) {
	good := Hash("pw")
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	for name, h := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":        strings.Replace(good, "$argon2id$", "$argon2i$", 1),
		"old version":    strings.Replace(good, "$v=19$", "$v=16$", 1),
		"over 256 MiB":   fmt.Sprintf("$argon2id$v=19$m=%d,t=2,p=1$%s$%s", 256*1024+1, salt, key),
		"no passes":      fmt.Sprintf("$argon2id$v=19$m=19456,t=0,p=1$%s$%s", salt, key),
		"bad salt":       fmt.Sprintf("$argon2id$v=19$m=19456,t=2,p=1$%s$%s", "!!", key),
		"empty key":      fmt.Sprintf("$argon2id$v=19$m=19456,t=2,p=1$%s$", salt),
		"missing fields": "$argon2id$v=19$m=19456,t=2,p=1$" + salt,
	} {
		if _, ok := parsePHC(h); ok {
			t.Errorf("%s: %q parsed", name, h)
		}
		if Check(h, "pw") {
			t.Errorf("%s: %q matched", name, h)
		}
		if !NeedsRehash(h) {
			t.Errorf("%s: %q does not need rehashing", name, h)
		}
	}
	legacy := fmt.Sprintf("$argon2id$v=19$m=%d,t=3,p=2$%s$%s", 64*1024, salt, key)
	if !NeedsRehash(legacy) {
		t.Error("a 64 MiB, 3-pass hash does not need rehashing")
	}
}

// TestGenerateGivesDistinct20CharacterURLSafePasswords proves generated
// passwords are 20 URL-safe characters and not repeated.
func TestGenerateGivesDistinct20CharacterURLSafePasswords(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := Generate()
		if len(p) != 20 || strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("generated %q, want 20 URL-safe characters", p)
		}
		if seen[p] {
			t.Fatalf("generated %q twice", p)
		}
		seen[p] = true
	}
}
