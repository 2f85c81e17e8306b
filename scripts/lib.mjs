// Shared helpers of the fault and load suites (durability.mjs, db-faults.mjs,
// soak.mjs): options, starting and killing a relais server, GraphQL calls
// with coded outcomes, PostgreSQL databases, figures and Markdown tables.
// Node 20 built-ins only. Nothing here builds anything: the suites run the
// binary they are given with --bin.
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PG_URL = process.env.RELAIS_SUITE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const PASSWORD = 'a long password 123';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const uuid = () => randomUUID();
export const now = () => performance.now();

// --- options ------------------------------------------------------------------

/** Parses `--name value` and `--name=value` against defaults; unknown names fail. */
export function parseArgs(defaults, usage) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a === '-h' || a === '--help') { console.log(usage); process.exit(0); }
    if (!a.startsWith('--')) fail(`unexpected argument ${a}\n${usage}`);
    a = a.slice(2);
    let value;
    const eq = a.indexOf('=');
    if (eq >= 0) { value = a.slice(eq + 1); a = a.slice(0, eq); }
    const key = a.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) fail(`unknown option --${a}\n${usage}`);
    if (value === undefined) value = argv[++i];
    if (value === undefined) fail(`--${a} needs a value\n${usage}`);
    out[key] = typeof defaults[key] === 'number' ? Number(value) : value;
    if (typeof defaults[key] === 'number' && !Number.isFinite(out[key])) fail(`--${a} takes a number`);
  }
  return out;
}

export function fail(message) {
  console.error(message);
  process.exit(2);
}

/** The server binary: --bin relative to the working directory, the default relative to the repo. */
export function resolveBin(bin) {
  const path = bin === 'target/release/relais' ? join(REPO, bin) : resolve(bin);
  if (!existsSync(path)) fail(`no server binary at ${path}: build it first (cargo build --release) or pass --bin PATH`);
  return path;
}

export function parseDbs(list) {
  const dbs = String(list).split(',').map((s) => s.trim()).filter(Boolean);
  for (const d of dbs) if (d !== 'sqlite' && d !== 'postgres') fail(`--db takes sqlite, postgres or both (got ${d})`);
  return dbs;
}

// --- cleanup ------------------------------------------------------------------

const cleanups = [];
/** Runs `fn` (synchronous) when the process exits, however it exits. */
export function atExit(fn) { cleanups.push(fn); }
let cleaned = false;
function runCleanups() {
  if (cleaned) return;
  cleaned = true;
  for (const fn of cleanups.reverse()) { try { fn(); } catch (e) { console.error(`cleanup: ${e.message}`); } }
}
process.on('exit', runCleanups);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { console.error(`\n${sig}: cleaning up`); runCleanups(); process.exit(130); });
process.on('uncaughtException', (e) => { console.error(e); runCleanups(); process.exit(1); });
process.on('unhandledRejection', (e) => { console.error(e); runCleanups(); process.exit(1); });

/** Fails the run if it outlasts `ms` (every suite is bounded in time). */
export function deadline(ms, what) {
  const t = setTimeout(() => { console.error(`${what}: gave up after ${Math.round(ms / 1000)} s`); runCleanups(); process.exit(1); }, ms);
  t.unref();
}

// --- ports --------------------------------------------------------------------

/** Whether nothing listens on 127.0.0.1:`port`. */
export function portFree(port) {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });
}

/** The first port of [from, to] that is free on 127.0.0.1. */
export async function freePort(from, to) {
  for (let p = from; p <= to; p++) if (await portFree(p)) return p;
  fail(`no free port in ${from}-${to}`);
}

// --- the server ---------------------------------------------------------------

/**
 * A relais server on `port` with `env` (RELAIS_DATABASE_URL, RELAIS_MEDIA_URL, …).
 * Output goes to `logFile`. `start()` resolves once /health answers "ok".
 */
export class Server {
  constructor({ bin, port, env, args = [], logFile }) {
    Object.assign(this, { bin, port, env, args, logFile });
    this.url = `http://127.0.0.1:${port}`;
    this.child = null;
    this.starts = 0;
    atExit(() => { if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL'); });
  }

  get pid() { return this.child?.pid; }
  get running() { return this.child && this.child.exitCode === null && this.child.signalCode === null; }

  /** Starts the process and waits for /health; returns the milliseconds it took. */
  async start(timeoutMs = 60_000) {
    const t0 = now();
    const fd = openSync(this.logFile, 'a');
    this.child = spawn(this.bin, ['serve', '--addr', `127.0.0.1:${this.port}`, ...this.args], {
      env: { ...process.env, RELAIS_LOG: 'warn', ...this.env },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.starts++;
    const child = this.child;
    const exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
    this.exited = exited;
    while (now() - t0 < timeoutMs) {
      const gone = await Promise.race([exited, sleep(50).then(() => null)]);
      if (gone) throw new Error(`server exited during start (code ${gone.code}, signal ${gone.sig}); see ${this.logFile}`);
      try {
        const r = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) });
        if (r.ok && (await r.text()).trim() === 'ok') return now() - t0;
      } catch { /* not up yet */ }
    }
    throw new Error(`server did not answer /health within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** SIGKILL (kill -9) and wait until the process is gone. */
  async kill9() {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000) {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const done = await Promise.race([this.exited, sleep(graceMs).then(() => null)]);
    if (!done) { this.child.kill('SIGKILL'); await this.exited; }
  }

  /** Resident memory of the process in KiB (VmRSS), or null. */
  rssKiB() {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const m = status.match(/VmRSS:\s+(\d+)\s+kB/);
      return m ? Number(m[1]) : null;
    } catch { return null; }
  }
}

/** Runs `relais user create` for an account with PASSWORD. */
export function createUser(bin, env, email, role) {
  const r = spawnSync(bin, ['user', 'create', '--email', email, '--role', role], {
    env: { ...process.env, RELAIS_LOG: 'warn', ...env, RELAIS_PASSWORD: PASSWORD }, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`user create failed: ${r.stderr || r.stdout}`);
}

// --- GraphQL --------------------------------------------------------------------

/**
 * One GraphQL request. Never throws: the outcome says what happened.
 * { ok, status, code, message, data, ms, retryAfter }
 *   code: null when ok; else the first error's extensions.code, or NETWORK /
 *   TIMEOUT when no answer came, or HTTP_<status> when the answer had no code.
 */
export async function gql(url, query, variables, { token, idempotencyKey, timeoutMs = 10_000, headers = {} } = {}) {
  const h = { 'content-type': 'application/json', ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (idempotencyKey) h['idempotency-key'] = idempotencyKey;
  const t0 = now();
  let res, text;
  try {
    res = await fetch(`${url}/graphql`, { method: 'POST', headers: h, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (e) {
    const timeout = e.name === 'TimeoutError' || e.name === 'AbortError';
    return { ok: false, status: 0, code: timeout ? 'TIMEOUT' : 'NETWORK', message: String(e.cause?.code ?? e.cause?.message ?? e.message), ms: now() - t0 };
  }
  const ms = now() - t0;
  const retryAfter = res.headers.get('retry-after');
  let body;
  try { body = JSON.parse(text); } catch {
    return { ok: false, status: res.status, code: `HTTP_${res.status}`, message: text.slice(0, 200), ms, retryAfter };
  }
  const err = body.errors?.[0];
  if (err || res.status !== 200 || !body.data) {
    return { ok: false, status: res.status, code: err?.extensions?.code ?? `HTTP_${res.status}`, message: err?.message ?? text.slice(0, 200), data: body.data, body, ms, retryAfter };
  }
  return { ok: true, status: res.status, code: null, data: body.data, ms, retryAfter };
}

/** Logs in; retries transient failures (no answer, 503) for up to `timeoutMs`. */
export async function login(url, email, timeoutMs = 30_000) {
  const t0 = now();
  for (;;) {
    const r = await gql(url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: email, p: PASSWORD });
    if (r.ok) return r.data.login.token;
    if (now() - t0 > timeoutMs || !['NETWORK', 'TIMEOUT', 'DB_UNAVAILABLE'].includes(r.code)) throw new Error(`login ${email}: ${r.code} ${r.message}`);
    await sleep(200);
  }
}

/** Every news article (working copies), paging 100 at a time. */
export async function allNews(url, token) {
  const q = `query($after: String) { newsArticles(first: 100, after: $after, preview: true, locale: "fr") {
    totalCount pageInfo { hasNextPage endCursor } nodes { id slug version title } } }`;
  const nodes = [];
  let after = null, totalCount = null;
  for (let page = 0; page < 100_000; page++) {
    const r = await gql(url, q, { after }, { token, timeoutMs: 30_000 });
    if (!r.ok) throw new Error(`reading back: ${r.code} ${r.message}`);
    const c = r.data.newsArticles;
    totalCount = c.totalCount;
    nodes.push(...c.nodes);
    if (!c.pageInfo.hasNextPage) break;
    after = c.pageInfo.endCursor;
  }
  return { nodes, totalCount };
}

// --- PostgreSQL -------------------------------------------------------------------

/** psql against `url` (the test server by default); returns stdout. */
export function psql(sql, url = PG_URL) {
  return execFileSync('psql', [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function dbUrl(name, base = PG_URL) {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh database `name` (relais_suite_*) on the test server, dropped at exit. */
export function freshPgDatabase(name) {
  if (!/^relais_suite_[a-z0-9_]+$/.test(name)) throw new Error(`database name ${name} is not relais_suite_*`);
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  psql(`CREATE DATABASE ${name}`);
  atExit(() => dropPgDatabase(name));
  return dbUrl(name);
}

export function dropPgDatabase(name) {
  try { psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } catch (e) { console.error(`could not drop ${name}: ${e.message}`); }
}

// --- figures ------------------------------------------------------------------------

export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const fmtMs = (ms) => (ms == null ? '–' : ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`);
export const fmtS = (ms) => (ms == null ? '–' : `${(ms / 1000).toFixed(1)} s`);
export const fmtInt = (n) => (n == null ? '–' : Number(n).toLocaleString('en-US'));

/** A Markdown table from a header row and rows of cells. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c ?? '–')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Counts by key, printed as `A 3, B 1` (or `none`). */
export class Counter extends Map {
  add(key, n = 1) { this.set(key, (this.get(key) ?? 0) + n); }
  total() { let t = 0; for (const v of this.values()) t += v; return t; }
  toString() { return this.size ? [...this.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') : 'none'; }
}

export function tmpDir(prefix) {
  const dir = join('/tmp', `${prefix}-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
