-- name: product_stock :one
-- A product's stock summed over all warehouses (zero when it has none).
SELECT COALESCE(SUM(on_hand), 0) AS on_hand,
       COALESCE(SUM(reserved), 0) AS reserved,
       COALESCE(SUM(on_hand - reserved), 0) AS available,
       COUNT(*) FILTER (WHERE on_hand > reserved) AS warehouses_in_stock
FROM stock
WHERE product_id = :product_id;

-- name: sku_product :optional
-- The product a SKU names.
SELECT sku, id AS product_id, name
FROM products
WHERE sku = :sku;

-- name: sku_availability :one
-- A SKU's stock summed over all warehouses, as `product_stock` sums a
-- product's.
SELECT COALESCE(SUM(s.on_hand), 0) AS on_hand,
       COALESCE(SUM(s.reserved), 0) AS reserved,
       COALESCE(SUM(s.on_hand - s.reserved), 0) AS available,
       COUNT(*) FILTER (WHERE s.on_hand > s.reserved) AS warehouses_in_stock
FROM stock s
JOIN products p ON p.id = s.product_id
WHERE p.sku = :sku;

-- name: sku_stock :many
-- A SKU's stock in each warehouse that carries it.
SELECT w.code AS warehouse,
       w.name AS warehouse_name,
       s.on_hand,
       s.reserved,
       s.on_hand - s.reserved AS available
FROM stock s
JOIN warehouses w ON w.id = s.warehouse_id
JOIN products p ON p.id = s.product_id
WHERE p.sku = :sku
ORDER BY w.code;

-- name: sku_stock_totals :one
-- A SKU's stock summed over warehouses.
SELECT COALESCE(SUM(s.on_hand), 0) AS on_hand,
       COALESCE(SUM(s.reserved), 0) AS reserved,
       COALESCE(SUM(s.on_hand - s.reserved), 0) AS available
FROM stock s
JOIN products p ON p.id = s.product_id
WHERE p.sku = :sku;

-- name: check_lines :many
-- Availability of each requested line, in request order. `:items` is the
-- JSON array of `{sku, quantity}` lines; lines naming the same SKU are
-- checked against their combined quantity.
-- param items: string
-- column line: integer
-- column sku: string
-- column requested: integer
-- column available: integer
-- column known: boolean
-- column sufficient: boolean
WITH lines AS (
    SELECT j.key AS line,
           json_extract(j.value, '$.sku') AS sku,
           json_extract(j.value, '$.quantity') AS requested
    FROM json_each(:items) j
),
totals AS (
    SELECT l.sku,
           SUM(l.requested) AS requested,
           COALESCE((SELECT SUM(st.on_hand - st.reserved)
                     FROM stock st JOIN products p ON p.id = st.product_id
                     WHERE p.sku = l.sku), 0) AS available
    FROM lines l
    GROUP BY l.sku
)
SELECT l.line,
       l.sku,
       l.requested,
       t.available,
       p.id IS NOT NULL AS known,
       t.available >= t.requested AS sufficient
FROM lines l
JOIN totals t ON t.sku = l.sku
LEFT JOIN products p ON p.sku = l.sku
ORDER BY l.line;

-- name: check_all_available :one
-- Whether every requested line can be served now, lines naming the same SKU
-- together.
WITH totals AS (
    SELECT json_extract(j.value, '$.sku') AS sku,
           SUM(json_extract(j.value, '$.quantity')) AS requested
    FROM json_each(:items) j
    GROUP BY 1
)
SELECT COALESCE(MIN(COALESCE((SELECT SUM(st.on_hand - st.reserved)
                              FROM stock st JOIN products p ON p.id = st.product_id
                              WHERE p.sku = t.sku), 0) >= t.requested), 1) AS all_available
FROM totals t;

-- name: below_reserved :optional
-- The units of a SKU reserved in a warehouse, when a new count of its
-- stock there would fall below them.
-- param on_hand: integer
SELECT 'warehouse ' || w.code || ' holds ' || s.reserved || ' units of ' || p.sku
       || ' reserved for open orders; it cannot count fewer on hand' AS detail,
       s.reserved,
       '#/body/on_hand' AS errors_pointer,
       'must be at least ' || s.reserved || ', the units reserved here' AS errors_detail
FROM stock s
JOIN products p ON p.id = s.product_id
JOIN warehouses w ON w.id = s.warehouse_id
WHERE p.sku = :sku AND w.code = :code AND s.reserved > :on_hand;

-- name: set_on_hand :exec
-- Sets the units of a SKU on hand in a warehouse, adding its stock row if
-- it has none, unless that would be fewer than are reserved there (the
-- guard `below_reserved`) or the SKU or warehouse is unknown.
INSERT INTO stock (product_id, warehouse_id, on_hand)
SELECT p.id, w.id, :on_hand
FROM products p
JOIN warehouses w ON w.code = :code
WHERE p.sku = :sku
  AND :on_hand >= COALESCE((SELECT s.reserved FROM stock s
                            WHERE s.product_id = p.id AND s.warehouse_id = w.id), 0)
ON CONFLICT (product_id, warehouse_id) DO UPDATE SET on_hand = excluded.on_hand;

-- name: warehouse_stock :optional
-- A SKU's stock in one warehouse.
SELECT w.code AS warehouse,
       w.name AS warehouse_name,
       s.on_hand,
       s.reserved,
       s.on_hand - s.reserved AS available
FROM stock s
JOIN warehouses w ON w.id = s.warehouse_id
JOIN products p ON p.id = s.product_id
WHERE p.sku = :sku AND w.code = :code;
