-- Orders, their lines, the stock they reserve, and their status history.

-- The order life cycle: which status may follow which. `position` orders the
-- choices when they are listed.
CREATE TABLE order_transitions (
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (from_status, to_status)
) WITHOUT ROWID;

INSERT INTO order_transitions (from_status, to_status, position) VALUES
    ('pending', 'paid', 1),
    ('paid', 'shipped', 2),
    ('shipped', 'delivered', 3),
    ('pending', 'cancelled', 4),
    ('paid', 'cancelled', 4);

CREATE TABLE orders (
    id               INTEGER PRIMARY KEY,
    -- A random token chosen by the request that created the order, so that
    -- the statements of one batch can find the row they inserted.
    ref              TEXT NOT NULL UNIQUE,
    customer_id      INTEGER NOT NULL CHECK (customer_id > 0),
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    currency         TEXT NOT NULL,
    total_cents      INTEGER NOT NULL CHECK (total_cents >= 0),
    ship_name        TEXT NOT NULL,
    ship_line1       TEXT NOT NULL,
    ship_line2       TEXT,
    ship_city        TEXT NOT NULL,
    ship_postal_code TEXT NOT NULL,
    ship_country     TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE INDEX orders_by_customer ON orders (customer_id);

-- Lines keep the price at order time.
CREATE TABLE order_items (
    order_id         INTEGER NOT NULL REFERENCES orders (id),
    line             INTEGER NOT NULL,
    product_id       INTEGER NOT NULL REFERENCES products (id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    PRIMARY KEY (order_id, line)
) WITHOUT ROWID;

-- Which warehouse holds the units an open order reserved.
CREATE TABLE stock_reservations (
    order_id     INTEGER NOT NULL REFERENCES orders (id),
    product_id   INTEGER NOT NULL,
    warehouse_id INTEGER NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id, warehouse_id),
    FOREIGN KEY (product_id, warehouse_id) REFERENCES stock (product_id, warehouse_id)
) WITHOUT ROWID;

CREATE TABLE order_events (
    id       INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    status   TEXT NOT NULL,
    at       TEXT NOT NULL
);

CREATE INDEX order_events_by_order ON order_events (order_id, id);

-- The rules below live in the schema so that every write, from the API or
-- from `wrangler d1 execute`, keeps stock and history consistent.

-- Only the transitions listed above are possible.
CREATE TRIGGER orders_status_guard
BEFORE UPDATE OF status ON orders
WHEN NEW.status IS NOT OLD.status
 AND NOT EXISTS (SELECT 1 FROM order_transitions
                 WHERE from_status = OLD.status AND to_status = NEW.status)
BEGIN
    SELECT RAISE(ABORT, 'order status transition not allowed');
END;

-- Every order starts its history when it is created...
CREATE TRIGGER orders_history_created
AFTER INSERT ON orders
BEGIN
    INSERT INTO order_events (order_id, status, at) VALUES (NEW.id, NEW.status, NEW.created_at);
END;

-- ...and records every change of status.
CREATE TRIGGER orders_history_changed
AFTER UPDATE OF status ON orders
WHEN NEW.status IS NOT OLD.status
BEGIN
    INSERT INTO order_events (order_id, status, at) VALUES (NEW.id, NEW.status, NEW.updated_at);
END;

-- A new line reserves its quantity, taking from warehouses in id order.
CREATE TRIGGER order_items_reserve
AFTER INSERT ON order_items
BEGIN
    INSERT INTO stock_reservations (order_id, product_id, warehouse_id, quantity)
    SELECT NEW.order_id, product_id, warehouse_id, take
    FROM (
        SELECT product_id,
               warehouse_id,
               MIN(on_hand - reserved,
                   NEW.quantity - COALESCE(SUM(on_hand - reserved) OVER (
                       ORDER BY warehouse_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS take
        FROM stock
        WHERE product_id = NEW.product_id AND on_hand > reserved
    )
    WHERE take > 0;

    UPDATE stock
    SET reserved = reserved + (SELECT r.quantity FROM stock_reservations r
                               WHERE r.order_id = NEW.order_id
                                 AND r.product_id = stock.product_id
                                 AND r.warehouse_id = stock.warehouse_id)
    WHERE product_id = NEW.product_id
      AND warehouse_id IN (SELECT warehouse_id FROM stock_reservations
                           WHERE order_id = NEW.order_id AND product_id = NEW.product_id);
END;

-- Cancelling releases what the order reserved.
CREATE TRIGGER orders_release_on_cancel
AFTER UPDATE OF status ON orders
WHEN NEW.status = 'cancelled' AND OLD.status IS NOT 'cancelled'
BEGIN
    UPDATE stock
    SET reserved = reserved - (SELECT r.quantity FROM stock_reservations r
                               WHERE r.order_id = NEW.id
                                 AND r.product_id = stock.product_id
                                 AND r.warehouse_id = stock.warehouse_id)
    WHERE EXISTS (SELECT 1 FROM stock_reservations r
                  WHERE r.order_id = NEW.id
                    AND r.product_id = stock.product_id
                    AND r.warehouse_id = stock.warehouse_id);
    DELETE FROM stock_reservations WHERE order_id = NEW.id;
END;

-- Shipping takes the reserved units out of the warehouses.
CREATE TRIGGER orders_consume_on_ship
AFTER UPDATE OF status ON orders
WHEN NEW.status = 'shipped' AND OLD.status IS NOT 'shipped'
BEGIN
    UPDATE stock
    SET on_hand = on_hand - (SELECT r.quantity FROM stock_reservations r
                             WHERE r.order_id = NEW.id
                               AND r.product_id = stock.product_id
                               AND r.warehouse_id = stock.warehouse_id),
        reserved = reserved - (SELECT r.quantity FROM stock_reservations r
                               WHERE r.order_id = NEW.id
                                 AND r.product_id = stock.product_id
                                 AND r.warehouse_id = stock.warehouse_id)
    WHERE EXISTS (SELECT 1 FROM stock_reservations r
                  WHERE r.order_id = NEW.id
                    AND r.product_id = stock.product_id
                    AND r.warehouse_id = stock.warehouse_id);
    DELETE FROM stock_reservations WHERE order_id = NEW.id;
END;
