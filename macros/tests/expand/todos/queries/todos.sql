-- name: insert_todo :one
INSERT INTO todos (owner_id, title, done) VALUES (:auth_sub, :title, COALESCE(:done, 0))
RETURNING id, title, done;

-- name: log_finish :exec
INSERT INTO todo_log (todo_id, event)
SELECT id, 'finished' FROM todos WHERE id = :todo_id AND owner_id = :auth_sub;

-- name: finish_todo :optional
UPDATE todos SET done = 1 WHERE id = :todo_id AND owner_id = :auth_sub RETURNING id, title, done;

-- name: delete_todo :exec
DELETE FROM todos WHERE id = :todo_id AND owner_id = :auth_sub;
