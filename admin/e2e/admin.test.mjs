// End to end in Chromium: an author writes, an editor reviews and schedules,
// the public API serves the article in French and Arabic; two editors saving
// the same item lose nothing. Screenshots go to test-output/.
import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, PASSWORD, png, publicQuery, startServer } from './harness.mjs';

const OUT = new URL('../test-output/', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });
let server;
let browser;
const cspViolations = [];

before(async () => {
  server = await startServer();
  browser = await chromium.launch(CHROMIUM);
});
after(async () => {
  assert.deepEqual(cspViolations, []);
  await browser?.close();
  await server?.stop();
});

async function signIn(who, lang = 'fr-FR') {
  const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${who}] page error:`, e.message));
  // The strict Content-Security-Policy must hold: no inline script or style anywhere.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspViolations.push(`[${who}] ${m.text()}`);
  });
  await page.goto(`${server.admin}/admin/`);
  await page.fill('#login-email', `${who}@example.org`);
  await page.fill('#login-password', PASSWORD);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('header.top nav');
  return page;
}

/** Goes to a screen as a link in the app does (no reload). */
async function go(page, path) {
  await page.evaluate((p) => {
    history.pushState(null, '', p);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

async function axe(page, name) {
  const r = await new AxeBuilder({ page }).disableRules(['region']).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${name}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`),
    [],
  );
}

const itemId = (page) => decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
const field = (name) => `[data-field="${name}"]`;

async function save(page) {
  await page.click('.form-actions button[type=submit]');
  await page.waitForSelector('.banner.ok, .banner.error, .field-error');
}

async function act(page, action, comment) {
  if (comment !== undefined) await page.fill('.side-panel textarea >> nth=0', comment);
  await page.click(`[data-action=${action}]`);
}

test('an article goes from an author through review to the public, in French and Arabic', async () => {
  const author = await signIn('author');
  await author.click('a[href="/admin/newsArticles"]');
  await author.waitForSelector('table.items');
  await author.screenshot({ path: `${OUT}list-fr.png` });
  await axe(author, 'list fr');

  await author.click('a[href="/admin/newsArticles/new"]');
  await author.fill(`${field('title')} textarea`, 'Lancement du portail');
  await author.fill(`${field('dateline')} textarea`, 'Rabat');
  const body = author.locator(`${field('body')} .rich-text`);
  await body.click();
  await author.keyboard.type('Le portail ');
  await author.keyboard.press('Control+b');
  await author.keyboard.type('ouvre');
  await author.keyboard.press('Control+b');
  await author.keyboard.type(" aujourd'hui.");

  await author.click('.locale-tabs button:has-text("AR")');
  await author.fill(`${field('title')} textarea`, 'إطلاق البوابة');
  assert.equal(await author.getAttribute(`${field('title')} textarea`, 'dir'), 'rtl');
  await author.locator(`${field('body')} .rich-text`).click();
  await author.keyboard.type('افتتاح البوابة مع عبارة la migration est une chance بالفرنسية.');
  await author.click('.locale-tabs button:has-text("FR")');
  assert.equal(await author.inputValue(`${field('title')} textarea`), 'Lancement du portail');

  await author.click('.form-actions button[type=submit]');
  await author.waitForURL(/newsArticles\/[^/]+$/);
  await author.waitForSelector('.side-panel');
  const id = itemId(author);

  // Translation status, from the server: the Arabic dateline is missing.
  const arTab = '.locale-tabs button[data-locale="ar"]';
  await author.waitForSelector(`${arTab} .missing-count`);
  await author.click(arTab);
  await author.waitForSelector(`${field('dateline')}[data-translation="missing"] .translation-note`);
  assert.equal(await author.locator(`${field('title')}[data-translation]`).count(), 0);
  // The French title changes: the Arabic title is now outdated.
  await author.click('.locale-tabs button[data-locale="fr"]');
  await author.fill(`${field('title')} textarea`, 'Lancement du portail migration');
  await save(author);
  await author.waitForSelector(`${arTab} .outdated-count`);
  await author.click(arTab);
  await author.waitForSelector(`${field('title')}[data-translation="outdated"] .translation-note`);
  await author.screenshot({ path: `${OUT}translation-ar.png`, fullPage: true });
  // The Arabic title brought up to date and the dateline translated: the marks clear.
  await author.fill(`${field('title')} textarea`, 'إطلاق بوابة الهجرة');
  await author.fill(`${field('dateline')} textarea`, 'الرباط');
  await save(author);
  await author.waitForSelector(`${field('title')}:not([data-translation])`);
  assert.equal(await author.locator('[data-translation]').count(), 0);
  assert.equal(await author.locator(`${arTab} .missing-count, ${arTab} .outdated-count`).count(), 0);
  await author.click('.locale-tabs button[data-locale="fr"]');

  // An image: upload, focal point, then the article's cover.
  await go(author, '/admin/mediaAssets');
  // A disguised file is refused with the server's message; the real image goes in.
  await author.setInputFiles('.upload input[type=file]', [
    { name: 'faux.png', mimeType: 'image/png', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') },
    { name: 'atelier.png', mimeType: 'image/png', buffer: png() },
  ]);
  await author.waitForSelector('.uploads li:has-text("faux.png") .field-error');
  await author.click('.uploads a:has-text("atelier.png")');
  await author.waitForSelector('.focal img');
  await author.locator('.focal').scrollIntoViewIfNeeded();
  const box = await author.locator('.focal').boundingBox();
  await author.mouse.click(box.x + box.width * 0.25, box.y + box.height * 0.3);
  assert.equal(await author.getAttribute('.focal', 'aria-valuetext'), 'x 0.25, y 0.30');
  await author.fill(`${field('altText')} textarea`, 'Participants à Rabat');
  await author.screenshot({ path: `${OUT}media-fr.png`, fullPage: true });
  await axe(author, 'media fr');
  await save(author);
  assert.equal(await author.locator('.banner.ok').count(), 1, await author.locator('.banner.error, .field-error').allTextContents().then(String));
  // Read back from the server after the save: the focal point holds.
  assert.equal(await author.getAttribute('.focal', 'aria-valuetext'), 'x 0.25, y 0.30');

  await go(author, `/admin/newsArticles/${encodeURIComponent(id)}`);
  await author.fill(`${field('coverImage')} input[role=combobox]`, 'atelier');
  await author.waitForSelector(`${field('coverImage')} .picker-results [role=option]:has-text("atelier")`);
  await author.keyboard.press('ArrowDown');
  await author.keyboard.press('ArrowUp');
  await author.keyboard.press('Enter');
  await author.waitForSelector(`${field('coverImage')} .ref`);
  await save(author);
  await author.screenshot({ path: `${OUT}edit-fr.png`, fullPage: true });
  await axe(author, 'edit fr');
  await act(author, 'submitForReview');
  await author.waitForSelector('.meta .state-in_review');

  // The editor sends it back with a comment.
  const editor = await signIn('editor');
  // Home: what waits for translation per locale; a link opens the list filtered that way.
  await editor.click('.waiting-locale[data-locale="en"] a[href^="/admin/newsArticles?translation=en"]');
  await editor.waitForSelector('table.items');
  assert.equal(await editor.inputValue('#filter-translation-locale'), 'en');
  await editor.waitForSelector(`a[href="/admin/newsArticles/${encodeURIComponent(id)}"]`);
  await editor.click(`a[href="/admin/newsArticles/${encodeURIComponent(id)}"]`);
  await act(editor, 'requestChanges', 'Ajouter le lieu exact, merci.');
  await editor.waitForSelector('.meta .state-draft');
  await editor.fill('.side-panel form textarea', 'Belle photo de couverture.');
  await editor.click('.side-panel form button[type=submit]');
  await editor.waitForSelector('.comments li:has-text("Belle photo")');

  // The author fixes and resubmits.
  await go(author, `/admin/newsArticles`);
  await go(author, `/admin/newsArticles/${encodeURIComponent(id)}`);
  await author.waitForSelector('.revisions q:has-text("Ajouter le lieu exact")');
  await author.waitForSelector('.comments li:has-text("Belle photo")');
  await author.fill(`${field('dateline')} textarea`, 'Rabat, siège de l’OIM');
  await save(author);
  await act(author, 'submitForReview');
  await author.waitForSelector('.meta .state-in_review');

  // The editor schedules the publish two seconds ahead, in the browser's time zone.
  await go(editor, '/admin/newsArticles');
  await go(editor, `/admin/newsArticles/${encodeURIComponent(id)}`);
  await editor.waitForSelector('[data-action=publish]');
  const at = await editor.evaluate(() => {
    const d = new Date(Date.now() + 2000);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  });
  await editor.fill('.side-panel input[type=datetime-local]', at);
  await act(editor, 'publish');
  await editor.waitForSelector('.scheduled');
  await editor.screenshot({ path: `${OUT}workflow-fr.png`, fullPage: true });
  await axe(editor, 'workflow fr');

  // Arabic interface screenshots while the schedule runs.
  await editor.selectOption('.lang-picker select', 'ar');
  await editor.click('.locale-tabs button:has-text("AR")');
  assert.equal(await editor.getAttribute('html', 'dir'), 'rtl');
  await editor.screenshot({ path: `${OUT}edit-ar.png`, fullPage: true });
  await axe(editor, 'edit ar');
  await go(editor, '/admin/newsArticles');
  await editor.waitForSelector('table.items');
  // The French dateline changed after the Arabic one was written: the list's badge says so.
  await editor.waitForSelector('.tr-badges .badge.outdated[data-locale="ar"]');
  await editor.screenshot({ path: `${OUT}list-ar.png` });
  await axe(editor, 'list ar');
  await go(editor, '/admin/mediaAssets');
  await editor.click('table.items tbody a');
  await editor.waitForSelector('.focal img');
  // Where the image is used: the article's cover, named in the content locale, a link to its form.
  const use = editor.locator('.used-by li[data-type="NewsArticle"][data-field="coverImage"] a');
  await use.waitFor();
  assert.equal(await use.getAttribute('href'), `/admin/newsArticles/${encodeURIComponent(id)}`);
  assert.equal(await use.textContent(), 'إطلاق بوابة الهجرة');
  assert.equal(await editor.locator('.used-by li').count(), 1);
  await editor.screenshot({ path: `${OUT}media-ar.png`, fullPage: true });
  await axe(editor, 'media ar');
  await use.click();
  await editor.waitForURL(`**/admin/newsArticles/${encodeURIComponent(id)}`);
  await editor.waitForSelector(`${field('coverImage')} .ref`);

  let fr;
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 500));
    fr = await publicQuery(server.api, 'query($id: ID!) { newsArticle(id: $id, locale: "fr") { title dateline body { text } } }', { id });
    if (fr.data?.newsArticle) break;
  }
  assert.equal(fr.data?.newsArticle?.title, 'Lancement du portail migration');
  assert.equal(fr.data.newsArticle.dateline, 'Rabat, siège de l’OIM');
  assert.match(fr.data.newsArticle.body.text, /Le portail ouvre/);
  const ar = await publicQuery(server.api, 'query($id: ID!) { newsArticle(id: $id, locale: "ar") { title body { text direction } } }', { id });
  assert.equal(ar.data.newsArticle.title, 'إطلاق بوابة الهجرة');
  assert.match(ar.data.newsArticle.body.text, /la migration est une chance/);
  assert.equal(ar.data.newsArticle.body.direction, 'RTL');
  await author.context().close();
  await editor.context().close();
});

test('two editors save the same item: neither edit is lost', async () => {
  const a = await signIn('editor');
  const b = await signIn('editor2');
  const { data } = await publicQuery(server.api, '{ people(first: 1) { nodes { id } } }');
  const id = data.people.nodes[0].id;
  const path = `/admin/people/${encodeURIComponent(id)}`;
  await go(a, path);
  await go(b, path);
  await a.waitForSelector(field('honorific'));
  await b.waitForSelector(field('email'));
  await a.fill(`${field('honorific')} textarea`, 'Professeure');
  await b.fill(`${field('email')} input`, 'contact@example.org');
  await save(a);
  await b.click('.form-actions button[type=submit]');
  await b.waitForSelector('.banner.warning');
  await b.evaluate(() => scrollTo(0, 0));
  await b.screenshot({ path: `${OUT}conflict-fr.png` });
  await b.click('.banner.warning button >> nth=0');
  await b.waitForSelector('.banner.ok');
  // B's form now shows the item as saved: A's change and B's together.
  assert.equal(await b.inputValue(`${field('honorific')} textarea`), 'Professeure');
  assert.equal(await b.inputValue(`${field('email')} input`), 'contact@example.org');
  await a.context().close();
  await b.context().close();
});

test('a session that ends keeps what was typed: sign in again and save', async () => {
  const page = await signIn('author');
  await go(page, '/admin/newsArticles/new');
  await page.fill(`${field('title')} textarea`, 'Brouillon gardé après la fin de session');
  // End every session of this user from elsewhere (as an expiry would).
  const login = await publicQuery(server.api, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: 'author@example.org', p: PASSWORD });
  await fetch(`${server.api}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${login.data.login.token}` },
    body: JSON.stringify({ query: 'mutation { logoutEverywhere }' }),
  });
  await page.click('.form-actions button[type=submit]');
  await page.waitForSelector('.overlay .login');
  assert.equal(await page.inputValue(`${field('title')} textarea`), 'Brouillon gardé après la fin de session');
  await page.fill('.overlay #login-email', 'author@example.org');
  await page.fill('.overlay #login-password', PASSWORD);
  await page.click('.overlay button[type=submit]');
  await page.waitForSelector('.overlay', { state: 'detached' });
  await page.click('.form-actions button[type=submit]');
  await page.waitForURL(/newsArticles\/[^/]+$/);
  await page.waitForSelector('.side-panel');
  assert.equal(await page.inputValue(`${field('title')} textarea`), 'Brouillon gardé après la fin de session');
  await page.context().close();
});

test('unsaved changes survive a reload', async () => {
  const page = await signIn('editor');
  const { data } = await publicQuery(server.api, '{ organisations(first: 1) { nodes { id } } }');
  const path = `/admin/organisations/${encodeURIComponent(data.organisations.nodes[0].id)}`;
  await go(page, path);
  await page.fill(`${field('description')} textarea`, 'Texte tapé puis onglet rechargé');
  await page.waitForTimeout(500); // kept locally a moment after typing
  await page.reload();
  // The session is the HttpOnly cookie: a reload keeps it, and no page script can read it.
  await page.waitForSelector('.banner.warning');
  assert.equal(await page.locator('#login-email').count(), 0);
  assert.equal(await page.evaluate(() => document.cookie), '');
  const cookies = await page.context().cookies();
  assert.ok(cookies.some((c) => c.httpOnly && c.sameSite === 'Strict' && c.path === '/graphql'), JSON.stringify(cookies.map((c) => c.name)));
  assert.equal(await page.inputValue(`${field('description')} textarea`), 'Texte tapé puis onglet rechargé');
  await page.click('.banner.warning button');
  assert.notEqual(await page.inputValue(`${field('description')} textarea`), 'Texte tapé puis onglet rechargé');
  await page.context().close();
});

test('an admin manages users, API keys and webhooks; a stale change meets the conflict', async () => {
  /** Until the write and the list read after it are done. */
  const settled = (page) => page.waitForSelector('main[aria-busy="false"]');
  const a = await signIn('admin');
  a.on('dialog', (d) => void d.accept());
  const row = (email) => `table.items tbody tr[data-email="${email}"]`;
  const invitee = 'invitee@example.org';
  await a.click('a[href="/admin/users"]');
  await a.waitForSelector(row('author@example.org'));

  // Invite: the account appears, its invitation token is shown once.
  await a.fill('.inline-form input[type=email]', invitee);
  await a.selectOption('.inline-form select', 'AUTHOR');
  await a.click('.inline-form button[type=submit]');
  await a.waitForSelector(row(invitee));
  const invitation = await a.inputValue('.banner.warning input.secret');
  assert.ok(invitation.length >= 16, invitation);
  await a.click('.banner.warning button >> nth=1');
  await a.waitForSelector('.banner.warning', { state: 'detached' });

  // A role change holds after a reload (the cookie keeps the session).
  await a.selectOption(`${row(invitee)} select`, 'EDITOR');
  await settled(a);
  await a.reload();
  await a.waitForSelector(row(invitee));
  assert.equal(await a.inputValue(`${row(invitee)} select`), 'EDITOR');
  assert.ok(!(await a.content()).includes(invitation), 'the invitation is not shown again');

  // Deactivate: the row says so, and the button turns into reactivate.
  await a.click(`${row(invitee)} button:has-text("Désactiver")`);
  await a.waitForSelector(`${row(invitee)}.inactive .state-inactive`);
  assert.equal(await a.textContent(`${row(invitee)} .state`), 'désactivé');
  await a.screenshot({ path: `${OUT}settings-fr.png`, fullPage: true });
  await axe(a, 'users fr');

  // Two admins: B (Arabic interface) changes the role; A, on the list it read before, meets the server's CONFLICT.
  const b = await signIn('admin2', 'ar-MA');
  await b.click('a[href="/admin/users"]');
  await b.waitForSelector(`${row(invitee)}.inactive`);
  assert.equal(await b.getAttribute('html', 'dir'), 'rtl');
  await b.selectOption(`${row(invitee)} select`, 'VIEWER');
  await settled(b);
  assert.equal(await b.inputValue(`${row(invitee)} select`), 'VIEWER');
  await b.screenshot({ path: `${OUT}settings-ar.png`, fullPage: true });
  await axe(b, 'users ar');
  await a.selectOption(`${row(invitee)} select`, 'AUTHOR');
  const conflict = a.locator('main .banner.error[role=alert]');
  await conflict.waitFor();
  assert.match(await conflict.textContent(), /changed by someone else: you sent version \d+, the current version is \d+/);
  // The list is read again: A now sees B's change, and can apply its own on top.
  await a.waitForFunction((sel) => document.querySelector(sel)?.value === 'VIEWER', `${row(invitee)} select`);
  await a.screenshot({ path: `${OUT}settings-conflict-fr.png`, fullPage: true });
  await a.selectOption(`${row(invitee)} select`, 'AUTHOR');
  await settled(a);
  assert.equal(await a.locator('main .banner.error').count(), 0);
  // Reactivate: the account is active again.
  await a.click(`${row(invitee)} button:has-text("Réactiver")`);
  await a.waitForSelector(`${row(invitee)}:not(.inactive) .state-published`);
  await b.reload();
  await b.waitForSelector(`${row(invitee)}:not(.inactive)`);
  assert.equal(await b.inputValue(`${row(invitee)} select`), 'AUTHOR');
  await b.context().close();

  // An API key: its secret is shown once, then it is revoked.
  await a.click('a[href="/admin/apiKeys"]');
  await a.waitForSelector('table.items');
  await a.click('details.filters summary');
  await a.fill(`${field('name')} input`, 'Site partenaire');
  await a.check(`${field('scopes')} input[type=checkbox] >> nth=0`);
  await a.fill(`${field('origins')} textarea`, 'https://partenaire.example');
  await a.click('details.filters button[type=submit]');
  const keyRow = a.locator('table.items tbody tr', { hasText: 'Site partenaire' });
  await keyRow.waitFor();
  const secret = await a.inputValue('.banner.warning input.secret');
  assert.ok(secret.length >= 24, secret);
  await a.screenshot({ path: `${OUT}settings-keys-fr.png`, fullPage: true });
  await axe(a, 'API keys fr');
  await a.click('.banner.warning button >> nth=1');
  assert.ok(!(await a.content()).includes(secret), 'the secret is not shown again');
  await keyRow.locator('button', { hasText: 'Révoquer' }).click();
  await keyRow.locator('.state', { hasText: 'révoquée' }).waitFor();
  assert.equal(await keyRow.locator('button').count(), 0);

  // A webhook to a public https address (it need not answer), then removed.
  const url = 'https://hooks.partner-site.org/relais';
  await a.click('a[href="/admin/webhooks"]');
  await a.waitForSelector('details.filters');
  await a.click('details.filters summary');
  await a.fill(`${field('url')} input`, url);
  await a.fill(`${field('description')} input`, 'Site partenaire : reconstruire les pages');
  await a.click('details.filters button[type=submit]');
  const hook = a.locator('section.hook', { has: a.locator('h2', { hasText: url }) });
  await hook.waitFor();
  assert.match(await a.inputValue('.banner.warning input.secret'), /^whsec_/);
  await axe(a, 'webhooks fr');
  await hook.locator('button', { hasText: 'Retirer' }).click();
  await hook.waitFor({ state: 'detached' });
  await a.context().close();
});
