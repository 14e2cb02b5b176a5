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

-- name: insert_order :exec
-- Inserts the order only if every line names a different, known SKU with
-- enough stock available and all lines share one currency; otherwise it
-- inserts nothing,
-- and neither do the statements that follow it in the batch. A customer's
-- order is always their own; staff order for `customer_id`.
-- param order_ref: string
-- param customer_id: integer?
-- param items: string
-- param ship_name: string
-- param ship_line1: string
-- param ship_line2: string?
-- param ship_city: string
-- param ship_postal_code: string
-- param ship_country: string
INSERT INTO orders (ref, customer_id, status, currency, total_cents,
                    ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_country,
                    created_at, updated_at)
SELECT :order_ref,
       CASE WHEN :auth_role = 'staff' THEN :customer_id ELSE :auth_sub END,
       'pending',
       currency,
       total_cents,
       :ship_name,
       :ship_line1,
       :ship_line2,
       :ship_city,
       :ship_postal_code,
       :ship_country,
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
WHERE known = lines AND distinct_products = lines AND sufficient = lines AND currencies = 1;

-- name: insert_order_lines :exec
-- Adds the lines of the order inserted by `insert_order`, if it was; each
-- line reserves its stock (trigger `order_items_reserve`).
-- param order_ref: string
-- param items: string
INSERT INTO order_items (order_id, line, product_id, quantity, unit_price_cents, currency)
SELECT o.id, j.key + 1, p.id, json_extract(j.value, '$.quantity'), p.price_cents, p.currency
FROM orders o
JOIN json_each(:items) j
JOIN products p ON p.sku = json_extract(j.value, '$.sku')
WHERE o.ref = :order_ref
ORDER BY j.key;

-- name: order_by_ref :optional
-- The order a request created, found by its token.
-- param order_ref: string
-- column status: OrderStatus
SELECT o.id,
       o.customer_id,
       o.status,
       o.total_cents,
       o.currency,
       o.ship_name,
       o.ship_line1,
       o.ship_line2,
       o.ship_city,
       o.ship_postal_code,
       o.ship_country,
       o.created_at,
       o.updated_at
FROM orders o
WHERE o.ref = :order_ref;

-- name: order_lines_by_ref :many
-- The lines of the order a request created.
-- param order_ref: string
-- column line_total_cents: integer
SELECT i.line,
       p.sku,
       p.id AS product_id,
       p.name,
       i.quantity,
       i.unit_price_cents,
       i.quantity * i.unit_price_cents AS line_total_cents,
       i.currency
FROM order_items i
JOIN orders o ON o.id = i.order_id
JOIN products p ON p.id = i.product_id
WHERE o.ref = :order_ref
ORDER BY i.line;

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
