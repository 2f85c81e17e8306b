// Soak: a mixed load at a fixed concurrency for a fixed time per database —
// mostly anonymous reads of varied queries (filtered and sorted lists, lookups
// by slug, search), some preview reads and a few writes by an editor — while
// the server's resident memory (VmRSS) is sampled every 10 s. Reports
// requests, errors by code (must be 0), p50/p99 latency, RSS at 1 minute and
// at the end and its growth (must be ≤ 10 %). The server runs with
// RELAIS_ANONYMOUS_RATE_LIMIT=0 so that the load is not throttled.
// Figures are printed as Markdown tables; the exit code is 1 when a check fails.
//
//   node scripts/soak.mjs [--minutes 30] [--db sqlite,postgres] [--concurrency 32] [--bin target/release/relais]
import {
  parseArgs, resolveBin, parseDbs, Server, createUser, login, gql, freshPgDatabase, dropPgDatabase, freePort, tmpDir,
  deadline, sleep, uuid, now, table, fmtInt, fmtMs, percentile, Counter,
} from './lib.mjs';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const USAGE = 'usage: node scripts/soak.mjs [--minutes 30] [--db sqlite,postgres] [--concurrency 32] [--max-growth 10] [--bin PATH]';
const opt = parseArgs({ minutes: 30, db: 'sqlite,postgres', concurrency: 32, maxGrowth: 10, bin: 'target/release/relais' }, USAGE);
const bin = resolveBin(opt.bin);
const dbs = parseDbs(opt.db);
if (!(opt.minutes > 0) || opt.concurrency < 1) throw new Error('--minutes must be > 0 and --concurrency ≥ 1');
const DURATION = opt.minutes * 60_000;
deadline(dbs.length * (DURATION + 5 * 60_000), 'soak');
const SAMPLE_MS = 10_000;

const LOCALES = ['fr', 'en', 'ar'];
const STATUSES = ['PLANNED', 'ONGOING', 'COMPLETED', 'SUSPENDED', 'CANCELLED'];
const KINDS = ['WORKSHOP', 'CONFERENCE', 'TRAINING', 'SEMINAR', 'MEETING', 'WEBINAR', 'CAMPAIGN', 'OTHER'];
const pick = (a) => a[Math.floor(Math.random() * a.length)];
const some = (a, n) => [...a].sort(() => Math.random() - 0.5).slice(0, 1 + Math.floor(Math.random() * n));
const fr = (value) => [{ locale: 'fr', value }];

const Q = {
  projects: `query($n: Int!, $l: String!, $s: [ProjectStatus!], $o: ProjectOrderField!, $d: OrderDirection!, $after: String) {
    projects(first: $n, after: $after, locale: $l, filter: { or: [{ status: { in: $s } }, { status: { isNull: true } }] }, orderBy: [{ field: $o, direction: $d }]) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { slug title acronym startDate endDate budget { amount currency } thematicAxes { nodes { title } } partners { edges { role node { name } } } } } }`,
  events: `query($n: Int!, $l: String!, $k: [EventKind!]!, $d: OrderDirection!) {
    events(first: $n, locale: $l, filter: { kind: { in: $k } }, orderBy: [{ field: STARTS_AT, direction: $d }]) {
      totalCount nodes { slug title startsAt endsAt city project { acronym } sessions { title moderators { person { name } } } } } }`,
  news: `query($n: Int!, $l: String!, $w: String!) {
    newsArticles(first: $n, locale: $l, filter: { not: { title: { contains: $w } } }, orderBy: [{ field: PUBLISHED_AT, direction: DESC }]) {
      totalCount nodes { slug title dateline lead publicationDate } } }`,
  project: `query($s: String!, $l: String!) { project(slug: $s, locale: $l) {
    id slug title summary startDate endDate budget { amount currency } body { html }
    thematicAxes { nodes { id title slug } } partners { nodes { id name slug website } } funders { nodes { id name slug } }
    events(first: 10, orderBy: [{ field: STARTS_AT, direction: DESC }]) { totalCount nodes { id title startsAt city } } } }`,
  event: `query($s: String!, $l: String!) { event(slug: $s, locale: $l) { title startsAt endsAt timeZone city venue
    sessions { title moderators { person { honorific name } affiliation } } titleLocalized { locale direction isFallback } } }`,
  organisation: `query($s: String!, $l: String!) { organisation(slug: $s, locale: $l) { name acronym kind description } }`,
  person: `query($s: String!, $l: String!) { person(slug: $s, locale: $l) { name honorific bio } }`,
  search: `query($q: String!, $l: String!) { search(query: $q, first: 10, locale: $l) { totalCount edges { type score title snippet node { id slug } } } }`,
  previewList: `query($n: Int!) { newsArticles(first: $n, preview: true, orderBy: [{ field: UPDATED_AT, direction: DESC }]) {
    totalCount nodes { slug version title workflowState hasUnpublishedChanges } } }`,
  previewProject: `query($s: String!) { project(slug: $s, preview: true) { title workflowState hasUnpublishedChanges version } }`,
  create: `mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { id version slug } }`,
  update: `mutation($id: ID!, $v: Int!, $i: NewsArticleInput!) { updateNewsArticle(id: $id, version: $v, input: $i) { id version } }`,
};

// Share of each request kind, in percent.
const MIX = [
  ['list projects', 22], ['list events', 12], ['list news', 8], ['project page', 16], ['event page', 7],
  ['organisation', 6], ['person', 5], ['search', 14], ['preview read', 8], ['write', 2],
];
const MIX_TOTAL = MIX.reduce((a, [, w]) => a + w, 0);
const pickKind = () => { let r = Math.random() * MIX_TOTAL; for (const [k, w] of MIX) if ((r -= w) < 0) return k; return MIX[0][0]; };

async function slugsOf(api, field) {
  const r = await gql(api, `{ ${field}(first: 100) { nodes { slug title: ${field === 'organisations' || field === 'people' ? 'name' : 'title'} } } }`);
  if (!r.ok) throw new Error(`listing ${field}: ${r.code} ${r.message}`);
  return r.data[field].nodes;
}

async function runOne(db) {
  const dir = tmpDir(`relais-suite-soak-${db}`);
  let url, pgName, args = [];
  if (db === 'sqlite') url = `sqlite:${join(dir, 'soak.db')}`;
  else { pgName = `relais_suite_soak_${process.pid}`; url = freshPgDatabase(pgName); args = ['--demo']; }
  const env = { RELAIS_DATABASE_URL: url, RELAIS_MEDIA_URL: join(dir, 'media'), RELAIS_ANONYMOUS_RATE_LIMIT: '0' };
  createUser(bin, env, 'soak@suite.test', 'EDITOR');
  const server = new Server({ bin, port: await freePort(4840, 4859), env, args, logFile: join(dir, 'server.log') });
  await server.start();
  const api = server.url;
  const token = await login(api, 'soak@suite.test');

  // What there is to ask for.
  const data = {};
  for (const f of ['projects', 'events', 'newsArticles', 'organisations', 'people']) data[f] = await slugsOf(api, f);
  const words = [...new Set(Object.values(data).flat().flatMap((n) => String(n.title ?? '').toLowerCase().split(/[^\p{L}]+/u)).filter((w) => w.length >= 5))];
  if (!data.projects.length || !words.length) throw new Error('no content to read (the demo content did not load)');
  const cursors = [];

  const own = []; // articles this run wrote: { id, version, busy }
  let seq = 0;
  function request(kind) {
    const l = pick(LOCALES);
    switch (kind) {
      case 'list projects': {
        // Sometimes the next page of an earlier list (same variables, its cursor).
        if (Math.random() < 0.2 && cursors.length) return [Q.projects, pick(cursors)];
        return [Q.projects, { n: 1 + Math.floor(Math.random() * 30), l, s: some(STATUSES, 2), o: pick(['TITLE', 'START_DATE', 'PUBLISHED_AT', 'ACRONYM']), d: pick(['ASC', 'DESC']), after: null }];
      }
      case 'list events': return [Q.events, { n: 1 + Math.floor(Math.random() * 20), l, k: some(KINDS, 3), d: pick(['ASC', 'DESC']) }];
      case 'list news': return [Q.news, { n: 1 + Math.floor(Math.random() * 20), l, w: pick(words) }];
      case 'project page': return [Q.project, { s: pick(data.projects).slug, l }];
      case 'event page': return data.events.length ? [Q.event, { s: pick(data.events).slug, l }] : [Q.project, { s: pick(data.projects).slug, l }];
      case 'organisation': return data.organisations.length ? [Q.organisation, { s: pick(data.organisations).slug, l }] : [Q.project, { s: pick(data.projects).slug, l }];
      case 'person': return data.people.length ? [Q.person, { s: pick(data.people).slug, l }] : [Q.project, { s: pick(data.projects).slug, l }];
      case 'search': {
        const w = pick(words);
        const q = Math.random() < 0.3 ? w.slice(0, 3 + Math.floor(Math.random() * (w.length - 3))) : Math.random() < 0.3 ? `${w} ${pick(words)}` : w;
        return [Q.search, { q, l }];
      }
      case 'preview read': return Math.random() < 0.5
        ? [Q.previewList, { n: 1 + Math.floor(Math.random() * 30) }, { token }]
        : [Q.previewProject, { s: pick(data.projects).slug }, { token }];
      default: return null;
    }
  }

  const lat = [];
  const latByKind = new Map(MIX.map(([k]) => [k, []]));
  const errors = new Counter();
  const samples = new Map();
  let requests = 0, writes = 0, stopping = false;
  const record = (kind, r) => {
    requests++;
    lat.push(r.ms);
    latByKind.get(kind).push(r.ms);
    if (!r.ok) {
      errors.add(r.code);
      if (!samples.has(r.code)) samples.set(r.code, `${kind}: HTTP ${r.status}: ${r.message}`);
    }
  };

  async function write() {
    const mine = own.filter((a) => !a.busy);
    if (mine.length && Math.random() < 0.5) {
      const a = pick(mine);
      a.busy = true;
      const r = await gql(api, Q.update, { id: a.id, v: a.version, i: { title: fr(`Soak ${a.slug} v${a.version + 1}`) } }, { token, idempotencyKey: uuid() });
      if (r.ok) a.version = r.data.updateNewsArticle.version;
      a.busy = false;
      return r;
    }
    const slug = `soak-${db}-${++seq}`;
    const r = await gql(api, Q.create, { i: { slug, title: fr(`Soak ${slug}`), lead: fr(`Written by the soak test, ${new Date().toISOString()}.`) } }, { token, idempotencyKey: uuid() });
    if (r.ok) own.push({ slug, id: r.data.createNewsArticle.id, version: r.data.createNewsArticle.version, busy: false });
    return r;
  }

  // Every kind once, so that a broken query fails the run at once.
  for (const [kind] of MIX) {
    const r = kind === 'write' ? await write() : await gql(api, ...request(kind));
    if (!r.ok) throw new Error(`${kind} fails before the load: ${r.code} ${r.message}`);
  }

  async function worker() {
    while (!stopping) {
      const kind = pickKind();
      let r;
      if (kind === 'write') { r = await write(); writes++; } else {
        const [q, v, o] = request(kind);
        r = await gql(api, q, v, { ...o, timeoutMs: 30_000 });
        const page = r.data?.projects?.pageInfo;
        if (page?.hasNextPage && cursors.length < 200) cursors.push({ ...v, after: page.endCursor });
      }
      record(kind, r);
    }
  }

  const rss = []; // [ms since start, KiB]
  const t0 = now();
  rss.push([0, server.rssKiB()]);
  const sampler = setInterval(() => {
    rss.push([now() - t0, server.rssKiB()]);
    const s = Math.round((now() - t0) / 1000);
    process.stderr.write(`\r${db}: ${s} s, ${fmtInt(requests)} requests, ${errors.total()} errors, RSS ${Math.round(rss.at(-1)[1] / 1024)} MiB   `);
  }, SAMPLE_MS);
  const workers = Array.from({ length: opt.concurrency }, worker);
  await sleep(DURATION);
  stopping = true;
  await Promise.all(workers);
  clearInterval(sampler);
  const elapsed = now() - t0;
  rss.push([elapsed, server.rssKiB()]);
  process.stderr.write('\n');
  const alive = server.running;
  const serverCpu = cpuSeconds(server.pid);
  await server.stop();
  if (pgName) dropPgDatabase(pgName);
  rmSync(dir, { recursive: true, force: true });

  // Reference sample: at 1 minute; in runs of 2 minutes or less, at half time.
  const refAt = DURATION > 120_000 ? 60_000 : DURATION / 2;
  const ref = rss.find(([t]) => t >= refAt - 1000) ?? rss[0];
  const end = rss.at(-1);
  const growth = ref[1] ? ((end[1] - ref[1]) / ref[1]) * 100 : null;
  lat.sort((a, b) => a - b);
  const kinds = [...latByKind].map(([k, v]) => { v.sort((a, b) => a - b); return [k, v.length, percentile(v, 50), percentile(v, 99)]; });
  return {
    db, requests, writes, rate: requests / (elapsed / 1000), errors, samples, p50: percentile(lat, 50), p99: percentile(lat, 99),
    refAt: ref[0], rssRef: ref[1], rssEnd: end[1], rssMax: Math.max(...rss.map(([, v]) => v ?? 0)), growth, kinds, alive, serverCpu, elapsed,
    pass: errors.total() === 0 && growth !== null && growth <= opt.maxGrowth && alive,
  };
}

function cpuSeconds(pid) {
  try {
    const f = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks of 1/100 s
  } catch { return null; }
}

const results = [];
for (const db of dbs) {
  try { results.push(await runOne(db)); } catch (e) {
    console.error(`${db}: ${e.stack ?? e.message}`);
    results.push({ db, pass: false, error: e.message });
  }
}

const mib = (k) => (k == null ? '–' : `${(k / 1024).toFixed(1)} MiB`);
const at = (ms) => `${Math.round(ms / 1000)} s`;
console.log(`\n## Soak (${opt.minutes} min per database, concurrency ${opt.concurrency}, RELAIS_ANONYMOUS_RATE_LIMIT=0)\n`);
console.log(table(
  ['database', 'requests', 'per second', 'writes', 'errors by code', 'p50', 'p99', 'RSS at reference', 'RSS at the end (max)', 'growth', 'server CPU', 'result'],
  results.map((r) => r.error ? [r.db, '–', '–', '–', r.error, '–', '–', '–', '–', '–', '–', 'FAIL'] : [
    r.db, fmtInt(r.requests), r.rate.toFixed(0), fmtInt(r.writes), r.errors.toString(), fmtMs(r.p50), fmtMs(r.p99),
    `${mib(r.rssRef)} (${at(r.refAt)})`, `${mib(r.rssEnd)} (${mib(r.rssMax)})`, r.growth == null ? '–' : `${r.growth >= 0 ? '+' : ''}${r.growth.toFixed(1)} %`,
    r.serverCpu == null ? '–' : `${r.serverCpu.toFixed(0)} s`, r.pass ? 'pass' : `FAIL${r.alive ? '' : ' (server exited)'}`,
  ]),
));
console.log(`\nMemory is the server's VmRSS sampled every ${SAMPLE_MS / 1000} s; growth is from the reference sample (at 1 minute, or at half time in runs of 2 minutes or less) to the end; pass: ≤ ${opt.maxGrowth} % and no error.`);
for (const r of results.filter((x) => !x.error)) {
  console.log(`\n### ${r.db}: latency by kind\n`);
  console.log(table(['kind', 'requests', 'p50', 'p99'], r.kinds.map(([k, n, a, b]) => [k, fmtInt(n), fmtMs(a), fmtMs(b)])));
  for (const [code, s] of r.samples) console.log(`- ${code}: ${s}`);
}
process.exitCode = results.every((r) => r.pass) ? 0 : 1;
