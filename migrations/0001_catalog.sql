-- Catalog and inventory: categories, products, warehouses and stock levels.

CREATE TABLE categories (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    -- At most 10 million in the major unit: with at most 10,000 units a line
    -- and 100 lines an order, every total stays an integer JavaScript (and
    -- so D1) represents exactly.
    price_cents INTEGER NOT NULL CHECK (price_cents BETWEEN 0 AND 1000000000),
    currency    TEXT NOT NULL CHECK (length(currency) = 3),
    -- RFC 3339 in UTC; listing by newest sorts on it.
    created_at  TEXT NOT NULL CHECK (unixepoch(created_at) IS NOT NULL)
);

CREATE INDEX products_by_category ON products (category_id);
CREATE INDEX products_by_price ON products (price_cents, id);
CREATE INDEX products_by_name ON products (name, id);
CREATE INDEX products_by_created ON products (created_at, id);

CREATE TABLE warehouses (
    id   INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

-- Stock of one product in one warehouse. `reserved` counts units promised to
-- open orders; the constraint is what makes overselling impossible, whatever
-- path a write takes.
CREATE TABLE stock (
    product_id   INTEGER NOT NULL REFERENCES products (id),
    warehouse_id INTEGER NOT NULL REFERENCES warehouses (id),
    on_hand      INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, warehouse_id),
    CONSTRAINT stock_not_oversold CHECK (reserved >= 0 AND reserved <= on_hand)
) WITHOUT ROWID;

-- Stock summed over warehouses, per product that has any stock rows.
CREATE VIEW product_stock AS
SELECT product_id,
       SUM(on_hand)            AS on_hand,
       SUM(reserved)           AS reserved,
       SUM(on_hand - reserved) AS available
FROM stock
GROUP BY product_id;
