// Database faults under load.
//
// (a) PostgreSQL stopped and restarted: a throwaway cluster (initdb into a
//     temporary folder, port 5499, run as the postgres OS user when this runs
//     as root), relais on it, a read+write load; `pg_ctl stop -m immediate`
//     mid-load. Checks that requests get 503 DB_UNAVAILABLE with Retry-After
//     quickly (p50 and max latency of those answers, limit 2 s) and no other
//     error code; then PostgreSQL is started again and the time until requests
//     succeed is measured (limit 1 s after the database is back); every
//     acknowledged write is read back.
// (b) SQLite disk full: the SQLite file on a small file system (tmpfs, else a
//     loop-mounted ext4 file; skipped with a message when neither can be
//     mounted), filled with a filler file; writes go on until they fail. They
//     must fail with a coded error and change nothing; once the filler is
//     deleted writes resume, every acknowledged write is there and
//     `PRAGMA integrity_check` says ok.
//
// Figures are printed as Markdown tables; the exit code is 1 when a check fails.
//
//   node scripts/db-faults.mjs [--bin target/release/relais] [--only postgres|sqlite]
import {
  parseArgs, resolveBin, Server, createUser, login, gql, allNews, freePort, portFree, tmpDir, deadline, sleep, uuid, now,
  table, fmtInt, fmtMs, fmtS, percentile, Counter, atExit,
} from './lib.mjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, statfsSync, openSync, writeSync, closeSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const USAGE = 'usage: node scripts/db-faults.mjs [--bin PATH] [--only postgres|sqlite] [--pg-port 5499] [--outage-secs 6]';
const opt = parseArgs({ bin: 'target/release/relais', only: '', pgPort: 5499, outageSecs: 6 }, USAGE);
const bin = resolveBin(opt.bin);
deadline(8 * 60_000, 'db-faults');

const UNAVAILABLE_LIMIT_MS = 2000; // a dead database must be reported within this
const RECOVERY_LIMIT_MS = 1000; // and the service back within this of the database's return
const CREATE = `mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { id version slug } }`;
const UPDATE = `mutation($id: ID!, $v: Int!, $i: NewsArticleInput!) { updateNewsArticle(id: $id, version: $v, input: $i) { id version } }`;
const LOOKUP = `query($s: String!) { newsArticle(slug: $s, preview: true, locale: "fr") { id version title lead } }`;
const PREVIEW_LIST = `query($n: Int!) { newsArticles(first: $n, preview: true, orderBy: [{ field: UPDATED_AT, direction: DESC }]) { totalCount nodes { slug version title } } }`;
const ANON_LIST = `query($n: Int!, $l: String!) { projects(first: $n, locale: $l) { totalCount nodes { slug title } } }`;
const fr = (value) => [{ locale: 'fr', value }];
const checks = []; // [check, figure, pass]
const check = (name, figure, pass) => { checks.push([name, figure, pass === null ? 'skipped' : pass ? 'pass' : 'FAIL']); return pass; };
const asRoot = process.getuid() === 0;

// ---------------------------------------------------------------------------------------------
// (a) PostgreSQL stopped with -m immediate and started again

function pgBin(name) {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', name))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length) return join(root, versions[0], 'bin', name);
  const which = spawnSync('which', [name], { encoding: 'utf8' });
  if (which.status === 0) return which.stdout.trim();
  throw new Error(`${name} not found (looked in ${root}/*/bin and PATH)`);
}

/** Runs a PostgreSQL tool as the postgres OS user when we are root (initdb refuses root). */
function asPostgres(cmd, args, opts = {}) {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

async function postgresOutage() {
  const dir = tmpDir('relais-suite-pgcluster');
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
    chownSync(sock, uid, gid);
  }
  const pgCtl = pgBin('pg_ctl');
  const port = opt.pgPort;
  if (!(await portFree(port))) throw new Error(`port ${port} is taken`);
  asPostgres(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const pgOpts = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1`;
  const pgStart = () => asPostgres(pgCtl, ['-D', data, '-o', pgOpts, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', 'start']);
  const pgStop = (mode) => asPostgres(pgCtl, ['-D', data, '-m', mode, '-w', 'stop']);
  let pgRunning = false;
  atExit(() => {
    if (pgRunning) try { pgStop('immediate'); } catch { /* already down */ }
    rmSync(dir, { recursive: true, force: true });
  });
  pgStart();
  pgRunning = true;
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  execFileSync('psql', [admin, '-qAtX', '-c', 'CREATE DATABASE relais_suite_faults'], { stdio: 'ignore' });
  const env = {
    RELAIS_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/relais_suite_faults`, RELAIS_MEDIA_URL: join(dir, 'media'),
    RELAIS_ANONYMOUS_RATE_LIMIT: '0',
  };
  createUser(bin, env, 'faults@suite.test', 'EDITOR');
  const server = new Server({ bin, port: await freePort(4820, 4829), env, args: ['--demo'], logFile: join(dir, 'server.log') });
  await server.start();
  const api = server.url;

  const log = []; // { kind, t0, t1, code, ms, retryAfter, status }
  const acked = new Map(); // slug -> title
  let stop = false, seq = 0;
  const call = async (kind, query, variables, opts) => {
    const t0 = now();
    const r = await gql(api, query, variables, opts);
    log.push({ kind, t0, t1: now(), code: r.code, ms: r.ms, status: r.status, retryAfter: r.retryAfter, message: r.message });
    return r;
  };
  async function writer(w) {
    const token = await login(api, 'faults@suite.test');
    while (!stop) {
      const slug = `faults-w${w}-${++seq}`;
      const key = uuid();
      for (let attempt = 1; ; attempt++) {
        const r = await call('write', CREATE, { i: { slug, title: fr(`Faults ${slug}`) } }, { token, idempotencyKey: key });
        if (r.ok || (r.code === 'CONFLICT' && attempt > 1)) { acked.set(slug, `Faults ${slug}`); break; }
        if (stop && attempt > 20) break;
        await sleep(r.code === 'DB_UNAVAILABLE' ? 250 : 100);
      }
      await sleep(20);
    }
  }
  async function reader(i) {
    const token = await login(api, 'faults@suite.test');
    const locales = ['fr', 'en', 'ar'];
    for (let n = 0; !stop; n++) {
      if (n % 2) await call('preview read', PREVIEW_LIST, { n: 1 + (n % 20) }, { token });
      else await call('anonymous read', ANON_LIST, { n: 1 + ((n * 7 + i) % 40), l: locales[n % 3] });
      await sleep(20);
    }
  }
  const load = [...[1, 2, 3].map(writer), ...[1, 2, 3].map(reader)];
  let tStop, tStopped, tStartCmd, tReady;
  try {
    await sleep(4000);
    tStop = now();
    pgStop('immediate');
    pgRunning = false;
    tStopped = now();
    await sleep(opt.outageSecs * 1000);
    tStartCmd = now();
    pgStart();
    pgRunning = true;
    tReady = now();
    // Run until requests have succeeded for a while after the return.
    await sleep(4000);
  } finally {
    stop = true;
    await Promise.all(load);
  }

  // During the outage: requests that started after the stop returned and ended before PostgreSQL was back.
  const outage = log.filter((e) => e.t0 >= tStopped && e.t1 <= tStartCmd);
  const inFlight = log.filter((e) => e.t0 < tStopped && e.t1 > tStop);
  const dbErrors = outage.filter((e) => e.code === 'DB_UNAVAILABLE');
  const lat = dbErrors.map((e) => e.ms).sort((a, b) => a - b);
  const otherCodes = new Counter();
  for (const e of [...outage, ...inFlight]) if (e.code && e.code !== 'DB_UNAVAILABLE') otherCodes.add(`${e.code} (${e.kind})`);
  const servedDuring = new Counter();
  for (const e of outage) if (!e.code) servedDuring.add(e.kind);
  const noRetryAfter = dbErrors.filter((e) => !e.retryAfter).length;
  const wrongStatus = dbErrors.filter((e) => e.status !== 503).length;
  const firstError = log.filter((e) => e.t0 >= tStop && e.code === 'DB_UNAVAILABLE').sort((a, b) => a.t1 - b.t1)[0];
  // After: requests that hit the database (writes, preview reads) started after PostgreSQL was back.
  const after = log.filter((e) => e.t0 >= tReady && e.kind !== 'anonymous read').sort((a, b) => a.t1 - b.t1);
  const firstOk = after.find((e) => !e.code);
  const lastFail = [...after].reverse().find((e) => e.code);
  const afterCodes = new Counter();
  for (const e of after) if (e.code) afterCodes.add(e.code);
  // Every acknowledged write still there.
  const token = await login(api, 'faults@suite.test');
  const present = new Map((await allNews(api, token)).nodes.map((n) => [n.slug, n.title]));
  const lost = [...acked].filter(([slug, title]) => present.get(slug) !== title);
  await server.stop();
  pgStop('fast');
  pgRunning = false;

  const allCodes = new Counter();
  for (const e of log) allCodes.add(e.code ?? 'ok');
  const rows = [
    ['requests (all), by outcome', allCodes.toString()],
    ['database down (stop -m immediate) for', fmtS(tStartCmd - tStop)],
    ['requests during the outage', `${fmtInt(outage.length)} (+${inFlight.length} in flight at the stop)`],
    ['answered 503 DB_UNAVAILABLE', fmtInt(dbErrors.length)],
    ['latency of those answers, p50 / max', `${fmtMs(percentile(lat, 50))} / ${fmtMs(lat.at(-1))}`],
    ['first DB_UNAVAILABLE after the stop', firstError ? fmtMs(firstError.t1 - tStop) : '–'],
    ['without Retry-After / not HTTP 503', `${noRetryAfter} / ${wrongStatus}`],
    ['other error codes during the outage', otherCodes.toString()],
    ['served during the outage (response cache)', servedDuring.toString()],
    ['PostgreSQL start (pg_ctl -w) took', fmtMs(tReady - tStartCmd)],
    ['database back → first success (writes, preview reads)', firstOk ? fmtMs(firstOk.t1 - tReady) : 'never'],
    ['database back → last failure', lastFail ? `${fmtMs(lastFail.t1 - tReady)} (${afterCodes})` : 'none failed'],
    ['writes acknowledged / lost', `${fmtInt(acked.size)} / ${lost.length}`],
  ];
  console.log('\n## PostgreSQL stopped (-m immediate) and restarted under load\n');
  console.log(table(['measure', 'figure'], rows));
  for (const e of [...outage, ...inFlight].filter((x) => x.code && x.code !== 'DB_UNAVAILABLE').slice(0, 5)) {
    console.log(`- ${e.kind}: ${e.code} (HTTP ${e.status}) after ${fmtMs(e.ms)}: ${e.message}`);
  }
  for (const [slug] of lost.slice(0, 10)) console.log(`- lost: ${slug}`);
  check('PostgreSQL down: requests answered 503 DB_UNAVAILABLE', fmtInt(dbErrors.length), dbErrors.length > 0 && wrongStatus === 0);
  check(`PostgreSQL down: DB_UNAVAILABLE within ${UNAVAILABLE_LIMIT_MS} ms (max)`, fmtMs(lat.at(-1)), lat.length > 0 && lat.at(-1) <= UNAVAILABLE_LIMIT_MS);
  check('PostgreSQL down: Retry-After on every 503', `${noRetryAfter} without`, noRetryAfter === 0);
  check('PostgreSQL down: no other error code', otherCodes.toString(), otherCodes.size === 0);
  check(`PostgreSQL back: requests succeed again within ${RECOVERY_LIMIT_MS} ms`,
    lastFail ? fmtMs(lastFail.t1 - tReady) : firstOk ? fmtMs(firstOk.t1 - tReady) : 'never',
    !!firstOk && (!lastFail || lastFail.t1 - tReady <= RECOVERY_LIMIT_MS));
  check('PostgreSQL: every acknowledged write read back', `${lost.length} lost of ${fmtInt(acked.size)}`, lost.length === 0 && acked.size > 0);
}

// ---------------------------------------------------------------------------------------------
// (b) SQLite on a full file system

/** Mounts a small file system at `dir`: tmpfs, else a loop-mounted ext4 file. Returns how, or throws. */
function mountSmall(dir, work, mib) {
  const tries = [];
  const tmpfs = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (tmpfs.status === 0) return `tmpfs of ${mib} MiB`;
  tries.push(`tmpfs: ${(tmpfs.stderr || tmpfs.error?.message || '').trim()}`);
  const img = join(work, 'fs.img');
  try {
    execFileSync('truncate', ['-s', `${mib}M`, img]);
    execFileSync('mkfs.ext4', ['-q', '-F', img], { stdio: ['ignore', 'pipe', 'pipe'] });
    const loop = spawnSync('mount', ['-o', 'loop', img, dir], { encoding: 'utf8' });
    if (loop.status === 0) return `loop-mounted ext4 of ${mib} MiB`;
    tries.push(`loop ext4: ${(loop.stderr || loop.error?.message || '').trim()}`);
  } catch (e) { tries.push(`loop ext4: ${e.message.split('\n')[0]}`); }
  throw new Error(tries.join('; '));
}

function integrityCheck(file) {
  let sqlite3 = spawnSync('sqlite3', ['-version']).status === 0;
  if (!sqlite3 && asRoot) {
    console.error('sqlite3 not found: installing it with apt-get');
    spawnSync('apt-get', ['install', '-y', '-qq', 'sqlite3'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    sqlite3 = spawnSync('sqlite3', ['-version']).status === 0;
  }
  if (!sqlite3) return { how: 'none', out: 'sqlite3 CLI not available' };
  const r = spawnSync('sqlite3', [file, 'PRAGMA integrity_check;'], { encoding: 'utf8' });
  return { how: 'sqlite3', out: (r.stdout + r.stderr).trim() };
}

async function sqliteDiskFull() {
  const work = tmpDir('relais-suite-diskfull');
  const mnt = join(work, 'mnt');
  mkdirSync(mnt);
  let how;
  try { how = mountSmall(mnt, work, 24); } catch (e) {
    console.log(`\n## SQLite disk full\n\nSKIPPED: no small file system could be mounted here (${e.message}). Run as root on a machine that allows mount.`);
    check('SQLite disk full', 'skipped: mount not permitted', null);
    rmSync(work, { recursive: true, force: true });
    return;
  }
  let mounted = true;
  const unmount = () => { if (mounted) { spawnSync('umount', [mnt]); mounted = false; } };
  atExit(() => { unmount(); if (!process.env.RELAIS_SUITE_KEEP) rmSync(work, { recursive: true, force: true }); });
  const dbFile = join(mnt, 'relais.db');
  const env = { RELAIS_DATABASE_URL: `sqlite:${dbFile}`, RELAIS_MEDIA_URL: join(work, 'media'), RELAIS_ANONYMOUS_RATE_LIMIT: '0' };
  createUser(bin, env, 'full@suite.test', 'EDITOR');
  const server = new Server({ bin, port: await freePort(4830, 4839), env, logFile: join(work, 'server.log') });
  await server.start();
  const api = server.url;
  const token = await login(api, 'full@suite.test');
  const lead = (slug) => fr(`${slug} `.repeat(Math.ceil(40_000 / (slug.length + 1))));
  const acked = new Map(); // slug -> version

  // One article to update while the disk is full.
  const first = await gql(api, CREATE, { i: { slug: 'full-0', title: fr('Full 0') } }, { token, idempotencyKey: uuid() });
  if (!first.ok) throw new Error(`first write failed: ${first.code} ${first.message}`);
  acked.set('full-0', 1);
  const countBefore = async () => (await gql(api, PREVIEW_LIST, { n: 1 }, { token })).data?.newsArticles.totalCount;

  // Leave about 3 MiB free, then write 40 KB articles until writes fail.
  const fs = statfsSync(mnt);
  const fillBytes = Math.max(0, fs.bavail * fs.bsize - 3 * 1024 * 1024);
  const filler = join(mnt, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  for (let left = fillBytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  closeSync(fd);

  let firstFailure = null, n = 0;
  const failures = new Counter();
  const failedSlugs = [];
  let countAtFailure = null;
  for (n = 1; n <= 400 && failedSlugs.length < 5; n++) {
    const slug = `full-${n}`;
    if (firstFailure) countAtFailure ??= await countBefore();
    const r = await gql(api, CREATE, { i: { slug, title: fr(`Full ${n}`), lead: lead(slug) } }, { token, idempotencyKey: uuid() });
    if (r.ok) { acked.set(slug, 1); continue; }
    failures.add(`${r.code} (HTTP ${r.status})`);
    firstFailure ??= { n, ...r };
    failedSlugs.push(slug);
    if (!server.running) break;
  }
  const writesBeforeFull = firstFailure ? firstFailure.n - 1 : n - 1;
  // An update while full must fail coded and change nothing too.
  const lookup0 = await gql(api, LOOKUP, { s: 'full-0' }, { token });
  const upd = firstFailure && lookup0.ok
    ? await gql(api, UPDATE, { id: lookup0.data.newsArticle.id, v: 1, i: { title: fr('Full 0 changed'), lead: lead('full-0-changed') } }, { token, idempotencyKey: uuid() })
    : null;
  if (upd?.ok) acked.set('full-0', 2);
  // Reads still answer while full.
  const readWhileFull = await gql(api, ANON_LIST, { n: 5, l: 'fr' });
  const health = await fetch(`${api}/health`).then((r) => r.ok, () => false);
  const serverAliveWhileFull = server.running;
  // Nothing changed by the failed writes.
  const leaked = [];
  for (const slug of failedSlugs) {
    const r = await gql(api, LOOKUP, { s: slug }, { token });
    if (!r.ok || r.data.newsArticle) leaked.push(`${slug}: ${r.ok ? `present (v${r.data.newsArticle.version})` : r.code}`);
  }
  const after0 = await gql(api, LOOKUP, { s: 'full-0' }, { token });
  const updUnchanged = upd?.ok || (after0.ok && after0.data.newsArticle?.version === 1 && after0.data.newsArticle.title === 'Full 0');
  const countNow = await countBefore();

  // Free the space; writes must resume.
  unlinkSync(filler);
  const tFree = now();
  let resumed = null, resumeTries = 0;
  const resumeFailures = new Counter();
  while (now() - tFree < 15_000) {
    resumeTries++;
    const slug = `full-resume-${resumeTries}`;
    const r = await gql(api, CREATE, { i: { slug, title: fr(`Resume ${resumeTries}`), lead: lead(slug) } }, { token, idempotencyKey: uuid() });
    if (r.ok) { acked.set(slug, 1); resumed = now() - tFree; break; }
    resumeFailures.add(r.code);
    await sleep(200);
  }
  let moreOk = 0;
  const moreFailures = new Counter();
  for (let i = 1; resumed !== null && i <= 20; i++) {
    const r = await gql(api, CREATE, { i: { slug: `full-more-${i}`, title: fr(`More ${i}`), lead: lead(`full-more-${i}`) } }, { token, idempotencyKey: uuid() });
    if (r.ok) { moreOk++; acked.set(`full-more-${i}`, 1); } else moreFailures.add(`${r.code}: ${r.message}`);
  }
  const readBack = async (t) => new Map((await allNews(api, t)).nodes.map((x) => [x.slug, x.version]));
  const liveRead = await readBack(token);
  const lostLive = [...acked].filter(([slug, v]) => !(liveRead.get(slug) >= v));
  await server.stop();
  const integrity = integrityCheck(dbFile);
  // What is on disk: a fresh server on the same file.
  await server.start();
  const present = await readBack(await login(api, 'full@suite.test'));
  const lost = [...acked].filter(([slug, v]) => !(present.get(slug) >= v));
  await server.stop();
  unmount();

  console.log(`\n## SQLite disk full (${how})\n`);
  console.log(table(['measure', 'figure'], [
    ['writes of 40 KB before the disk was full', fmtInt(writesBeforeFull)],
    ['failed writes, by code', failures.toString()],
    ['first failure answer', firstFailure ? `${firstFailure.code} (HTTP ${firstFailure.status}) after ${fmtMs(firstFailure.ms)}: ${firstFailure.message}` : 'none'],
    ['update while full', upd ? (upd.ok ? 'succeeded' : `${upd.code} (HTTP ${upd.status}): ${upd.message}`) : '–'],
    ['failed writes present afterwards', leaked.length ? leaked.join('; ') : '0'],
    ['article count before / after the failed writes', `${countAtFailure ?? '–'} / ${countNow ?? '–'}`],
    ['reads and /health while full', `${readWhileFull.ok ? 'ok' : readWhileFull.code}, ${health ? 'ok' : 'down'}${serverAliveWhileFull ? '' : ' (server exited)'}`],
    ['space freed → first write succeeds', resumed !== null ? `${fmtMs(resumed)} (${resumeTries} tries${resumeFailures.size ? `; ${resumeFailures}` : ''})` : `never (${resumeFailures})`],
    ['writes after that', `${moreOk} of 20 ok`],
    ['acknowledged writes missing: read live / after a restart', `${lostLive.length} / ${lost.length} of ${acked.size}`],
    [`PRAGMA integrity_check (${integrity.how})`, integrity.out],
  ]));
  for (const [slug, v] of lost.slice(0, 10)) console.log(`- lost: ${slug} (acknowledged v${v}, read ${present.has(slug) ? `v${present.get(slug)}` : 'nothing'})`);
  for (const [c, k] of moreFailures) console.log(`- after freeing: ${k} writes failed with ${c}`);
  const codes = [...failures.keys()];
  check('SQLite full: writes fail', failedSlugs.length ? `after ${writesBeforeFull} writes` : 'never failed', failedSlugs.length > 0);
  check('SQLite full: failures carry a code', codes.join(', ') || '–',
    codes.length > 0 && codes.every((c) => !/^(HTTP_|NETWORK|TIMEOUT)/.test(c)));
  check('SQLite full: failed writes change nothing', `${leaked.length} present; update ${updUnchanged ? 'left it unchanged' : 'changed it'}`, leaked.length === 0 && updUnchanged && countAtFailure === countNow);
  check('SQLite full: reads keep working', readWhileFull.ok ? 'ok' : readWhileFull.code, readWhileFull.ok && serverAliveWhileFull);
  check('SQLite full: writes resume after space is freed', resumed !== null ? fmtMs(resumed) : 'never', resumed !== null && moreOk === 20);
  check('SQLite full: acknowledged writes kept', `${lost.length} lost`, lost.length === 0);
  check('SQLite full: integrity_check ok', integrity.out, integrity.out === 'ok');
}

for (const [name, fn] of [['postgres', postgresOutage], ['sqlite', sqliteDiskFull]]) {
  if (opt.only && opt.only !== name) continue;
  try { await fn(); } catch (e) {
    console.error(e.stack ?? e.message);
    check(`${name}: suite ran`, e.message.split('\n')[0], false);
  }
}
console.log('\n## Database faults: checks\n');
console.log(table(['check', 'figure', 'result'], checks));
process.exitCode = checks.every((c) => c[2] !== 'FAIL') ? 0 : 1;
