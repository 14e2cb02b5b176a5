// Calls the running shop API through a client generated from its OpenAPI
// document: types from openapi-typescript, requests through openapi-fetch.
// Type-checked with `tsc --strict` before it runs, so a change to the
// document that this code relies on fails the type check.
//
// Usage: node client.test.mjs <base-url> <customer-token>   (after generating
// schema.d.ts and compiling: see app/tests/clients.rs)
import assert from 'node:assert/strict';
import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

type Product = components['schemas']['Product'];
type Problem = components['schemas']['Problem'];

const base = process.argv[2];
const token = process.argv[3];
// The catalog is public; orders need the customer's bearer token.
const client = createClient<paths>({ baseUrl: base });
const customer = createClient<paths>({
  baseUrl: base,
  headers: { Authorization: `Bearer ${token}` },
});

// A list, walked page by page with the opaque cursor.
const seen: Product[] = [];
let cursor: string | undefined;
for (;;) {
  const { data, error } = await client.GET('/v1/products', {
    params: { query: { sort: 'price_desc', limit: 5, cursor } },
  });
  assert.equal(error, undefined);
  assert.ok(data);
  seen.push(...data.items);
  if (data.next_cursor === null) break;
  cursor = data.next_cursor;
}
assert.equal(seen.length, 24);
assert.equal(new Set(seen.map((p) => p.id)).size, 24);
const prices: number[] = seen.map((p) => p.price.amount_cents);
assert.deepEqual(prices, [...prices].sort((a, b) => b - a));

// A detail read.
const detail = await client.GET('/v1/products/{product_id}', {
  params: { path: { product_id: 3 } },
});
assert.ok(detail.data);
const cents: number = detail.data.price.amount_cents;
assert.equal(cents, 18900);
assert.equal(detail.data.sku, 'SHO-003');
assert.equal(detail.data.availability.available, 27);

const shipping_address = {
  name: 'Katherine Johnson',
  line1: 'Main 3',
  city: 'Hampton',
  postal_code: '23666',
  country: 'US',
};

// Without a token, an order is refused with a 401 problem.
const anonymous = await client.POST('/v1/orders', {
  body: { items: [{ sku: 'ELE-004', quantity: 3 }], shipping_address },
});
assert.equal(anonymous.response.status, 401);
assert.equal(anonymous.error?.type, '/problems/unauthorized');
assert.equal(anonymous.response.headers.get('www-authenticate'), 'Bearer');

// An order creation: 201 with the order and its Location.
const created = await customer.POST('/v1/orders', {
  body: { items: [{ sku: 'ELE-004', quantity: 3 }], shipping_address },
});
assert.equal(created.response.status, 201);
assert.ok(created.data);
assert.equal(created.data.status, 'pending');
assert.equal(created.data.items[0].line_total.amount_cents, 3 * 4900);
assert.equal(created.data.customer_id, 9);
assert.equal(created.response.headers.get('location'), `/v1/orders/${created.data.id}`);

// The customer's own orders, and one of them.
const mine = await customer.GET('/v1/orders', { params: { query: { status: 'pending' } } });
assert.ok(mine.data);
assert.deepEqual(
  mine.data.items.map((o) => o.id),
  [created.data.id],
);
const again = await customer.GET('/v1/orders/{order_id}', {
  params: { path: { order_id: created.data.id } },
});
assert.equal(again.data?.total.amount_cents, 3 * 4900);

// A 409, decoded as a problem.
const refused = await customer.POST('/v1/orders', {
  body: { customer_id: 9, items: [{ sku: 'ELE-004', quantity: 10000 }], shipping_address },
});
assert.equal(refused.response.status, 409);
const problem: Problem | undefined = refused.error;
assert.ok(problem);
assert.equal(problem.type, '/problems/insufficient-stock');
assert.equal(problem.status, 409);
assert.deepEqual(problem.short_skus, ['ELE-004']);

// Each problem response names the types it may carry, so a client can
// switch on them and the compiler checks the switch covers them all.
type OrderConflict =
  paths['/v1/orders']['post']['responses'][409]['content']['application/problem+json'];
function advice(p: OrderConflict): string {
  switch (p.type) {
    case '/problems/insufficient-stock':
      return `short: ${(p.short_skus ?? []).join(', ')}`;
    case '/problems/idempotency-key-in-use':
      return 'retry after Retry-After';
    case '/problems/conflict':
      return 'read again';
    default: {
      const unnamed: never = p.type;
      return unnamed;
    }
  }
}
// A type the response does not name is not one it can carry.
const notNamed: '/problems/not-found' extends OrderConflict['type'] ? true : false = false;
assert.equal(notNamed, false);
assert.equal(advice(refused.error as OrderConflict), 'short: ELE-004');

console.log('typescript client: ok');
