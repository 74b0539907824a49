-- +goose Up
-- Guest orders and tickets are found by email: the dataset engine compares
-- lower(email) for rows without a customer id. Without an index on that
-- expression each lookup read every guest row of every other customer
-- (bench/dataset_plans_test.go shows the plans).
CREATE INDEX store_orders_email_lower ON store_orders (lower(email));
CREATE INDEX store_support_tickets_email_lower ON store_support_tickets (lower(email));

-- +goose Down
DROP INDEX store_support_tickets_email_lower;
DROP INDEX store_orders_email_lower;
