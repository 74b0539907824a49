-- +goose Up
-- The queue with hidden requests shown (hidden=true): everything not closed,
-- plus expired requests, in the queue's order, so that page and its filters
-- read an index range instead of sorting every open, pending and expired
-- request. models.QueuePage writes this predicate literally: SQLite uses a
-- partial index only for a query that repeats its WHERE clause.
CREATE INDEX requests_visible_queue ON requests (queue_at, id)
    WHERE queue <> 'closed' OR status = 'expired';
CREATE INDEX requests_visible_assignee_queue ON requests (assignee_id, queue_at, id)
    WHERE queue <> 'closed' OR status = 'expired';

-- +goose Down
DROP INDEX requests_visible_assignee_queue;
DROP INDEX requests_visible_queue;
