-- name: insert_todo :one
INSERT INTO todos (title, done) VALUES (:title, COALESCE(:done, 0))
RETURNING id, title, done;

-- name: log_finish :exec
INSERT INTO todo_log (todo_id, event) VALUES (:todo_id, 'finished');

-- name: finish_todo :optional
UPDATE todos SET done = 1 WHERE id = :todo_id RETURNING id, title, done;

-- name: delete_todo :exec
DELETE FROM todos WHERE id = :todo_id;
