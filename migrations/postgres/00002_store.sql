-- Kactoily.com's store records, the personal data Privacy Desk collects and
-- erases (models/store_*.go). Child rows go with their parent (ON DELETE
-- CASCADE); records kept after the customer is gone (orders for accounting,
-- tickets, warranties, consent and activity) lose the link (ON DELETE SET NULL).

-- +goose Up
CREATE TABLE store_customers (
    id            bigserial   PRIMARY KEY,
    email         text        NOT NULL,
    first_name    text        NOT NULL,
    last_name     text        NOT NULL,
    phone         text        NOT NULL,
    date_of_birth timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    last_login_at timestamptz
);
CREATE UNIQUE INDEX store_customers_email ON store_customers (email);

CREATE TABLE store_addresses (
    id             bigserial PRIMARY KEY,
    customer_id    bigint    NOT NULL REFERENCES store_customers (id) ON DELETE CASCADE,
    kind           text      NOT NULL,
    recipient_name text      NOT NULL,
    line1          text      NOT NULL,
    line2          text      NOT NULL,
    city           text      NOT NULL,
    region         text      NOT NULL,
    postal_code    text      NOT NULL,
    country        text      NOT NULL,
    phone          text      NOT NULL
);
CREATE INDEX store_addresses_customer_id ON store_addresses (customer_id);

CREATE TABLE store_marketing_preferences (
    id               bigserial   PRIMARY KEY,
    customer_id      bigint      NOT NULL REFERENCES store_customers (id) ON DELETE CASCADE,
    email_marketing  boolean     NOT NULL,
    sms_marketing    boolean     NOT NULL,
    personalized_ads boolean     NOT NULL,
    sale_sharing     boolean     NOT NULL,
    analytics        boolean     NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX store_marketing_preferences_customer_id ON store_marketing_preferences (customer_id);

CREATE TABLE store_consent_choices (
    id          bigserial   PRIMARY KEY,
    customer_id bigint      REFERENCES store_customers (id) ON DELETE SET NULL,
    visitor_id  text        NOT NULL,
    category    text        NOT NULL,
    granted     boolean     NOT NULL,
    recorded_at timestamptz NOT NULL,
    ip_address  text        NOT NULL,
    user_agent  text        NOT NULL
);
CREATE INDEX store_consent_choices_customer_id ON store_consent_choices (customer_id);
CREATE INDEX store_consent_choices_visitor_id ON store_consent_choices (visitor_id);

CREATE TABLE store_orders (
    id                   bigserial   PRIMARY KEY,
    customer_id          bigint      REFERENCES store_customers (id) ON DELETE SET NULL,
    number               text        NOT NULL,
    placed_at            timestamptz NOT NULL,
    status               text        NOT NULL,
    currency             text        NOT NULL,
    total_cents          bigint      NOT NULL,
    email                text        NOT NULL,
    phone                text        NOT NULL,
    shipping_name        text        NOT NULL,
    shipping_line1       text        NOT NULL,
    shipping_line2       text        NOT NULL,
    shipping_city        text        NOT NULL,
    shipping_region      text        NOT NULL,
    shipping_postal_code text        NOT NULL,
    shipping_country     text        NOT NULL,
    payment_provider     text        NOT NULL,
    payment_reference    text        NOT NULL,
    anonymized_at        timestamptz
);
CREATE INDEX store_orders_customer_id ON store_orders (customer_id);
CREATE UNIQUE INDEX store_orders_number ON store_orders (number);

CREATE TABLE store_order_lines (
    id               bigserial PRIMARY KEY,
    order_id         bigint    NOT NULL REFERENCES store_orders (id) ON DELETE CASCADE,
    sku              text      NOT NULL,
    product_name     text      NOT NULL,
    quantity         bigint    NOT NULL,
    unit_price_cents bigint    NOT NULL
);
CREATE INDEX store_order_lines_order_id ON store_order_lines (order_id);

CREATE TABLE store_product_registrations (
    id            bigserial   PRIMARY KEY,
    customer_id   bigint      REFERENCES store_customers (id) ON DELETE SET NULL,
    product_name  text        NOT NULL,
    sku           text        NOT NULL,
    serial_number text        NOT NULL,
    purchased_at  timestamptz NOT NULL,
    registered_at timestamptz NOT NULL
);
CREATE INDEX store_product_registrations_customer_id ON store_product_registrations (customer_id);

CREATE TABLE store_extended_warranties (
    id              bigserial   PRIMARY KEY,
    registration_id bigint      NOT NULL REFERENCES store_product_registrations (id) ON DELETE CASCADE,
    customer_id     bigint      REFERENCES store_customers (id) ON DELETE SET NULL,
    plan            text        NOT NULL,
    price_cents     bigint      NOT NULL,
    paid            boolean     NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    anonymized_at   timestamptz
);
CREATE INDEX store_extended_warranties_registration_id ON store_extended_warranties (registration_id);
CREATE INDEX store_extended_warranties_customer_id ON store_extended_warranties (customer_id);

CREATE TABLE store_support_tickets (
    id            bigserial   PRIMARY KEY,
    customer_id   bigint      REFERENCES store_customers (id) ON DELETE SET NULL,
    email         text        NOT NULL,
    subject       text        NOT NULL,
    status        text        NOT NULL,
    channel       text        NOT NULL,
    created_at    timestamptz NOT NULL,
    closed_at     timestamptz,
    anonymized_at timestamptz
);
CREATE INDEX store_support_tickets_customer_id ON store_support_tickets (customer_id);

CREATE TABLE store_support_messages (
    id          bigserial   PRIMARY KEY,
    ticket_id   bigint      NOT NULL REFERENCES store_support_tickets (id) ON DELETE CASCADE,
    author_kind text        NOT NULL,
    author_name text        NOT NULL,
    body        text        NOT NULL,
    sent_at     timestamptz NOT NULL
);
CREATE INDEX store_support_messages_ticket_id ON store_support_messages (ticket_id);

CREATE TABLE store_attachments (
    id           bigserial PRIMARY KEY,
    message_id   bigint    NOT NULL REFERENCES store_support_messages (id) ON DELETE CASCADE,
    file_name    text      NOT NULL,
    content_type text      NOT NULL,
    size_bytes   bigint    NOT NULL,
    storage_key  text      NOT NULL
);
CREATE INDEX store_attachments_message_id ON store_attachments (message_id);

CREATE TABLE store_activity_records (
    id          bigserial   PRIMARY KEY,
    customer_id bigint      REFERENCES store_customers (id) ON DELETE SET NULL,
    visitor_id  text        NOT NULL,
    ip_address  text        NOT NULL,
    user_agent  text        NOT NULL,
    browser     text        NOT NULL,
    os          text        NOT NULL,
    page_url    text        NOT NULL,
    referrer    text        NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX store_activity_records_customer_id ON store_activity_records (customer_id);
CREATE INDEX store_activity_records_visitor_id ON store_activity_records (visitor_id);
CREATE INDEX store_activity_records_occurred_at ON store_activity_records (occurred_at);

-- +goose Down
DROP TABLE store_activity_records;
DROP TABLE store_attachments;
DROP TABLE store_support_messages;
DROP TABLE store_support_tickets;
DROP TABLE store_extended_warranties;
DROP TABLE store_product_registrations;
DROP TABLE store_order_lines;
DROP TABLE store_orders;
DROP TABLE store_consent_choices;
DROP TABLE store_marketing_preferences;
DROP TABLE store_addresses;
DROP TABLE store_customers;
