-- name: list_products :many
-- One page of the products matching the filters, in the requested order.
-- `sort_key` turns every order into an ascending one, so that a page can
-- continue strictly after the previous page's last (sort_key, id).
WITH matching AS (
    SELECT p.id,
           p.sku,
           p.name,
           c.slug AS category_slug,
           c.name AS category_name,
           p.price_cents AS price_amount_cents,
           p.currency AS price_currency,
           COALESCE(s.available, 0) > 0 AS in_stock,
           p.created_at,
           CASE :sort
               WHEN 'price_asc' THEN p.price_cents
               WHEN 'price_desc' THEN -p.price_cents
               WHEN 'newest' THEN -unixepoch(p.created_at)
               ELSE p.name
           END AS sort_key
    FROM products p
    JOIN categories c ON c.id = p.category_id
    LEFT JOIN product_stock s ON s.product_id = p.id
    WHERE (:category IS NULL OR c.slug = :category)
      AND (:q IS NULL OR instr(lower(p.name), lower(:q)) > 0)
      AND (:min_price IS NULL OR p.price_cents >= :min_price)
      AND (:max_price IS NULL OR p.price_cents <= :max_price)
      AND (:in_stock IS NULL OR (COALESCE(s.available, 0) > 0) = :in_stock)
)
SELECT id, sku, name, category_slug, category_name, price_amount_cents, price_currency,
       in_stock, created_at, sort_key
FROM matching
WHERE :after_sort_key IS NULL OR (sort_key, id) > (:after_sort_key, :after_id)
ORDER BY sort_key, id
LIMIT :limit;

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
-- Every category with the number of products in it.
SELECT c.id, c.slug, c.name, COUNT(p.id) AS product_count
FROM categories c
LEFT JOIN products p ON p.category_id = c.id
GROUP BY c.id
ORDER BY c.name;
