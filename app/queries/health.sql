-- name: ping :one
-- Proves the database answers.
SELECT 'ok' AS status;
