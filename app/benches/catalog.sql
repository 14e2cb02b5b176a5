-- The benchmarks' catalog, added to the sample data: 10,000 products over
-- the sample categories, each stocked in every warehouse (30,000 stock
-- rows). The criterion bench (endpoints.rs), the load benchmark
-- (scripts/bench/load.sh) and the rows-read count
-- (scripts/bench/rows-read.mjs) all fill their database with it.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000),
     cats(id, k) AS (SELECT id, row_number() OVER (ORDER BY id) - 1 FROM categories)
INSERT INTO products (sku, name, description, category_id, price_cents, currency, created_at)
SELECT printf('BEN-%05d', i),
       printf('Bench item %d', i),
       CASE WHEN i % 3 = 0 THEN NULL ELSE 'A product made for measuring.' END,
       cats.id,
       100 + (i * 7919) % 100000,
       'USD',
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 60, 'unixepoch')
FROM n JOIN cats ON cats.k = i % (SELECT COUNT(*) FROM categories);

INSERT INTO stock (product_id, warehouse_id, on_hand, reserved)
SELECT p.id, w.id, (p.id * 13 + w.id) % 40, min((p.id * 13 + w.id) % 40, (p.id + w.id) % 3)
FROM products p CROSS JOIN warehouses w
WHERE p.sku LIKE 'BEN-%';
