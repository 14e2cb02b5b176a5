-- name: list_products :many
-- One page of the products matching the filters, in the requested order.
-- `sort_key` turns every order into an ascending one, so that a page can
-- continue strictly after the previous page's last (sort_key, id).
--
-- A page examines at most `:scan` products (`paginate.scan`), however
-- large the catalog and however few products match: `scanned` walks the
-- index of the requested order from the cursor on, and stops after
-- `:scan` products, or earlier, once `:limit` of them match. Only the
-- branch `:sort` names runs (the others' constant `WHERE` is false before
-- they read a row). When the page is not full and the walk stopped at its
-- budget, the last product examined comes last with `resume` set: the
-- next page continues after it.
WITH candidates AS NOT MATERIALIZED (
    SELECT p.id,
           p.name,
           p.price_cents,
           unixepoch(p.created_at) AS created_epoch,
           (:category IS NULL OR p.category_id = (SELECT id FROM categories WHERE slug = :category))
             AND (:q IS NULL OR instr(lower(p.name), lower(:q)) > 0)
             AND (:min_price IS NULL OR p.price_cents >= :min_price)
             AND (:max_price IS NULL OR p.price_cents <= :max_price) AS matches
    FROM products p
),
scanned AS NOT MATERIALIZED (
    SELECT * FROM (
        SELECT id, price_cents AS sort_key, matches
        FROM candidates
        WHERE :sort = 'price_asc'
          AND price_cents >= COALESCE(:after_sort_key, 0)
          AND (:after_sort_key IS NULL OR (price_cents, id) > (:after_sort_key, :after_id))
        ORDER BY price_cents, id
        LIMIT :scan
    )
    UNION ALL
    SELECT * FROM (
        SELECT id, -price_cents AS sort_key, matches
        FROM candidates
        WHERE :sort = 'price_desc'
          AND price_cents <= COALESCE(-:after_sort_key, 1000000000)
          AND (:after_sort_key IS NULL OR price_cents < -:after_sort_key OR id > :after_id)
        ORDER BY price_cents DESC, id
        LIMIT :scan
    )
    UNION ALL
    SELECT * FROM (
        SELECT id, -created_epoch AS sort_key, matches
        FROM candidates
        WHERE :sort = 'newest'
          AND created_epoch <= COALESCE(-:after_sort_key, 9223372036854775807)
          AND (:after_sort_key IS NULL OR created_epoch < -:after_sort_key OR id > :after_id)
        ORDER BY created_epoch DESC, id
        LIMIT :scan
    )
    UNION ALL
    SELECT * FROM (
        SELECT id, name AS sort_key, matches
        FROM candidates
        WHERE :sort = 'name'
          AND name >= COALESCE(:after_sort_key, '')
          AND (:after_sort_key IS NULL OR (name, id) > (:after_sort_key, :after_id))
        ORDER BY name, id
        LIMIT :scan
    )
),
page AS MATERIALIZED (
    SELECT s.id, s.sort_key
    FROM scanned s
    WHERE s.matches
      AND (:in_stock IS NULL OR :in_stock = EXISTS (SELECT 1 FROM stock st
                   WHERE st.product_id = s.id AND st.on_hand > st.reserved))
    LIMIT :limit
),
resume AS (
    SELECT id, sort_key FROM scanned
    LIMIT (SELECT count(*) < :limit FROM page) OFFSET :scan - 1
)
SELECT p.id AS id, p.sku, p.name, c.slug AS category_slug, c.name AS category_name,
       p.price_cents AS price_amount_cents, p.currency AS price_currency,
       EXISTS (SELECT 1 FROM stock st
               WHERE st.product_id = p.id AND st.on_hand > st.reserved) AS in_stock,
       p.created_at, s.sort_key AS sort_key, FALSE AS resume
FROM page s
JOIN products p ON p.id = s.id
JOIN categories c ON c.id = p.category_id
UNION ALL
SELECT p.id AS id, p.sku, p.name, c.slug AS category_slug, c.name AS category_name,
       p.price_cents AS price_amount_cents, p.currency AS price_currency,
       EXISTS (SELECT 1 FROM stock st
               WHERE st.product_id = p.id AND st.on_hand > st.reserved) AS in_stock,
       p.created_at, s.sort_key AS sort_key, TRUE AS resume
FROM resume s
JOIN products p ON p.id = s.id
JOIN categories c ON c.id = p.category_id
ORDER BY resume, sort_key, id;

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
