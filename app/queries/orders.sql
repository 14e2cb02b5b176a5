-- name: get_order :optional
-- One order, without its lines, if the caller may see it: staff see every
-- order, a customer only their own (another's is as missing as no order).
SELECT o.id,
       o.customer_id,
       o.status,
       o.total_cents AS total_amount_cents,
       o.currency AS total_currency,
       o.ship_name AS shipping_address_name,
       o.ship_line1 AS shipping_address_line1,
       o.ship_line2 AS shipping_address_line2,
       o.ship_city AS shipping_address_city,
       o.ship_postal_code AS shipping_address_postal_code,
       o.ship_country AS shipping_address_country,
       o.created_at,
       o.updated_at
FROM orders o
WHERE o.id = :order_id
  AND (:auth_role = 'staff' OR o.customer_id = :auth_sub);

-- name: list_orders :many
-- The orders the caller may see, newest first, one page after the cursor:
-- a customer's own; for staff, the orders of the customer `customer_id`
-- names, or everyone's. The first branch serves the first two cases from
-- the `orders_by_customer` index, the second the last by id; the constant
-- `WHERE` of the branch that does not apply is false before it reads a
-- row. Each walks back from the cursor and stops after `:limit` rows.
SELECT o.id,
       o.customer_id,
       o.status,
       (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS line_count,
       o.total_cents AS total_amount_cents,
       o.currency AS total_currency,
       o.created_at,
       o.updated_at
FROM orders o
WHERE o.customer_id = CASE WHEN :auth_role = 'staff' THEN :customer_id ELSE :auth_sub END
  AND (:status IS NULL OR o.status = :status)
  AND o.id < COALESCE(:after_id, 9223372036854775807)
UNION ALL
SELECT o.id,
       o.customer_id,
       o.status,
       (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id),
       o.total_cents,
       o.currency,
       o.created_at,
       o.updated_at
FROM orders o
WHERE :auth_role = 'staff' AND :customer_id IS NULL
  AND (:status IS NULL OR o.status = :status)
  AND o.id < COALESCE(:after_id, 9223372036854775807)
ORDER BY id DESC
LIMIT :limit;

-- name: order_lines :many
-- The lines of an order, with the prices at order time.
SELECT i.line,
       p.sku,
       p.id AS product_id,
       p.name,
       i.quantity,
       i.unit_price_cents AS unit_price_amount_cents,
       i.currency AS unit_price_currency,
       i.quantity * i.unit_price_cents AS line_total_amount_cents,
       i.currency AS line_total_currency
FROM order_items i
JOIN products p ON p.id = i.product_id
WHERE i.order_id = :order_id
ORDER BY i.line;

-- name: ordering_for_another :optional
-- A customer orders for themselves only.
-- param customer_id: integer?
SELECT 'a customer orders for themselves: leave out `customer_id`, or give your own' AS detail
WHERE :auth_role = 'customer' AND :customer_id IS NOT NULL AND :customer_id <> :auth_sub;

-- name: ordering_for_nobody :optional
-- Staff order for a customer, whom they must name.
-- param customer_id: integer?
SELECT 'staff must name the customer the order is for' AS detail,
       '#/body/customer_id' AS errors_pointer,
       'is required when staff place an order' AS errors_detail
WHERE :auth_role = 'staff' AND :customer_id IS NULL;

-- name: repeated_skus :many
-- The lines that repeat the SKU of an earlier line, each pointing at the
-- closest such line.
-- param items: string
-- column errors_pointer: string
-- column errors_detail: string
SELECT 'each SKU may appear in one line only' AS detail,
       '#/body/items/' || j.key || '/sku' AS errors_pointer,
       'repeats the SKU of line ' || MAX(f.key) || '; order it once with the total quantity' AS errors_detail
FROM json_each(:items) j
JOIN json_each(:items) f
  ON f.key < j.key AND json_extract(f.value, '$.sku') = json_extract(j.value, '$.sku')
GROUP BY j.key
ORDER BY j.key;

-- name: unknown_skus :many
-- The lines whose SKU no product has, in request order.
-- param items: string
-- column errors_pointer: string
SELECT 'unknown SKU: '
       || group_concat(json_extract(j.value, '$.sku'), ', ') OVER (
              ORDER BY j.key ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS detail,
       '#/body/items/' || j.key || '/sku' AS errors_pointer,
       'no product has this SKU' AS errors_detail
FROM json_each(:items) j
WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = json_extract(j.value, '$.sku'))
ORDER BY j.key;

-- name: short_lines :many
-- The lines the stock cannot cover, in request order, with what is
-- available of each.
-- param items: string
-- column short_skus: string
-- column errors_pointer: string
-- column errors_detail: string
WITH short AS (
    SELECT j.key AS line,
           p.sku,
           json_extract(j.value, '$.quantity') AS requested,
           COALESCE((SELECT SUM(st.on_hand - st.reserved)
                     FROM stock st WHERE st.product_id = p.id), 0) AS available
    FROM json_each(:items) j
    JOIN products p ON p.sku = json_extract(j.value, '$.sku')
)
SELECT 'not enough stock for '
       || group_concat(sku, ', ') OVER (
              ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
       || '; nothing was reserved' AS detail,
       sku AS short_skus,
       '#/body/items/' || line || '/quantity' AS errors_pointer,
       sku || ' of ' || requested || ' requested, ' || available || ' available' AS errors_detail
FROM short
WHERE available < requested
ORDER BY line;

-- name: mixed_currencies :optional
-- Whether the lines' products are priced in more than one currency.
-- param items: string
SELECT 'all lines of an order must be priced in one currency' AS detail,
       '#/body/items' AS errors_pointer,
       'the products of these lines are priced in different currencies' AS errors_detail
FROM (SELECT COUNT(DISTINCT p.currency) AS currencies
      FROM json_each(:items) j
      JOIN products p ON p.sku = json_extract(j.value, '$.sku'))
WHERE currencies > 1;

-- name: insert_order :exec
-- Inserts the order, under the request's nonce as its `ref`, only if none
-- of the guards above refuses it: the caller orders for a customer they
-- may order for, and every line names a different, known SKU with enough
-- stock available, all priced in one currency. Otherwise it inserts
-- nothing, and neither do the statements that follow it in the batch. A
-- customer's order is always their own; staff order for `customer_id`.
-- param customer_id: integer?
-- param items: string
-- param shipping_address: string
INSERT INTO orders (ref, customer_id, status, currency, total_cents,
                    ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_country,
                    created_at, updated_at)
SELECT :nonce,
       CASE WHEN :auth_role = 'staff' THEN :customer_id ELSE :auth_sub END,
       'pending',
       currency,
       total_cents,
       json_extract(:shipping_address, '$.name'),
       json_extract(:shipping_address, '$.line1'),
       json_extract(:shipping_address, '$.line2'),
       json_extract(:shipping_address, '$.city'),
       json_extract(:shipping_address, '$.postal_code'),
       json_extract(:shipping_address, '$.country'),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM (
    SELECT MIN(p.currency) AS currency,
           SUM(p.price_cents * json_extract(j.value, '$.quantity')) AS total_cents,
           COUNT(*) AS lines,
           COUNT(p.id) AS known,
           COUNT(DISTINCT p.id) AS distinct_products,
           SUM(COALESCE((SELECT SUM(st.on_hand - st.reserved)
                         FROM stock st WHERE st.product_id = p.id), 0)
               >= json_extract(j.value, '$.quantity')) AS sufficient,
           COUNT(DISTINCT p.currency) AS currencies
    FROM json_each(:items) j
    LEFT JOIN products p ON p.sku = json_extract(j.value, '$.sku')
)
WHERE known = lines AND distinct_products = lines AND sufficient = lines AND currencies = 1
  AND CASE WHEN :auth_role = 'staff' THEN :customer_id IS NOT NULL
           ELSE :customer_id IS NULL OR :customer_id = :auth_sub END;

-- name: insert_order_lines :exec
-- Adds the lines of the order `insert_order` inserted, if it did; each
-- line reserves its stock (trigger `order_items_reserve`).
-- param items: string
INSERT INTO order_items (order_id, line, product_id, quantity, unit_price_cents, currency)
SELECT o.id, j.key + 1, p.id, json_extract(j.value, '$.quantity'), p.price_cents, p.currency
FROM orders o
JOIN json_each(:items) j
JOIN products p ON p.sku = json_extract(j.value, '$.sku')
WHERE o.ref = :nonce
  AND (:auth_role = 'staff' OR o.customer_id = :auth_sub)
ORDER BY j.key;

-- name: placed_order :one
-- The order this request placed, found by the request's nonce (as
-- `get_order` finds one by id).
-- column status: OrderStatus
SELECT o.id,
       o.customer_id,
       o.status,
       o.total_cents AS total_amount_cents,
       o.currency AS total_currency,
       o.ship_name AS shipping_address_name,
       o.ship_line1 AS shipping_address_line1,
       o.ship_line2 AS shipping_address_line2,
       o.ship_city AS shipping_address_city,
       o.ship_postal_code AS shipping_address_postal_code,
       o.ship_country AS shipping_address_country,
       o.created_at,
       o.updated_at
FROM orders o
WHERE o.ref = :nonce
  AND (:auth_role = 'staff' OR o.customer_id = :auth_sub);

-- name: placed_order_lines :many
-- The lines of the order this request placed (as `order_lines` reads an
-- order's lines by id).
SELECT i.line,
       p.sku,
       p.id AS product_id,
       p.name,
       i.quantity,
       i.unit_price_cents AS unit_price_amount_cents,
       i.currency AS unit_price_currency,
       i.quantity * i.unit_price_cents AS line_total_amount_cents,
       i.currency AS line_total_currency
FROM order_items i
JOIN orders o ON o.id = i.order_id
JOIN products p ON p.id = i.product_id
WHERE o.ref = :nonce
ORDER BY i.line;

-- name: refused_customer_move :optional
-- Why a customer may not make this move on their own order: they may only
-- cancel it, and only while it is pending or paid. (Another customer's
-- order is not theirs to see: `order_status` answers 404 for it.)
-- param order_id: integer
-- param status: OrderStatus
SELECT CASE WHEN :status = 'cancelled'
            THEN 'order ' || o.id || ' is ' || o.status
                 || ': a customer may cancel an order only while it is pending or paid'
            ELSE 'a customer may only cancel an order, not make it ' || :status
       END AS detail
FROM orders o
WHERE o.id = :order_id
  AND :auth_role = 'customer'
  AND o.customer_id = :auth_sub
  AND NOT (:status = 'cancelled'
           AND EXISTS (SELECT 1 FROM order_transitions t
                       WHERE t.from_status = o.status AND t.to_status = 'cancelled'));

-- name: refused_transition :many
-- Why staff cannot make this move: the life cycle does not allow it from
-- the order's current status. One row per status it may move to instead,
-- in life-cycle order, or one row with `allowed` NULL if it can move
-- nowhere.
-- param order_id: integer
-- param status: OrderStatus
-- column current_status: OrderStatus
-- column allowed: OrderStatus?
-- column errors_detail: string
SELECT 'order ' || o.id || ' is ' || o.status
       || COALESCE(' and can move to '
                   || group_concat(t.to_status, ' or ') OVER (
                          ORDER BY t.position
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                   || ' only, not ' || :status,
                   ' and can no longer change status') AS detail,
       o.status AS current_status,
       t.to_status AS allowed,
       '#/body/status' AS errors_pointer,
       'cannot move from ' || o.status || ' to ' || :status AS errors_detail
FROM orders o
LEFT JOIN order_transitions t ON t.from_status = o.status
WHERE o.id = :order_id
  AND :auth_role = 'staff'
  AND NOT EXISTS (SELECT 1 FROM order_transitions x
                  WHERE x.from_status = o.status AND x.to_status = :status)
ORDER BY t.position;

-- name: order_status :optional
-- An order's current status, if the caller may see the order.
-- param order_id: integer
-- column status: OrderStatus
SELECT o.id AS order_id, o.status, o.updated_at
FROM orders o
WHERE o.id = :order_id
  AND (:auth_role = 'staff' OR o.customer_id = :auth_sub);

-- name: order_history :many
-- Every status an order has had, oldest first.
-- param order_id: integer
-- column status: OrderStatus
SELECT e.status, e.at
FROM order_events e
WHERE e.order_id = :order_id
ORDER BY e.id;

-- name: order_next_statuses :many
-- The statuses an order may move to from its current one.
-- param order_id: integer
-- column status: OrderStatus
SELECT t.to_status AS status
FROM orders o
JOIN order_transitions t ON t.from_status = o.status
WHERE o.id = :order_id
ORDER BY t.position;

-- name: set_order_status :exec
-- Moves an order to `:status` if the life cycle allows it from its current
-- status and the caller may make the move (staff any, a customer only the
-- cancelling of their own order); changes nothing otherwise. Triggers record
-- the change and release or consume reserved stock.
-- param order_id: integer
-- param status: OrderStatus
UPDATE orders
SET status = :status,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :order_id
  AND (:auth_role = 'staff' OR (customer_id = :auth_sub AND :status = 'cancelled'))
  AND EXISTS (SELECT 1 FROM order_transitions t
              WHERE t.from_status = orders.status AND t.to_status = :status);

-- name: cancel_stale_orders :exec
-- Cancels the orders still pending :max_age_minutes after they were placed.
-- The schema's triggers release their stock and record the change in their
-- history, as for any cancellation.
-- param max_age_minutes: integer
UPDATE orders
SET status = 'cancelled',
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE status = 'pending'
  AND created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', :max_age_minutes));
