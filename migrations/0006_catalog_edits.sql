-- Staff edit the catalog through the API (`create_product`,
-- `update_product`). A change is made only against the version of the
-- product its author last read (`If-Match`), so two people editing one
-- product cannot overwrite each other unawares.

-- Every change of a product's row bumps its version, whatever writes it.
ALTER TABLE products ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TRIGGER products_versioned AFTER UPDATE ON products
WHEN NEW.version = OLD.version
BEGIN
    UPDATE products SET version = OLD.version + 1 WHERE id = NEW.id;
END;

-- A product shows its category's slug and name: renaming the category
-- changes every product in it.
CREATE TRIGGER categories_renamed AFTER UPDATE OF slug, name ON categories
BEGIN
    UPDATE products SET version = version + 1 WHERE category_id = NEW.id;
END;

-- A product as `GET /v1/products/{product_id}` shows it, but for its
-- availability, with its entity tag: the version of the row (and so of its
-- category), and the stock figures the availability is made of. The tag
-- changes whenever the response does, so it serves both `If-None-Match`
-- (a 304 instead of the body) and `If-Match` (a 412 instead of a write on
-- a stale read), and SQL can compare it.
CREATE VIEW product_details AS
SELECT p.id,
       p.sku,
       p.name,
       p.description,
       c.slug AS category_slug,
       c.name AS category_name,
       p.price_cents AS price_amount_cents,
       p.currency AS price_currency,
       p.created_at,
       -- (An aggregate without GROUP BY always has its one row: the
       -- COALESCE only tells the query checker so.)
       '"' || p.version || '-'
           || COALESCE((SELECT COALESCE(SUM(s.on_hand), 0) || '-' || COALESCE(SUM(s.reserved), 0)
                               || '-' || COUNT(*) FILTER (WHERE s.on_hand > s.reserved)
                        FROM stock s
                        WHERE s.product_id = p.id), '')
           || '"' AS etag
FROM products p
JOIN categories c ON c.id = p.category_id;
