-- +goose Up
-- The queue with hidden requests shown (hidden=true): everything not closed,
-- plus expired requests, in the queue's order, so that page and its filters
-- read an index range instead of sorting every open, pending and expired
-- request. The same set is written two ways: by queue for the whole view,
-- by status for one assignee's (or the unassigned) part of it, so a query
-- for one assignee cannot match the first index and walk past every
-- unassigned expired request on the way. models.QueuePage repeats each
-- predicate with the same literals, so that a query implies its index's
-- predicate whatever the plan (a cached statement's generic plan on
-- PostgreSQL knows no parameter values).
CREATE INDEX requests_visible_queue ON requests (queue_at, id)
    WHERE queue <> 'closed' OR status = 'expired';
CREATE INDEX requests_visible_assignee_queue ON requests (assignee_id, queue_at, id)
    WHERE status IN ('pending_verification', 'verified', 'in_progress', 'awaiting_approval', 'fulfilling', 'expired');

-- +goose Down
DROP INDEX requests_visible_assignee_queue;
DROP INDEX requests_visible_queue;
