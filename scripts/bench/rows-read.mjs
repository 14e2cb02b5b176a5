// D1's `rows_read` (what D1 bills reads by, and spends time on) for one
// request of each read endpoint, on a local D1 holding the sample data plus
// the benchmarks' catalog (app/benches/catalog.sql: 10,000 products stocked
// in 3 warehouses).
//
//   node scripts/bench/rows-read.mjs              # the table in docs/benchmarks.md
//   PRODUCTS=100000 node scripts/bench/rows-read.mjs
//
// wrangler migrates and fills a local D1 (no account, no network); then
// Miniflare, the simulator inside wrangler, runs each endpoint's queries
// (app/queries/*.sql, as the generated code binds them: named parameters
// become ?N in order of first use) in one batch and sums the `rows_read`
// D1 reports for them. The listing runs as a first page and a later one,
// in each order, with and without filters, including the worst filter: a
// search nothing matches, which examines `paginate.scan` products a page.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const app = join(root, 'app');
const products = Number(process.env.PRODUCTS ?? 10000);
const state = mkdtempSync(join(tmpdir(), 'rows-read-'));

const wrangler = (...args) =>
  execFileSync(join(root, 'node_modules', '.bin', 'wrangler'), ['d1', ...args, '--local', '--persist-to', state], {
    cwd: app,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });

// The benchmarks' catalog, at the size asked for.
const fill = join(state, 'fill.sql');
const catalog = readFileSync(join(app, 'benches', 'catalog.sql'), 'utf8');
if (!catalog.includes('i < 10000)')) throw new Error('app/benches/catalog.sql no longer says its size as `i < 10000)`');
writeFileSync(fill, catalog.replace('i < 10000)', `i < ${products})`));
wrangler('migrations', 'apply', 'DB');
wrangler('execute', 'DB', '--file', 'seed/dev.sql');
wrangler('execute', 'DB', '--file', fill);

// Every query, by `file.name`, comments dropped.
const queries = {};
for (const file of readdirSync(join(app, 'queries')).filter((f) => f.endsWith('.sql'))) {
  const parts = readFileSync(join(app, 'queries', file), 'utf8').split(/^-- name: (\w+) :\w+\n/m);
  for (let i = 1; i < parts.length; i += 2) {
    const body = parts[i + 1]
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('--'))
      .join('\n')
      .trim()
      .replace(/;$/, '');
    queries[`${file.replace(/\.sql$/, '')}.${parts[i]}`] = body;
  }
}

/** `:name` parameters to `?N`, as the macro rewrites them, with the values. */
function bind(db, name, params) {
  const order = [];
  const text = queries[name].replace(/(?<!:):([a-z_][a-z0-9_]*)/g, (_, p) => {
    if (!(p in params)) throw new Error(`no value for :${p} of ${name}`);
    if (!order.includes(p)) order.push(p);
    return `?${order.indexOf(p) + 1}`;
  });
  return db.prepare(text).bind(...order.map((p) => params[p]));
}

const listing = {
  category: null, q: null, min_price: null, max_price: null, in_stock: null,
  sort: 'newest', after_sort_key: null, after_id: null, limit: 21, scan: 1000,
};
const check = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ sku: `BEN-${String(i + 1).padStart(5, '0')}`, quantity: 1 })));
const owner = { auth_role: 'customer', auth_sub: 42 };
const requests = [
  ['GET /v1/products?limit=20 (first page, newest)', [['catalog.list_products', listing]]],
  ['GET /v1/products?limit=20&cursor=… (a page deep in the catalog)',
    [['catalog.list_products', { ...listing, after_sort_key: -(1700000000 + 5000 * 60), after_id: 5024 }]]],
  ['GET /v1/products?limit=20&sort=price_asc', [['catalog.list_products', { ...listing, sort: 'price_asc' }]]],
  ['GET /v1/products?limit=20&sort=name', [['catalog.list_products', { ...listing, sort: 'name' }]]],
  ['GET /v1/products?limit=20&category=shoes', [['catalog.list_products', { ...listing, category: 'shoes' }]]],
  ['GET /v1/products?limit=20&in_stock=true', [['catalog.list_products', { ...listing, in_stock: 1 }]]],
  ['GET /v1/products?limit=20&q=… (no product matches: the worst case)',
    [['catalog.list_products', { ...listing, q: 'nothing matches this' }]]],
  ['GET /v1/products/{id}', [['catalog.get_product', { product_id: 5000 }], ['inventory.product_stock', { product_id: 5000 }]]],
  ['GET /v1/categories', [['catalog.list_categories', {}]]],
  ['GET /v1/inventory/{sku}',
    [['inventory.sku_product', { sku: 'BEN-05000' }], ['inventory.sku_stock', { sku: 'BEN-05000' }],
      ['inventory.sku_stock_totals', { sku: 'BEN-05000' }]]],
  ['POST /v1/inventory/check (20 lines)', [['inventory.check_lines', { items: check }], ['inventory.check_all_available', { items: check }]]],
  ['GET /v1/orders?limit=20 (a customer)',
    [['orders.list_orders', { ...owner, customer_id: null, status: null, after_id: null, limit: 21 }]]],
  ['GET /v1/orders/{id}', [['orders.get_order', { ...owner, order_id: 1 }], ['orders.order_lines', { ...owner, order_id: 1 }]]],
];

const database = /database_id = "([^"]+)"/.exec(readFileSync(join(app, 'wrangler.toml'), 'utf8'))[1];
const mf = new Miniflare({
  modules: true,
  script: 'export default { fetch() { return new Response(null, { status: 204 }); } }',
  d1Databases: { DB: database },
  d1Persist: join(state, 'v3', 'd1'),
});
try {
  const db = await mf.getD1Database('DB');
  console.log(`| request (${products.toLocaleString('en')} products) | rows returned | rows_read |`);
  console.log('|---|---|---|');
  for (const [what, batch] of requests) {
    const results = await db.batch(batch.map(([name, params]) => bind(db, name, params)));
    const read = results.reduce((sum, r) => sum + r.meta.rows_read, 0);
    const returned = results.reduce((sum, r) => sum + r.results.length, 0);
    console.log(`| \`${what}\` | ${returned} | ${read.toLocaleString('en')} |`);
  }
} finally {
  await mf.dispose();
  rmSync(state, { recursive: true, force: true });
}
