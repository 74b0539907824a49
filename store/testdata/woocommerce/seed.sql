-- A few customers of the WooCommerce-shaped shop, for MariaDB and SQLite
-- alike. {{ago N}} stands for the time N days before the test's now (UTC),
-- so "older than 7 years" stays true whenever the tests run.
--
-- Dana Whitfield (user 1): an account with meta rows (names, billing and
--   shipping address, phone; a session token and capabilities never
--   exported), an order older than 7 years (1001), a recent one (1002), a
--   guest order placed without signing in, found by her email (1003), and a
--   support note naming the agent Priya Shah, who handled it (comment meta
--   handled_by, as the shop's support plugin records it) and her rating.
-- Olivia Other (user 2): another customer, never touched by Dana's requests.
-- Priya Shah (user 3): the shop's support agent.
-- Gus Guest: no account, only guest orders (1005 recent, 1006 old) and a note.

INSERT INTO wp_users (ID, user_login, user_pass, user_nicename, user_email, user_registered, user_activation_key, display_name) VALUES
 (1, 'dana_w', '$wp$2y$10$Qm9ndXNIYXNoRGFuYVdoaXRmaWVsZC4uLi4uLi4uLi4uLi4u', 'dana_w', 'Dana.Whitfield@Example.com', '{{ago 3400}}', '', 'Dana Whitfield'),
 (2, 'olivia', '$wp$2y$10$T2xpdmlhT3RoZXJIYXNoLi4uLi4uLi4uLi4uLi4uLi4uLi4u', 'olivia', 'olivia.other@example.org', '{{ago 900}}', '', 'Olivia Other'),
 (3, 'priya.shah', '$wp$2y$10$UHJpeWFTaGFoSGFzaC4uLi4uLi4uLi4uLi4uLi4uLi4uLi4u', 'priya-shah', 'priya@shop.example', '{{ago 2000}}', '', 'Priya Shah');

INSERT INTO wp_usermeta (umeta_id, user_id, meta_key, meta_value) VALUES
 (1, 1, 'first_name', 'Dana'),
 (2, 1, 'last_name', 'Whitfield'),
 (3, 1, 'billing_phone', '+44 20 7946 0011'),
 (4, 1, 'billing_address_1', '12 Larch Lane'),
 (5, 1, 'billing_city', 'Bristol'),
 (6, 1, 'billing_postcode', 'BS1 4DJ'),
 (7, 1, 'billing_country', 'GB'),
 (8, 1, 'shipping_address_1', 'Flat 3, 40 Quay Street'),
 (9, 1, 'session_tokens', 'a:1:{s:64:"5e1f0c9a7d2b4e8f5e1f0c9a7d2b4e8f5e1f0c9a7d2b4e8f5e1f0c9a7d2b4e8f";a:2:{s:2:"ip";s:11:"203.0.113.7";s:5:"login";i:1767225600;}}'),
 (10, 1, 'wp_capabilities', 'a:1:{s:8:"customer";b:1;}'),
 (11, 2, 'first_name', 'Olivia'),
 (12, 2, 'last_name', 'Other'),
 (13, 2, 'billing_phone', '+44 161 496 0999'),
 (14, 2, 'session_tokens', 'a:1:{s:64:"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c";a:0:{}}'),
 (15, 3, 'first_name', 'Priya'),
 (16, 3, 'last_name', 'Shah'),
 (17, 3, 'wp_capabilities', 'a:1:{s:12:"shop_manager";b:1;}');

INSERT INTO wp_wc_orders (id, status, currency, type, total_amount, customer_id, billing_email, date_created_gmt, payment_method_title, ip_address, user_agent, customer_note) VALUES
 (1001, 'wc-completed', 'GBP', 'shop_order', 59.90, 1, 'dana.whitfield@example.com', '{{ago 3000}}', 'Credit card', '198.51.100.20', 'Mozilla/5.0 (Windows NT 10.0)', ''),
 (1002, 'wc-completed', 'GBP', 'shop_order', 129.00, 1, 'dana.whitfield@example.com', '{{ago 400}}', 'PayPal', '203.0.113.7', 'Mozilla/5.0 (Macintosh)', 'Please leave it with the neighbour at no. 14'),
 (1003, 'wc-completed', 'GBP', 'shop_order', 24.50, 0, 'DANA.WHITFIELD@example.com', '{{ago 200}}', 'Credit card', '203.0.113.7', 'Mozilla/5.0 (iPhone)', ''),
 (1004, 'wc-processing', 'GBP', 'shop_order', 75.00, 2, 'olivia.other@example.org', '{{ago 100}}', 'PayPal', '192.0.2.44', 'Mozilla/5.0 (X11)', ''),
 (1005, 'wc-completed', 'GBP', 'shop_order', 18.00, 0, 'gus.guest@example.net', '{{ago 50}}', 'Credit card', '192.0.2.99', 'Mozilla/5.0 (Android)', ''),
 (1006, 'wc-completed', 'GBP', 'shop_order', 42.00, 0, 'Gus.Guest@example.net', '{{ago 3100}}', 'Cheque', '192.0.2.98', 'Mozilla/4.0', '');

INSERT INTO wp_wc_order_addresses (id, order_id, address_type, first_name, last_name, address_1, city, postcode, country, email, phone) VALUES
 (1, 1001, 'billing', 'Dana', 'Whitfield', '7 Old Mill Road', 'Bath', 'BA1 1AA', 'GB', 'dana.whitfield@example.com', '+44 20 7946 0011'),
 (2, 1002, 'billing', 'Dana', 'Whitfield', '12 Larch Lane', 'Bristol', 'BS1 4DJ', 'GB', 'dana.whitfield@example.com', '+44 20 7946 0011'),
 (3, 1002, 'shipping', 'Dana', 'Whitfield', 'Flat 3, 40 Quay Street', 'Bristol', 'BS1 4QA', 'GB', NULL, NULL),
 (4, 1003, 'billing', 'Dana', 'Whitfield', '12 Larch Lane', 'Bristol', 'BS1 4DJ', 'GB', 'DANA.WHITFIELD@example.com', '+44 20 7946 0011'),
 (5, 1004, 'billing', 'Olivia', 'Other', '1 Piccadilly', 'Manchester', 'M1 1AE', 'GB', 'olivia.other@example.org', '+44 161 496 0999'),
 (6, 1005, 'billing', 'Gus', 'Guest', '3 Harbour Row', 'Cardiff', 'CF10 4PA', 'GB', 'gus.guest@example.net', NULL),
 (7, 1006, 'billing', 'Gus', 'Guest', '9 Castle Street', 'Cardiff', 'CF10 1BS', 'GB', 'Gus.Guest@example.net', NULL);

INSERT INTO wp_woocommerce_order_items (order_item_id, order_item_name, order_item_type, order_id) VALUES
 (1, 'Merino Wool Beanie', 'line_item', 1001),
 (2, 'Trail Running Shoes', 'line_item', 1002),
 (3, 'Trail Socks (3 pack)', 'line_item', 1002),
 (4, 'Royal Mail Tracked 24', 'shipping', 1002),
 (5, 'Waxed Canvas Tote', 'line_item', 1003),
 (6, 'Fleece Gloves', 'line_item', 1004),
 (7, 'Bamboo Water Bottle', 'line_item', 1005),
 (8, 'Rain Poncho', 'line_item', 1006);

INSERT INTO wp_comments (comment_ID, comment_post_ID, comment_author, comment_author_email, comment_author_IP, comment_date_gmt, comment_content, comment_approved, comment_agent, comment_type, comment_parent, user_id) VALUES
 (501, 1002, 'Dana Whitfield', 'dana.whitfield@example.com', '203.0.113.7', '{{ago 390}}', 'The shoes came with a torn lace. Priya Shah promised a replacement on the phone; still waiting.', '1', 'Mozilla/5.0 (Macintosh)', 'support_note', 0, 1),
 (503, 1004, 'Olivia Other', 'olivia.other@example.org', '192.0.2.44', '{{ago 95}}', 'Where is my parcel? Priya Shah said Tuesday.', '1', 'Mozilla/5.0 (X11)', 'support_note', 0, 2),
 (504, 1005, 'Gus Guest', 'gus.guest@example.net', '192.0.2.99', '{{ago 45}}', 'Could you resend my invoice, please?', '1', 'Mozilla/5.0 (Android)', 'support_note', 0, 0);

INSERT INTO wp_commentmeta (meta_id, comment_id, meta_key, meta_value) VALUES
 (1, 501, 'handled_by', 'Priya Shah'),
 (2, 501, 'satisfaction', '2 of 5'),
 (3, 503, 'handled_by', 'Priya Shah'),
 (4, 503, 'satisfaction', '4 of 5');
