-- name: purge_idempotency_keys :exec
-- Deletes the idempotency records that have expired (see keel::idempotency).
DELETE FROM keel_idempotency WHERE expires_at <= unixepoch();
