// Media store faults under upload load.
//
// Relais stores media in an S3-compatible server that runs as a process of its
// own (scripts/s3-server.rs, built by `cargo test` or `cargo build --example
// s3-server`). Uploaders (--uploaders) send small PDF documents without pause while
//   (a) the S3 server is frozen (SIGSTOP) for --fault-secs, then resumed;
//   (b) the S3 server is killed (SIGKILL) for --fault-secs, then started again
//       on the same folder and port.
// Checks:
//   - an upload during the fault answers 503 MEDIA_STORE_UNAVAILABLE with
//     Retry-After, within the configured wait (RELAIS_S3_TIMEOUT_SECS, --timeout-secs;
//     rust-s3 tries twice a second apart, so the limit is twice the wait plus 1.5 s), and no other code;
//   - reads that do not touch the media store keep answering during the fault;
//   - nothing half written: every acknowledged upload is listed and its file
//     reads back byte for byte; no refused upload left an item behind;
//   - uploads succeed again within 2 s of the store's return.
// Figures are printed as a Markdown table; the exit code is 1 when a check fails.
//
//   node scripts/media-faults.mjs [--bin target/release/relais] [--s3-bin target/release/examples/s3-server]
//                                 [--timeout-secs 2] [--fault-secs 10] [--uploaders 4]
import {
  parseArgs, resolveBin, Server, createUser, login, gql, freePort, tmpDir, deadline, sleep, now, table, fmtMs, fmtInt,
  percentile, Counter, atExit, fail,
} from './lib.mjs';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';

const USAGE = 'usage: node scripts/media-faults.mjs [--bin PATH] [--s3-bin PATH] [--timeout-secs 2] [--fault-secs 10] [--uploaders 4]';
const opt = parseArgs({ bin: 'target/release/relais', s3Bin: '', timeoutSecs: 2, faultSecs: 10, uploaders: 4 }, USAGE);
const bin = resolveBin(opt.bin);
const s3Bin = opt.s3Bin ? resolve(opt.s3Bin) : join(dirname(bin), 'examples', 's3-server');
if (!existsSync(s3Bin)) fail(`no S3 server at ${s3Bin}: build it (cargo build --example s3-server, or --release) or pass --s3-bin PATH`);
deadline(6 * 60_000, 'media-faults');

// rust-s3 tries a failed request twice, a second apart.
const ANSWER_LIMIT_MS = 2 * opt.timeoutSecs * 1000 + 1500;
const RECOVERY_LIMIT_MS = 2000;
const UPLOAD = 'mutation($f: Upload!) { uploadMedia(file: $f) { id checksum url } }';
const checks = [];
const check = (name, figure, pass) => { checks.push([name, figure, pass ? 'pass' : 'FAIL']); return pass; };

// --- the S3 server, a process of its own ---------------------------------------------------

class S3 {
  constructor(root, port, logFile) { Object.assign(this, { root, port, logFile, child: null }); atExit(() => this.child?.kill('SIGKILL')); }
  get endpoint() { return `http://127.0.0.1:${this.port}`; }
  async start() {
    const fd = openSync(this.logFile, 'a');
    this.child = spawn(s3Bin, [this.root, String(this.port)], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const child = this.child;
    this.exited = new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 200; i++) {
      try { await fetch(this.endpoint, { signal: AbortSignal.timeout(500) }); return; } catch { await sleep(25); }
    }
    throw new Error(`the S3 server did not start; see ${this.logFile}`);
  }
  freeze() { this.child.kill('SIGSTOP'); }
  thaw() { this.child.kill('SIGCONT'); }
  async kill() { this.child.kill('SIGKILL'); await this.exited; }
}

// --- uploads --------------------------------------------------------------------------------

let serial = 0;
/** A small, unique PDF document (the server checks the header and the %%EOF). */
function pdf() {
  return Buffer.concat([Buffer.from(`%PDF-1.4\n% relais media-faults ${serial++}\n`), randomBytes(16 * 1024), Buffer.from('\n%%EOF\n')]);
}

async function upload(url, token) {
  const bytes = pdf();
  const sha = createHash('sha256').update(bytes).digest('hex');
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: UPLOAD, variables: { f: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.f'] }));
  form.set('0', new Blob([bytes], { type: 'application/pdf' }), `doc-${serial}.pdf`);
  const t0 = now();
  try {
    const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form, signal: AbortSignal.timeout(60_000) });
    const body = await r.json();
    const err = body.errors?.[0];
    return { at: t0, ms: now() - t0, sha, bytes, status: r.status, code: err ? err.extensions?.code ?? `HTTP_${r.status}` : null,
      retryAfter: r.headers.get('retry-after'), item: body.data?.uploadMedia ?? null };
  } catch (e) {
    return { at: t0, ms: now() - t0, sha, bytes, status: 0, code: e.name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK', item: null };
  }
}

/** Uploaders and one reader, running until `stop()`; every answer is kept. */
function load(url, token) {
  const uploads = [];
  const reads = [];
  let running = true;
  const uploader = async () => { while (running) uploads.push(await upload(url, token)); };
  const reader = async () => {
    while (running) {
      const r = await gql(url, '{ projects(first: 5, locale: "fr") { totalCount nodes { slug } } }', {}, { timeoutMs: 10_000 });
      reads.push({ at: now() - r.ms, ms: r.ms, code: r.code });
      await sleep(20);
    }
  };
  const workers = [...Array.from({ length: opt.uploaders }, uploader), reader()];
  return { uploads, reads, stop: async () => { running = false; await Promise.all(workers); } };
}

// --- one fault ------------------------------------------------------------------------------

async function fault(kind, relais, s3, token) {
  const l = load(relais.url, token);
  await sleep(1500);
  const start = now();
  if (kind === 'frozen') s3.freeze(); else await s3.kill();
  await sleep(opt.faultSecs * 1000);
  const back = now();
  if (kind === 'frozen') s3.thaw(); else await s3.start();
  await sleep(3000);
  await l.stop();

  // Uploads the fault met: refused ones answered while the store was away
  // (those in flight at the fault included); and every upload sent during
  // it early enough to be answered before the store came back must be refused.
  const refused = l.uploads.filter((u) => u.code && u.at + u.ms >= start && u.at < back);
  const sentDuring = l.uploads.filter((u) => u.at >= start && u.at < back - ANSWER_LIMIT_MS);
  const slipped = sentDuring.filter((u) => !u.code);
  const codes = new Counter();
  for (const u of refused) codes.add(u.code);
  const lat = refused.map((u) => u.ms).sort((a, b) => a - b);
  const wrongCode = refused.filter((u) => u.code !== 'MEDIA_STORE_UNAVAILABLE' || u.status !== 503 || !u.retryAfter);
  check(`${kind}: uploads refused with 503 MEDIA_STORE_UNAVAILABLE + Retry-After, nothing else`, `${fmtInt(refused.length)} refused (${codes})${slipped.length ? `, ${slipped.length} accepted` : ''}`, refused.length > 0 && wrongCode.length === 0 && slipped.length === 0);
  check(`${kind}: answered within ${fmtMs(ANSWER_LIMIT_MS)} (p50 / max)`, `${fmtMs(percentile(lat, 50))} / ${fmtMs(lat.at(-1))}`, lat.length > 0 && lat.at(-1) <= ANSWER_LIMIT_MS);
  // Reads that need no media keep going.
  const reads = l.reads.filter((r) => r.at >= start && r.at < back);
  const readLat = reads.map((r) => r.ms).sort((a, b) => a - b);
  const badReads = reads.filter((r) => r.code);
  check(`${kind}: reads go on during the fault (count, p50 / max)`, `${fmtInt(reads.length)}, ${fmtMs(percentile(readLat, 50))} / ${fmtMs(readLat.at(-1))}`, reads.length > 0 && badReads.length === 0);
  // Back to normal once the store is.
  const firstOk = l.uploads.filter((u) => !u.code && u.at >= back).sort((a, b) => a.at - b.at)[0];
  const recovery = firstOk ? firstOk.at + firstOk.ms - back : null;
  check(`${kind}: uploads succeed again within ${fmtMs(RECOVERY_LIMIT_MS)} of the store's return`, fmtMs(recovery), recovery !== null && recovery <= RECOVERY_LIMIT_MS);
  return l.uploads;
}

// --- the run --------------------------------------------------------------------------------

const dir = tmpDir('relais-suite-media');
const s3 = new S3(join(dir, 's3'), await freePort(9300, 9399), join(dir, 's3.log'));
await s3.start();
const env = {
  RELAIS_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
  RELAIS_MEDIA_URL: 's3://relais',
  RELAIS_S3_ENDPOINT: s3.endpoint,
  RELAIS_S3_REGION: 'us-east-1',
  RELAIS_S3_TIMEOUT_SECS: String(opt.timeoutSecs),
  // Every file is read back at the end, anonymously: no rate limit in the way.
  RELAIS_ANONYMOUS_RATE_LIMIT: '0',
  AWS_ACCESS_KEY_ID: 'relais-test',
  AWS_SECRET_ACCESS_KEY: 'relais-test-secret',
};
const relais = new Server({ bin, port: await freePort(4400, 4499), env, logFile: join(dir, 'relais.log') });
createUser(bin, env, 'editor@example.org', 'EDITOR');
await relais.start();
const token = await login(relais.url, 'editor@example.org');
const warm = await upload(relais.url, token);
if (warm.code) throw new Error(`an upload before any fault failed: ${warm.code}`);

const all = [warm, ...(await fault('frozen', relais, s3, token)), ...(await fault('killed', relais, s3, token))];

// Nothing half written: the items are exactly the acknowledged uploads, and each file reads back.
const acked = all.filter((u) => !u.code);
const items = [];
for (let after = null; ;) {
  const r = await gql(relais.url, 'query($a: String) { mediaAssets(first: 100, after: $a, preview: true) { pageInfo { hasNextPage endCursor } nodes { id checksum url } } }', { a: after }, { token, timeoutMs: 30_000 });
  if (!r.ok) throw new Error(`listing media: ${r.code} ${r.message}`);
  items.push(...r.data.mediaAssets.nodes);
  if (!r.data.mediaAssets.pageInfo.hasNextPage) break;
  after = r.data.mediaAssets.pageInfo.endCursor;
}
const listed = new Set(items.map((i) => i.checksum));
const refusedShas = new Set(all.filter((u) => u.code).map((u) => u.sha));
const missing = acked.filter((u) => !listed.has(u.sha));
const leftovers = items.filter((i) => refusedShas.has(i.checksum));
check('acknowledged uploads all listed; refused ones left no item', `${fmtInt(acked.length)} acknowledged, ${fmtInt(items.length)} items, ${missing.length} missing, ${leftovers.length} left over`, missing.length === 0 && leftovers.length === 0 && items.length === acked.length);
let unreadable = 0;
const why = new Counter();
for (const u of acked) {
  const url = new URL(u.item.url, relais.url);
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const got = Buffer.from(await r.arrayBuffer());
    if (r.status !== 200) { unreadable++; why.add(`HTTP ${r.status}`); }
    else if (createHash('sha256').update(got).digest('hex') !== u.sha) { unreadable++; why.add('other bytes'); }
  } catch (e) { unreadable++; why.add(e.name); }
}
if (unreadable) console.log(`unreadable files: ${why}`);
check('every acknowledged file reads back byte for byte', `${fmtInt(acked.length - unreadable)} of ${fmtInt(acked.length)}${unreadable ? ` (${why})` : ''}`, unreadable === 0);

await relais.stop();
await s3.kill();
console.log(`\nMedia store faults (S3 wait ${opt.timeoutSecs} s, faults of ${opt.faultSecs} s, ${opt.uploaders} uploaders + 1 reader)\n`);
console.log(table(['check', 'figure', 'result'], checks));
const failed = checks.filter((c) => c[2] === 'FAIL');
if (failed.length) {
  console.log(`\n${failed.length} check(s) failed; logs in ${dir}`);
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });
process.exit(0);
