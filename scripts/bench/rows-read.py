#!/usr/bin/env python3
"""D1's `rows_read` (what D1 bills reads by) for one request of each read
endpoint, measured on a local D1 (wrangler, no account) holding the sample
data plus 10,000 products stocked in 3 warehouses, as the criterion bench
fills it.

    python3 scripts/bench/rows-read.py            # the table of docs/benchmarks.md
    PRODUCTS=100000 python3 scripts/bench/rows-read.py

Each endpoint's queries (from app/queries/*.sql, as the generated code runs
them, one batch per request) are run with `wrangler d1 execute --json`,
their parameters written in as literals, and the `rows_read` of their
results summed. The listing runs as its first page and as a later page,
with and without filters, including the worst filter: a search nothing
matches, which walks the whole index.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
WRANGLER = ROOT / "node_modules" / ".bin" / "wrangler"
PRODUCTS = int(os.environ.get("PRODUCTS", "10000"))

FILL = f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PRODUCTS}),
     cats(id, k) AS (SELECT id, row_number() OVER (ORDER BY id) - 1 FROM categories)
INSERT INTO products (sku, name, description, category_id, price_cents, currency, created_at)
SELECT printf('BEN-%05d', i), printf('Bench item %d', i),
       CASE WHEN i % 3 = 0 THEN NULL ELSE 'A product made for measuring.' END,
       cats.id, 100 + (i * 7919) % 100000, 'USD',
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 60, 'unixepoch')
FROM n JOIN cats ON cats.k = i % (SELECT COUNT(*) FROM categories);
INSERT INTO stock (product_id, warehouse_id, on_hand, reserved)
SELECT p.id, w.id, (p.id * 13 + w.id) % 40, min((p.id * 13 + w.id) % 40, (p.id + w.id) % 3)
FROM products p CROSS JOIN warehouses w WHERE p.sku LIKE 'BEN-%';
"""

LISTING = {
    "category": None, "q": None, "min_price": None, "max_price": None, "in_stock": None,
    "sort": "newest", "after_sort_key": None, "after_id": None, "limit": 21,
}
CHECK = json.dumps([{"sku": f"BEN-{i:05d}", "quantity": 1} for i in range(1, 21)])

# (what, [(query, parameters)]): each request's batch.
REQUESTS = [
    ("GET /v1/products?limit=20 (first page, newest)", [("catalog.list_products", LISTING)]),
    ("GET /v1/products?limit=20&cursor=… (page 200)",
     [("catalog.list_products", {**LISTING, "after_sort_key": -1700000000 - 6000 * 60, "after_id": 6000})]),
    ("GET /v1/products?limit=20&sort=price_asc", [("catalog.list_products", {**LISTING, "sort": "price_asc"})]),
    ("GET /v1/products?limit=20&category=shoes", [("catalog.list_products", {**LISTING, "category": "shoes"})]),
    ("GET /v1/products?limit=20&in_stock=true", [("catalog.list_products", {**LISTING, "in_stock": 1})]),
    ("GET /v1/products?limit=20&q=nothing (worst case: no match)",
     [("catalog.list_products", {**LISTING, "q": "nothing matches this"})]),
    ("GET /v1/products/{id}",
     [("catalog.get_product", {"product_id": 5000}), ("inventory.product_stock", {"product_id": 5000})]),
    ("GET /v1/categories", [("catalog.list_categories", {})]),
    ("GET /v1/inventory/{sku}",
     [("inventory.sku_product", {"sku": "BEN-05000"}), ("inventory.sku_stock", {"sku": "BEN-05000"}),
      ("inventory.sku_stock_totals", {"sku": "BEN-05000"})]),
    ("POST /v1/inventory/check (20 lines)",
     [("inventory.check_lines", {"items": CHECK}), ("inventory.check_all_available", {"items": CHECK})]),
    ("GET /v1/orders?limit=20 (a customer)",
     [("orders.list_orders", {"auth_role": "customer", "auth_sub": 42, "customer_id": None, "status": None,
                              "after_id": None, "limit": 21})]),
    ("GET /v1/orders/{id}",
     [("orders.get_order", {"order_id": 1, "auth_role": "customer", "auth_sub": 42}),
      ("orders.order_lines", {"order_id": 1, "auth_role": "customer", "auth_sub": 42})]),
]


def queries():
    found = {}
    for path in sorted((APP / "queries").glob("*.sql")):
        text = path.read_text()
        parts = re.split(r"^-- name: (\w+) :\w+\n", text, flags=re.M)
        for name, body in zip(parts[1::2], parts[2::2]):
            lines = [l for l in body.splitlines() if not l.lstrip().startswith("--")]
            found[f"{path.stem}.{name}"] = "\n".join(lines).strip().rstrip(";")
    return found


def literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def bind(sql, params):
    def sub(m):
        name = m.group(1)
        if name not in params:
            sys.exit(f"no value for :{name} in {sql[:60]}…")
        return literal(params[name])
    return re.sub(r"(?<!:):([a-z_][a-z0-9_]*)", sub, sql)


def wrangler(state, *args):
    env = {**os.environ, "WRANGLER_SEND_METRICS": "false", "CI": "true"}
    out = subprocess.run([str(WRANGLER), "d1", *args, "--local", "--persist-to", state],
                         cwd=APP, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"wrangler d1 {' '.join(args[:2])} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def main():
    sql = queries()
    with tempfile.TemporaryDirectory() as state:
        wrangler(state, "migrations", "apply", "DB")
        wrangler(state, "execute", "DB", "--file", "seed/dev.sql")
        fill = Path(state) / "fill.sql"
        fill.write_text(FILL)
        wrangler(state, "execute", "DB", "--file", str(fill))
        print(f"| request ({PRODUCTS:,} products) | rows returned | rows_read |")
        print("|---|---|---|")
        for what, batch in REQUESTS:
            read = returned = 0
            for name, params in batch:
                out = json.loads(wrangler(state, "execute", "DB", "--json", "--command", bind(sql[name], params)))
                for result in out:
                    read += result["meta"]["rows_read"]
                    returned += len(result.get("results") or [])
            print(f"| `{what}` | {returned} | {read:,} |")


if __name__ == "__main__":
    main()
