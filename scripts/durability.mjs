// The durability ledger: concurrent writers create (and sometimes update) news
// articles while the server is killed with SIGKILL (kill -9) every 1.5–3 s and
// restarted on the same database. A write counts as acknowledged only when the
// HTTP answer says it succeeded; unacknowledged writes are retried with the
// same slug and the same Idempotency-Key (a CONFLICT on a retry means the first
// attempt was applied). After the kills everything is read back: every
// acknowledged write present with at least its acknowledged version and
// content (0 lost), nothing that no writer attempted (0 unexpected), no
// duplicates. Figures are printed as a Markdown table; the exit code is 1 when
// a check fails.
//
//   node scripts/durability.mjs [--db sqlite,postgres] [--kills 20] [--writers 8] [--bin target/release/relais]
import {
  parseArgs, resolveBin, parseDbs, Server, createUser, login, gql, allNews, freshPgDatabase, dropPgDatabase,
  freePort, tmpDir, deadline, sleep, uuid, now, table, fmtInt, fmtS, fmtMs, percentile, Counter,
} from './lib.mjs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const USAGE = `usage: node scripts/durability.mjs [--db sqlite,postgres] [--kills 20] [--writers 8] [--update-share 0.3] [--bin PATH] [--keep 0|1]`;
const opt = parseArgs({ db: 'sqlite,postgres', kills: 20, writers: 8, updateShare: 0.3, bin: 'target/release/relais', keep: 0 }, USAGE);
const bin = resolveBin(opt.bin);
const dbs = parseDbs(opt.db);
if (opt.kills < 1 || opt.writers < 1) throw new Error('--kills and --writers must be at least 1');
// Bounded: about 2.3 s a kill plus restarts, read-back and set-up; generous margin.
deadline(dbs.length * (opt.kills * 15_000 + 180_000), 'durability');

const TRANSIENT = new Set(['NETWORK', 'TIMEOUT', 'DB_UNAVAILABLE']);
const CREATE = `mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { id version slug title } }`;
const UPDATE = `mutation($id: ID!, $v: Int!, $i: NewsArticleInput!) { updateNewsArticle(id: $id, version: $v, input: $i) { id version title } }`;
const LOOKUP = `query($s: String!) { newsArticle(slug: $s, preview: true, locale: "fr") { id version } }`;
const fr = (value) => [{ locale: 'fr', value }];

async function runOne(db) {
  const t0 = now();
  const dir = tmpDir(`relais-suite-durability-${db}`);
  const run = Date.now().toString(36);
  let url, pgName;
  if (db === 'sqlite') url = `sqlite:${join(dir, 'ledger.db')}`;
  else { pgName = `relais_suite_durability_${process.pid}`; url = freshPgDatabase(pgName); }
  const env = { RELAIS_DATABASE_URL: url, RELAIS_MEDIA_URL: join(dir, 'media'), RELAIS_ANONYMOUS_RATE_LIMIT: '0' };
  createUser(bin, env, 'ledger@suite.test', 'EDITOR');
  const port = await freePort(4800, 4819);
  const server = new Server({ bin, port, env, logFile: join(dir, 'server.log') });
  await server.start();
  const api = server.url;

  // What was there before any writer ran (the demo content on SQLite).
  const baseline = new Set((await allNews(api, await login(api, 'ledger@suite.test'))).nodes.map((n) => n.slug));

  const ledger = new Map(); // slug -> entry
  const errors = new Counter(); // every failed attempt, by code
  const other = new Counter(); // failures that are not a dead server or a retried write already applied
  const otherSamples = [];
  const unavailableSamples = [];
  let lastStart = now();
  let retries = 0, conflictsOnRetry = 0, stopping = false, gaveUp = 0;
  const finalDeadline = () => stopping && now() - stopAt > 60_000;
  let stopAt = 0;

  // One write, retried until acknowledged. Returns { how: 'ack' | 'applied' | 'gaveup', data }.
  async function write(ctx, query, variables, key) {
    const seen = new Set();
    let unanswered = false; // an earlier attempt got no answer, so it may have been applied
    for (let attempt = 1; ; attempt++) {
      const r = await gql(api, query, variables, { token: ctx.token, idempotencyKey: key, timeoutMs: 10_000 });
      if (r.ok) return { how: 'ack', data: r.data };
      errors.add(r.code);
      if (r.code === 'DB_UNAVAILABLE' && unavailableSamples.length < 5) {
        unavailableSamples.push(`DB_UNAVAILABLE (HTTP ${r.status}, Retry-After ${r.retryAfter}) after ${fmtMs(r.ms)}, ${fmtMs(now() - lastStart)} after the server answered /health: ${r.message}`);
      }
      if (r.code === 'CONFLICT' && attempt > 1) {
        conflictsOnRetry++;
        if (!unanswered) { // every earlier attempt was answered with an error that promises nothing changed
          other.add('APPLIED_DESPITE_ERROR');
          if (otherSamples.length < 5) otherSamples.push(`${variables.i?.slug ?? variables.id}: earlier attempts answered ${[...seen].join(', ')} ("nothing was changed") yet the retry got CONFLICT: the write had been applied`);
        }
        return { how: 'applied' };
      }
      if (r.code === 'NETWORK' || r.code === 'TIMEOUT') unanswered = true;
      seen.add(r.code);
      if (!TRANSIENT.has(r.code)) {
        other.add(r.code);
        if (otherSamples.length < 5) otherSamples.push(`${r.code} (HTTP ${r.status}) on attempt ${attempt}: ${r.message}`);
        if (r.code === 'UNAUTHENTICATED') ctx.token = await login(api, ctx.email).catch(() => ctx.token);
        if (r.code === 'CONFLICT' || r.code === 'BAD_USER_INPUT') return { how: 'refused' };
      }
      if (finalDeadline()) return { how: 'gaveup' };
      retries++;
      await sleep(r.code === 'DB_UNAVAILABLE' ? 500 : 100 + Math.random() * 200);
    }
  }

  async function writer(w) {
    const ctx = { email: 'ledger@suite.test', token: await login(api, 'ledger@suite.test') };
    for (let n = 1; !stopping; n++) {
      const slug = `ledger-${run}-w${w}-${n}`;
      const e = { slug, titles: [null, `Ledger ${slug} v1`, `Ledger ${slug} v2`], created: null, ackVersion: 0, updated: null };
      ledger.set(slug, e);
      const c = await write(ctx, CREATE, { i: { slug, title: fr(e.titles[1]) } }, uuid());
      e.created = c.how;
      if (c.how === 'gaveup' || c.how === 'refused') { gaveUp += c.how === 'gaveup'; continue; }
      e.ackVersion = 1;
      let id = c.data?.createNewsArticle.id;
      if (c.how === 'ack' && (c.data.createNewsArticle.version !== 1 || c.data.createNewsArticle.slug !== slug)) {
        other.add('BAD_ANSWER');
        otherSamples.push(`create ${slug} answered ${JSON.stringify(c.data)}`);
      }
      if (stopping || Math.random() >= opt.updateShare) continue;
      if (!id) { // applied by an earlier attempt whose answer was lost: find its id
        const r = await gql(api, LOOKUP, { s: slug }, { token: ctx.token });
        if (!r.ok || !r.data.newsArticle) { other.add(`LOOKUP_${r.code ?? 'MISSING'}`); continue; }
        id = r.data.newsArticle.id;
        if (r.data.newsArticle.version !== 1) continue;
      }
      e.updated = 'attempted';
      const u = await write(ctx, UPDATE, { id, v: 1, i: { title: fr(e.titles[2]) } }, uuid());
      e.updated = u.how;
      if (u.how === 'gaveup') gaveUp++;
      if (u.how === 'ack' || u.how === 'applied') e.ackVersion = 2;
      if (u.how === 'ack' && u.data.updateNewsArticle.version !== 2) {
        other.add('BAD_ANSWER');
        otherSamples.push(`update ${slug} answered ${JSON.stringify(u.data)}`);
      }
    }
  }

  const writers = Array.from({ length: opt.writers }, (_, w) => writer(w + 1));
  const restarts = [];
  let kills = 0;
  try {
    for (let k = 0; k < opt.kills; k++) {
      await sleep(1500 + Math.random() * 1500);
      await server.kill9();
      kills++;
      restarts.push(await server.start());
      lastStart = now();
      process.stderr.write(`\r${db}: ${kills}/${opt.kills} kills, ${ledger.size} writes started  `);
    }
  } catch (e) { // the server did not come back: let the writers give up at once
    stopping = true;
    stopAt = now() - 120_000;
    await Promise.all(writers);
    throw e;
  }
  // Let the writers run a moment on the final server, then finish their current write.
  await sleep(1000);
  stopping = true;
  stopAt = now();
  await Promise.all(writers);
  process.stderr.write('\n');

  // Read everything back.
  const token = await login(api, 'ledger@suite.test');
  const { nodes, totalCount } = await allNews(api, token);
  const bySlug = new Map();
  const ids = new Set();
  let duplicates = 0, unexpected = 0, lost = 0, mismatched = 0;
  const problems = [];
  for (const n of nodes) {
    if (bySlug.has(n.slug) || ids.has(n.id)) { duplicates++; problems.push(`duplicate ${n.slug}`); }
    bySlug.set(n.slug, n);
    ids.add(n.id);
    if (!baseline.has(n.slug) && !ledger.has(n.slug)) { unexpected++; problems.push(`unexpected ${n.slug}`); }
  }
  if (totalCount !== nodes.length) { duplicates += Math.abs(totalCount - nodes.length); problems.push(`totalCount ${totalCount} but ${nodes.length} nodes read`); }
  let acknowledged = 0, attempted = 0;
  for (const e of ledger.values()) {
    attempted += 1 + (e.updated ? 1 : 0);
    acknowledged += (e.ackVersion >= 1 ? 1 : 0) + (e.ackVersion >= 2 ? 1 : 0);
    const n = bySlug.get(e.slug);
    if (!n) {
      if (e.ackVersion > 0) { lost++; problems.push(`lost ${e.slug} (acknowledged v${e.ackVersion})`); }
      continue;
    }
    if (n.version < e.ackVersion) { lost++; problems.push(`lost update ${e.slug}: v${n.version} read, v${e.ackVersion} acknowledged`); continue; }
    // Content must be what that version was written with; v2 only if an update was sent.
    const maxVersion = e.updated ? 2 : 1;
    if (n.version > maxVersion || n.title !== e.titles[n.version]) {
      mismatched++;
      problems.push(`mismatch ${e.slug}: v${n.version} "${n.title}"`);
    }
  }
  await server.stop();
  if (pgName) dropPgDatabase(pgName);
  if (!opt.keep) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir}`);

  const sorted = [...restarts].sort((a, b) => a - b);
  const pass = lost === 0 && unexpected === 0 && duplicates === 0 && mismatched === 0 && other.total() === 0 && gaveUp === 0;
  return {
    db, kills, attempted, acknowledged, lost, unexpected, duplicates, mismatched, retries, conflictsOnRetry,
    transient: [...errors.entries()].filter(([k]) => TRANSIENT.has(k)).map(([k, v]) => `${k} ${v}`).join(', ') || 'none',
    other: other.toString(), otherSamples, unavailableSamples, gaveUp, problems, restartP50: percentile(sorted, 50), restartMax: sorted.at(-1),
    ms: now() - t0, pass, articles: nodes.length,
  };
}

const results = [];
for (const db of dbs) {
  try { results.push(await runOne(db)); } catch (e) {
    console.error(`${db}: ${e.stack ?? e.message}`);
    results.push({ db, pass: false, error: e.message });
  }
}

console.log(`\n## Durability ledger (${opt.writers} writers, kill -9 every 1.5–3 s, ${opt.kills} kills per database)\n`);
console.log(table(
  ['database', 'kills', 'writes acknowledged', 'lost', 'unexpected', 'duplicates', 'wrong content', 'retries', 'retries answered CONFLICT (applied earlier)', 'failed attempts (dead server)', 'other errors', 'restart p50 / max', 'time', 'result'],
  results.map((r) => r.error ? [r.db, '–', '–', '–', '–', '–', '–', '–', '–', '–', r.error, '–', '–', 'FAIL'] : [
    r.db, r.kills, `${fmtInt(r.acknowledged)} of ${fmtInt(r.attempted)}`, r.lost, r.unexpected, r.duplicates, r.mismatched,
    fmtInt(r.retries), r.conflictsOnRetry, r.transient, r.other + (r.gaveUp ? `, ${r.gaveUp} given up` : ''),
    `${fmtMs(r.restartP50)} / ${fmtMs(r.restartMax)}`, fmtS(r.ms), r.pass ? 'pass' : 'FAIL',
  ]),
));
for (const r of results) {
  for (const s of [...(r.otherSamples ?? []), ...(r.unavailableSamples ?? [])]) console.log(`- ${r.db}: ${s}`);
  for (const p of (r.problems ?? []).slice(0, 20)) console.log(`- ${r.db}: ${p}`);
}
process.exitCode = results.every((r) => r.pass) ? 0 : 1;
