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
-- One product with its category, and its entity tag.
SELECT * FROM product_details WHERE id = :product_id;

-- name: product_by_sku :one
-- The product a SKU names, as `get_product` shows it.
SELECT * FROM product_details WHERE sku = :sku;

-- name: sku_taken :optional
-- The product that already has the SKU a new product asks for.
SELECT 'SKU ' || sku || ' is taken by product ' || id AS detail,
       '#/body/sku' AS errors_pointer,
       'is taken by product ' || id AS errors_detail
FROM products
WHERE sku = :sku;

-- name: unknown_category :optional
-- A category slug no category has (nothing when the slug is not given).
-- param category: string?
-- column errors_pointer: string
-- column errors_detail: string
SELECT 'no category has the slug ' || :category AS detail,
       '#/body/category' AS errors_pointer,
       'no category has this slug' AS errors_detail
WHERE :category IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM categories WHERE slug = :category);

-- name: insert_product :exec
-- Adds a product, unless its SKU is taken or its category unknown (the
-- guards `sku_taken` and `unknown_category` say which).
-- param price: string
INSERT INTO products (sku, name, description, category_id, price_cents, currency, created_at)
SELECT :sku,
       :name,
       :description,
       c.id,
       json_extract(:price, '$.amount_cents'),
       json_extract(:price, '$.currency'),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM categories c
WHERE c.slug = :category
  AND NOT EXISTS (SELECT 1 FROM products WHERE sku = :sku);

-- name: stale_product :optional
-- The product's entity tag, when the change was made against another one
-- (`If-Match: *` matches any).
-- param if_match: string
SELECT 'product ' || id || ' has changed since it was read: its ETag is '
       || etag || ', not ' || :if_match AS detail,
       etag
FROM product_details
WHERE id = :product_id AND :if_match <> '*' AND etag <> :if_match;

-- name: update_product :exec
-- Changes the fields the request gives, only if `If-Match` names the
-- product's current entity tag and the category (if given) exists; the
-- trigger `products_versioned` bumps its version.
-- param name: string?
-- param description: string?
-- param price: string?
-- param category: string?
-- param if_match: string
UPDATE products
SET name = COALESCE(:name, name),
    description = COALESCE(:description, description),
    price_cents = COALESCE(json_extract(:price, '$.amount_cents'), price_cents),
    currency = COALESCE(json_extract(:price, '$.currency'), currency),
    category_id = COALESCE((SELECT id FROM categories WHERE slug = :category), category_id)
WHERE id = :product_id
  AND (:if_match = '*' OR :if_match = (SELECT etag FROM product_details WHERE id = :product_id))
  AND (:category IS NULL OR EXISTS (SELECT 1 FROM categories WHERE slug = :category));

-- name: list_categories :many
-- Every category with the number of products in it, which triggers keep
-- (migrations/0005_category_counts.sql): one row read per category,
-- however large the catalog.
SELECT id, slug, name, product_count
FROM categories
ORDER BY name;
