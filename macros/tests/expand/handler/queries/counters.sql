-- name: bump :one
INSERT INTO counters (name, value) VALUES (:name, 1)
ON CONFLICT (name) DO UPDATE SET value = value + 1
RETURNING value;
