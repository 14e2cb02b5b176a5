-- name: list_products :many
-- One page of the products matching the filters, in the requested order.
-- `sort_key` turns every order into an ascending one, so that a page can
-- continue strictly after the previous page's last (sort_key, id).
--
-- Each order has its own branch, and only the branch `:sort` names runs
-- (the others' constant `WHERE` is false before they read a row). Each one
-- walks an index in its own order from the cursor on and stops after
-- `:limit` matches: a later page costs what the first does, and without
-- filters a page reads about `:limit` products however large the catalog.
-- A filter few products pass makes a branch read further, up to the whole
-- index when fewer than a page match.
WITH matching AS NOT MATERIALIZED (
    SELECT p.id,
           p.sku,
           p.name,
           c.slug AS category_slug,
           c.name AS category_name,
           p.price_cents AS price_amount_cents,
           p.currency AS price_currency,
           EXISTS (SELECT 1 FROM stock st
                   WHERE st.product_id = p.id AND st.on_hand > st.reserved) AS in_stock,
           p.created_at,
           unixepoch(p.created_at) AS created_epoch
    FROM products p
    JOIN categories c ON c.id = p.category_id
    WHERE (:category IS NULL OR c.slug = :category)
      AND (:q IS NULL OR instr(lower(p.name), lower(:q)) > 0)
      AND (:min_price IS NULL OR p.price_cents >= :min_price)
      AND (:max_price IS NULL OR p.price_cents <= :max_price)
)
SELECT * FROM (
    SELECT id, sku, name, category_slug, category_name, price_amount_cents, price_currency,
           in_stock, created_at, price_amount_cents AS sort_key
    FROM matching
    WHERE :sort = 'price_asc'
      AND (:in_stock IS NULL OR in_stock = :in_stock)
      AND price_amount_cents >= COALESCE(:after_sort_key, 0)
      AND (:after_sort_key IS NULL OR (price_amount_cents, id) > (:after_sort_key, :after_id))
    ORDER BY price_amount_cents, id
    LIMIT :limit
)
UNION ALL
SELECT * FROM (
    SELECT id, sku, name, category_slug, category_name, price_amount_cents, price_currency,
           in_stock, created_at, -price_amount_cents AS sort_key
    FROM matching
    WHERE :sort = 'price_desc'
      AND (:in_stock IS NULL OR in_stock = :in_stock)
      AND price_amount_cents <= COALESCE(-:after_sort_key, 1000000000)
      AND (:after_sort_key IS NULL OR price_amount_cents < -:after_sort_key OR id > :after_id)
    ORDER BY price_amount_cents DESC, id
    LIMIT :limit
)
UNION ALL
SELECT * FROM (
    SELECT id, sku, name, category_slug, category_name, price_amount_cents, price_currency,
           in_stock, created_at, -created_epoch AS sort_key
    FROM matching
    WHERE :sort = 'newest'
      AND (:in_stock IS NULL OR in_stock = :in_stock)
      AND created_epoch <= COALESCE(-:after_sort_key, 9223372036854775807)
      AND (:after_sort_key IS NULL OR created_epoch < -:after_sort_key OR id > :after_id)
    ORDER BY created_epoch DESC, id
    LIMIT :limit
)
UNION ALL
SELECT * FROM (
    SELECT id, sku, name, category_slug, category_name, price_amount_cents, price_currency,
           in_stock, created_at, name AS sort_key
    FROM matching
    WHERE :sort = 'name'
      AND (:in_stock IS NULL OR in_stock = :in_stock)
      AND name >= COALESCE(:after_sort_key, '')
      AND (:after_sort_key IS NULL OR (name, id) > (:after_sort_key, :after_id))
    ORDER BY name, id
    LIMIT :limit
)
ORDER BY sort_key, id;

-- name: get_product :optional
-- One product with its category.
SELECT p.id,
       p.sku,
       p.name,
       p.description,
       c.slug AS category_slug,
       c.name AS category_name,
       p.price_cents AS price_amount_cents,
       p.currency AS price_currency,
       p.created_at
FROM products p
JOIN categories c ON c.id = p.category_id
WHERE p.id = :product_id;

-- name: list_categories :many
-- Every category with the number of products in it, which triggers keep
-- (migrations/0005_category_counts.sql): one row read per category,
-- however large the catalog.
SELECT id, slug, name, product_count
FROM categories
ORDER BY name;
