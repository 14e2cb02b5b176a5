-- name: get_item :optional
SELECT id, name, note FROM items WHERE id = :item_id;

-- name: list_items :many
SELECT id, name, note FROM items
WHERE (:q IS NULL OR instr(name, :q) > 0)
  AND (:after_id IS NULL OR id > :after_id)
ORDER BY id
LIMIT :limit;
