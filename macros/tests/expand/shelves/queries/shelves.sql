-- name: get_shelf :optional
SELECT code, capacity, version FROM shelves WHERE code = :code;

-- name: shelf_summary :optional
SELECT code, capacity FROM shelves WHERE code = :code;

-- name: shelf_boxes :many
SELECT b.id, b.label
FROM boxes b JOIN shelves s ON s.id = b.shelf_id
WHERE s.code = :code
ORDER BY b.id;

-- name: get_box :optional
SELECT id, label FROM boxes WHERE id = :box_id;

-- name: shelf_full :many
-- One row per box on a full shelf (`labels` gathers them).
SELECT 'shelf ' || s.code || ' holds ' || s.capacity || ' boxes already' AS detail,
       s.capacity,
       b.label AS labels
FROM shelves s JOIN boxes b ON b.shelf_id = s.id
WHERE s.code = :code
  AND (SELECT COUNT(*) FROM boxes x WHERE x.shelf_id = s.id) >= s.capacity
ORDER BY b.id;

-- name: label_taken :optional
SELECT 'a box on shelf ' || s.code || ' is labelled ' || b.label AS detail,
       '#/body/label' AS errors_pointer,
       'is taken on this shelf' AS errors_detail
FROM boxes b JOIN shelves s ON s.id = b.shelf_id
WHERE s.code = :code AND b.label = :label;

-- name: insert_box :exec
INSERT INTO boxes (shelf_id, label, ref)
SELECT s.id, :label, :nonce
FROM shelves s
WHERE s.code = :code
  AND (SELECT COUNT(*) FROM boxes x WHERE x.shelf_id = s.id) < s.capacity
  AND NOT EXISTS (SELECT 1 FROM boxes y WHERE y.shelf_id = s.id AND y.label = :label);

-- name: insert_box_anyway :exec
-- Adds the box whether or not the shelf has room: it does not hold back
-- for the guard `shelf_full`.
INSERT INTO boxes (shelf_id, label, ref)
SELECT s.id, :label, :nonce FROM shelves s WHERE s.code = :code;

-- name: placed_box :optional
SELECT id, label FROM boxes WHERE ref = :nonce;
