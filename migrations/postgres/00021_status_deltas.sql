-- +goose Up
-- Every transition used to update one row of request_status_counts, so
-- concurrent transitions queued on it. Now each appends its +1/-1 here, a
-- periodic fold moves them into request_status_counts, and a read adds
-- the deltas not yet folded to the totals, so the counts stay exact.
CREATE TABLE request_status_deltas (
    id     bigserial PRIMARY KEY,
    status varchar(32) NOT NULL,
    delta  bigint NOT NULL
);

-- +goose Down
DROP TABLE request_status_deltas;
