-- Idempotency records (see keel::idempotency): the outcome of each write
-- sent with an `Idempotency-Key`, kept until it expires, so a retry gets the
-- first response instead of doing the work twice.
CREATE TABLE keel_idempotency (
    principal   TEXT NOT NULL,
    operation   TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    results     TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (principal, operation, key)
) WITHOUT ROWID;

CREATE INDEX keel_idempotency_by_expiry ON keel_idempotency (expires_at);
