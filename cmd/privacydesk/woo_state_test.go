package main

import (
	"bytes"
	"testing"

	"github.com/kactoily/privacydesk/internal/wooshop"
	"github.com/kactoily/privacydesk/models"
)

// wooSecrets are values of the seeded shop that no export may hold: the
// password hashes, a session token, the capabilities row, other
// customers' data and the support agent's name.
var wooSecrets = []string{
	"$wp$2y$10$", "5e1f0c9a7d2b4e8f", "session_tokens", "wp_capabilities",
	wooshop.OliviaEmail, "Olivia", "+44 161 496 0999",
	wooshop.AgentName, "Priya", "priya@shop.example", "handled_by",
}

func checkNoneOf(t *testing.T, files map[string][]byte, secrets ...string) {
	t.Helper()
	for name, body := range files {
		for _, s := range secrets {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("%s holds %q", name, s)
			}
		}
	}
}

func checkHas(t *testing.T, files map[string][]byte, name string, wants ...string) {
	t.Helper()
	body, ok := files[name]
	if !ok {
		t.Fatalf("export lacks %s; has %v", name, keys(files))
	}
	for _, w := range wants {
		if !bytes.Contains(body, []byte(w)) {
			t.Errorf("%s lacks %q:\n%.2000s", name, w, body)
		}
	}
}

// checkWooExport checks Dana's export: her account and its meta fields,
// her orders including the guest one found by email, their addresses and
// items, her support note with the agent redacted and her rating.
func checkWooExport(t *testing.T, files map[string][]byte) {
	t.Helper()
	checkHas(t, files, "data/account.json", "Dana.Whitfield@Example.com", "dana_w", "Dana Whitfield",
		"Whitfield", "+44 20 7946 0011", "12 Larch Lane", "Bristol", "BS1 4DJ", "Flat 3, 40 Quay Street")
	checkHas(t, files, "data/orders.json", `1001`, `1002`, `1003`, "DANA.WHITFIELD@example.com",
		"Merino Wool Beanie", "Trail Running Shoes", "Waxed Canvas Tote", "7 Old Mill Road", "Please leave it with the neighbour")
	checkHas(t, files, "data/support.json", "torn lace", "Shop support promised a replacement", "2 of 5")
	// The readable page shows the shop's records under the dataset's labels.
	checkHas(t, files, "index.html", "Your account", "Username", "dana_w", "Order number", "Billing email",
		"DANA.WHITFIELD@example.com", "Flat 3, 40 Quay Street", "torn lace")
	checkNoneOf(t, files, append(wooSecrets, "gus.guest@example.net", "Fleece Gloves", "Bamboo Water Bottle")...)
}

// checkGuestExport checks Gus's export: no account, his two guest orders
// (one older than 7 years) and his note, found by email alone.
func checkGuestExport(t *testing.T, files map[string][]byte) {
	t.Helper()
	checkHas(t, files, "data/orders.json", wooshop.GusEmail, "Gus.Guest@example.net", "Bamboo Water Bottle", "Rain Poncho", "3 Harbour Row")
	checkHas(t, files, "data/support.json", "resend my invoice")
	checkNoneOf(t, files, append(wooSecrets, "Dana Whitfield", "dana.whitfield", "dana_w", "Merino Wool Beanie")...)
}

// checkWooErased checks the shop's tables after Dana's deletion: the
// account row anonymized with unique placeholders, her described meta rows
// (the session tokens too) gone and the others' untouched, the old order gone with its address and
// item, the recent and guest orders kept anonymized for the tax law with
// their items, her note and rating gone, and nobody else's rows changed.
func checkWooErased(t *testing.T, db *models.DB) {
	t.Helper()
	var u struct{ UserLogin, UserEmail, DisplayName, UserPass string }
	if err := db.Raw("SELECT user_login, user_email, display_name, user_pass FROM wp_users WHERE ID = ?", wooshop.DanaID).Scan(&u).Error; err != nil {
		t.Fatal(err)
	}
	if u.UserEmail != "erased+1@invalid" || u.UserLogin != "erased-1" || u.DisplayName != "Deleted customer" || u.UserPass != "" {
		t.Errorf("account row after erasure: %+v", u)
	}
	counts := []struct {
		table, where string
		args         []any
		want         int64
	}{
		{"wp_users", "user_email LIKE ?", []any{"%@example.%"}, 1},                                 // Olivia's; Priya's is @shop.example
		{"wp_usermeta", "user_id = ? AND meta_key <> 'wp_capabilities'", []any{wooshop.DanaID}, 0}, // fields and session tokens
		{"wp_usermeta", "user_id = ?", []any{wooshop.OliviaID}, 4},
		{"wp_usermeta", "user_id = ?", []any{wooshop.AgentID}, 3},
		{"wp_wc_orders", "id = ?", []any{wooshop.DanaOldOrder}, 0},
		{"wp_wc_order_addresses", "order_id = ?", []any{wooshop.DanaOldOrder}, 0},
		{"wp_woocommerce_order_items", "order_id = ?", []any{wooshop.DanaOldOrder}, 0},
		{"wp_wc_orders", "id IN (?, ?) AND customer_id = 0 AND billing_email = concat('erased+order.', id, '@invalid') AND ip_address = '' AND user_agent = '' AND customer_note = '' AND privacy_anonymized_gmt IS NOT NULL",
			[]any{wooshop.DanaRecentOrder, wooshop.DanaGuestOrder}, 2},
		{"wp_wc_orders", "total_amount = 129 AND id = ?", []any{wooshop.DanaRecentOrder}, 1},
		{"wp_wc_order_addresses", "order_id IN (?, ?) AND first_name = '' AND address_1 = '' AND postcode = '' AND email IS NULL AND phone IS NULL AND country = 'GB'",
			[]any{wooshop.DanaRecentOrder, wooshop.DanaGuestOrder}, 3},
		{"wp_woocommerce_order_items", "order_id IN (?, ?)", []any{wooshop.DanaRecentOrder, wooshop.DanaGuestOrder}, 4},
		{"wp_wc_orders", "id IN (?, ?, ?) AND privacy_anonymized_gmt IS NULL AND billing_email LIKE '%@example.%'",
			[]any{wooshop.OliviaOrder, wooshop.GusRecentOrder, wooshop.GusOldOrder}, 3},
		{"wp_wc_order_addresses", "first_name IN ('Olivia', 'Gus')", nil, 3},
		{"wp_comments", "comment_ID = ?", []any{wooshop.DanaNote}, 0},
		{"wp_commentmeta", "comment_id = ? AND meta_key = 'satisfaction'", []any{wooshop.DanaNote}, 0},
		{"wp_comments", "comment_ID IN (?, ?)", []any{wooshop.OliviaNote, wooshop.GusNote}, 2},
		{"wp_commentmeta", "comment_id = ?", []any{wooshop.OliviaNote}, 2},
	}
	for _, c := range counts {
		if n := wooshop.Count(t, db, c.table, c.where, c.args...); n != c.want {
			t.Errorf("%s where %s: %d rows, want %d", c.table, c.where, n, c.want)
		}
	}
}
