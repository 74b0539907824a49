-- The same WooCommerce-shaped shop as schema.mariadb.sql, in SQLite's
-- types. Privacy Desk never creates these: a shop already has them.
-- SQLite's index names are database-wide: the indexes the dataset file
-- names keep MariaDB's names, the others get their table's prefix.

CREATE TABLE wp_users (
  ID INTEGER PRIMARY KEY AUTOINCREMENT,
  user_login TEXT NOT NULL DEFAULT '',
  user_pass TEXT NOT NULL DEFAULT '',
  user_nicename TEXT NOT NULL DEFAULT '',
  user_email TEXT NOT NULL DEFAULT '',
  user_registered DATETIME NOT NULL,
  user_activation_key TEXT NOT NULL DEFAULT '',
  display_name TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX user_login_key ON wp_users (user_login);
CREATE INDEX user_nicename ON wp_users (user_nicename);
CREATE INDEX user_email ON wp_users (user_email);

CREATE TABLE wp_usermeta (
  umeta_id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL DEFAULT 0,
  meta_key TEXT,
  meta_value TEXT
);
CREATE INDEX user_id ON wp_usermeta (user_id);
CREATE INDEX usermeta_meta_key ON wp_usermeta (meta_key);

CREATE TABLE wp_wc_orders (
  id INTEGER PRIMARY KEY,
  status TEXT,
  currency TEXT,
  type TEXT,
  total_amount NUMERIC,
  customer_id INTEGER,
  billing_email TEXT,
  date_created_gmt DATETIME,
  payment_method_title TEXT,
  ip_address TEXT,
  user_agent TEXT,
  customer_note TEXT,
  -- The one column the shop adds for Privacy Desk (see schema.mariadb.sql).
  privacy_anonymized_gmt DATETIME
);
CREATE INDEX orders_status ON wp_wc_orders (status);
CREATE INDEX orders_date_created ON wp_wc_orders (date_created_gmt);
CREATE INDEX customer_id_billing_email ON wp_wc_orders (customer_id, billing_email);
CREATE INDEX orders_billing_email ON wp_wc_orders (billing_email);

CREATE TABLE wp_wc_order_addresses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id INTEGER NOT NULL,
  address_type TEXT,
  first_name TEXT,
  last_name TEXT,
  address_1 TEXT,
  city TEXT,
  postcode TEXT,
  country TEXT,
  email TEXT,
  phone TEXT
);
CREATE UNIQUE INDEX address_type_order_id ON wp_wc_order_addresses (address_type, order_id);
CREATE INDEX order_id ON wp_wc_order_addresses (order_id);
CREATE INDEX addresses_email ON wp_wc_order_addresses (email);

CREATE TABLE wp_woocommerce_order_items (
  order_item_id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_item_name TEXT NOT NULL,
  order_item_type TEXT NOT NULL DEFAULT '',
  order_id INTEGER NOT NULL
);
CREATE INDEX order_items_order_id ON wp_woocommerce_order_items (order_id);

CREATE TABLE wp_comments (
  comment_ID INTEGER PRIMARY KEY AUTOINCREMENT,
  comment_post_ID INTEGER NOT NULL DEFAULT 0,
  comment_author TEXT NOT NULL,
  comment_author_email TEXT NOT NULL DEFAULT '',
  comment_author_IP TEXT NOT NULL DEFAULT '',
  comment_date_gmt DATETIME NOT NULL,
  comment_content TEXT NOT NULL,
  comment_approved TEXT NOT NULL DEFAULT '1',
  comment_agent TEXT NOT NULL DEFAULT '',
  comment_type TEXT NOT NULL DEFAULT 'comment',
  comment_parent INTEGER NOT NULL DEFAULT 0,
  user_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comments_post_ID ON wp_comments (comment_post_ID);
CREATE INDEX comments_date_gmt ON wp_comments (comment_date_gmt);
CREATE INDEX comments_parent ON wp_comments (comment_parent);
CREATE INDEX comment_author_email ON wp_comments (comment_author_email);
CREATE INDEX comments_user_id ON wp_comments (user_id);

CREATE TABLE wp_commentmeta (
  meta_id INTEGER PRIMARY KEY AUTOINCREMENT,
  comment_id INTEGER NOT NULL DEFAULT 0,
  meta_key TEXT,
  meta_value TEXT
);
CREATE INDEX comment_id ON wp_commentmeta (comment_id);
CREATE INDEX commentmeta_meta_key ON wp_commentmeta (meta_key);
