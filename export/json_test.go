package export

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/store"
)

// TestAppendRecordJSONMatchesEncodingJSON checks the hand-written record
// encoder against encoding/json on awkward values.
func TestAppendRecordJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{nil, "", "plain", `quote " backslash \ slash /`, "tab\tnew\nline\rcr", "\x00\x01\x1f\x7f",
		"<script>&amp;</script>", "Ünïcødé – 日本語 🎉", "line\u2028sep\u2029", "bad \xff utf-8", int64(-42), 7, true, false,
		time.Date(2026, 3, 2, 10, 4, 5, 123456789, time.UTC), time.Date(2026, 3, 2, 10, 4, 5, 0, time.FixedZone("X", 3600)), 3.5}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONValue(nil, v); string(got) != string(want) {
			t.Errorf("%#v: got %s, want %s", v, got, want)
		}
	}
	rec := store.Record{Kind: "order", ID: 12, Fields: []store.Field{{Name: "b", Value: "x<y"}, {Name: "a", Value: int64(3)}, {Name: "c", Value: nil}}}
	got := string(appendRecordJSON(nil, rec))
	if want := `{"kind":"order","id":12,"data":{"b":"x\u003cy","a":3,"c":null}}` + "\n"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var back map[string]any
	if err := json.NewDecoder(strings.NewReader(got)).Decode(&back); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
}
