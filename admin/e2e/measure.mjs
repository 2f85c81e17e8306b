// Measures what the README reports: gzipped size of the first load and of
// the editor chunk, and Chromium's timing of rendering a 100-row list.
//   node e2e/measure.mjs        (needs a relais binary, see harness.mjs)
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM, PASSWORD, startServer } from './harness.mjs';

const dist = new URL('../dist/', import.meta.url);
const html = readFileSync(new URL('index.html', dist), 'utf8');
const gz = (f) => gzipSync(readFileSync(new URL(`assets/${f}`, dist))).length;
const files = readdirSync(new URL('assets/', dist));
const first = files.filter((f) => html.includes(f));
const later = files.filter((f) => !html.includes(f));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`first load (gzip): ${kb(first.reduce((a, f) => a + gz(f), 0))} (${first.join(', ')})`);
for (const f of later) console.log(`loaded on first use (gzip): ${f} ${kb(gz(f))}`);

const server = await startServer();
const browser = await chromium.launch(CHROMIUM);
try {
  // Enough items for a full page of 100.
  const call = async (query, variables, token) =>
    (
      await fetch(`${server.api}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      })
    ).json();
  const login = await call('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: 'admin@example.org', p: PASSWORD });
  const token = login.data.login.token;
  for (let i = 0; i < 110; i++) {
    await call('mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { id } }', { i: { title: [{ locale: 'fr', value: `Article de mesure ${i}` }] } }, token);
  }
  const page = await browser.newPage({ locale: 'fr-FR' });
  const t0 = Date.now();
  await page.goto(`${server.admin}/admin/`);
  await page.waitForSelector('#login-email');
  console.log(`sign-in screen shown: ${Date.now() - t0} ms`);
  await page.fill('#login-email', 'admin@example.org');
  await page.fill('#login-password', PASSWORD);
  await page.click('form.login button[type=submit]');
  await page.click('a[href="/admin/newsArticles"]');
  await page.waitForSelector('table.items tbody tr');
  const times = [];
  for (let run = 0; run < 5; run++) {
    await page.selectOption('.pager select', '20');
    await page.waitForFunction(() => document.querySelectorAll('table.items tbody tr').length === 20);
    await page.selectOption('.pager select', '100');
    await page.waitForFunction(() => document.querySelectorAll('table.items tbody tr').length === 100);
    await page.waitForTimeout(50);
    const m = await page.evaluate(() => performance.getEntriesByName('relais:list-render:100').map((e) => e.duration));
    times.push(m[m.length - 1]);
  }
  times.sort((a, b) => a - b);
  console.log(`100-row list render (data → rows on screen), 5 runs: median ${times[2].toFixed(1)} ms, max ${times[4].toFixed(1)} ms`);
} finally {
  await browser.close();
  await server.stop();
}
