// Opens the docs portal in headless Chromium and prints, as JSON, the
// operation ids it lists, the title it shows, and anything that went wrong:
// page errors, failed requests, and any request that left the server (the
// portal must work offline).
//
// Usage: node docs.mjs <base-url>
import { chromium } from 'playwright-core';

const base = process.argv[2];
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
  console.log(JSON.stringify({ operations, title, problems }));
} finally {
  await browser.close();
}
