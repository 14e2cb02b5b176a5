// Opens the docs portal in headless Chromium and prints, as JSON, the
// operation ids it lists, the title it shows, and anything that went wrong:
// page errors, failed requests, and any request that left the server (the
// portal must work offline). Given a bearer token, it then authorizes with
// it ("Authorize"), calls `list_orders` ("Try it out", "Execute"), and adds
// the status the portal shows and the Authorization header it sent. Last,
// it follows a problem type's link from an operation to the type's page.
//
// Usage: node docs.mjs <base-url> [scheme token]
import { chromium } from 'playwright-core';

const base = process.argv[2];
const scheme = process.argv[3];
const token = process.argv[4];
if (!base) {
  console.error('usage: node docs.mjs <base-url>');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const problems = [];
try {
  const page = await browser.newPage();
  // The page's Content-Security-Policy must not block anything it needs.
  await page.addInitScript(() => {
    window.__blocked = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__blocked.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base) || url.startsWith('data:')) {
      return route.continue();
    }
    problems.push(`request outside the server: ${url}`);
    return route.abort();
  });
  await page.goto(`${base}/docs`, { waitUntil: 'load' });
  await page.waitForSelector('.opblock-summary-operation-id', { timeout: 30_000 });
  const operations = await page.$$eval('.opblock-summary-operation-id', (els) =>
    els.map((e) => e.textContent.trim()),
  );
  const title = (await page.textContent('.info .title'))?.trim() ?? '';
  const result = { operations, title, problems };
  if (token) {
    let sent = null;
    page.on('request', (r) => {
      if (r.url().startsWith(`${base}/v1/orders`)) {
        sent = r.headers()['authorization'] ?? '';
      }
    });
    await page.click('.auth-wrapper .btn.authorize');
    const form = page.locator('.auth-container', { hasText: scheme });
    await form.locator('input').fill(token);
    await form.locator('.auth-btn-wrapper .btn.modal-btn.auth.authorize').click();
    await page.locator('.auth-btn-wrapper .btn-done').first().click();
    const op = '#operations-orders-list_orders';
    await page.click(`${op} .opblock-summary`);
    await page.click(`${op} .try-out__btn`);
    await page.click(`${op} .execute`);
    const status = `${op} .live-responses-table tr.response .response-col_status`;
    await page.waitForSelector(status, { timeout: 30_000 });
    result.tried = {
      operation: 'list_orders',
      status: (await page.textContent(status))?.trim(),
      authorization: sent,
    };
  }
  // A problem response links each type it may carry to its page: open one
  // from the portal, as a reader would.
  {
    const href = '/problems/insufficient-stock';
    const op = '#operations-orders-create_order';
    await page.click(`${op} .opblock-summary`);
    const link = page.locator(`${op} a[href="${href}"]`).first();
    await link.waitFor({ timeout: 30_000 });
    // The operation's declared examples: the request body's, and a
    // problem response's, each offered by its summary.
    const options = (where) =>
      page.$$eval(`${op} ${where} .examples-select option`, (els) =>
        els.map((e) => e.textContent.trim()),
      );
    result.examples = {
      request: await options('.opblock-section-request-body'),
      conflict: await options('.response[data-code="409"]'),
    };
    const popup = page.context().waitForEvent('page', { timeout: 5_000 }).catch(() => null);
    await link.click();
    let target = await popup;
    if (!target) {
      await page.waitForURL(`**${href}`, { timeout: 10_000 });
      target = page;
    }
    await target.waitForLoadState('load');
    result.problem_page = {
      path: new URL(target.url()).pathname,
      heading: (await target.textContent('h1'))?.trim() ?? '',
    };
  }
  for (const blocked of await page.evaluate(() => window.__blocked)) {
    problems.push(`blocked by the Content-Security-Policy: ${blocked}`);
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
