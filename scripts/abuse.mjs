#!/usr/bin/env node
// The attacks of the hardening issue, against a running release server, with
// figures: how fast the fragment bomb and other expensive documents are
// refused (and that /health answers meanwhile), slow clients let go, password
// spraying held, a burst of image bombs and of the largest images the server
// accepts under a memory ceiling, and the write cost of SQLite's
// synchronous=FULL against NORMAL. Loopback only, bounded.
//
//   node scripts/abuse.mjs [--bin PATH] [--uploads 10]

import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';
import {
  Server, createUser, gql, login, parseArgs, resolveBin, freePort, tmpDir, table, fmtMs, now, sleep, fail, percentile,
} from './lib.mjs';

const args = parseArgs({ bin: 'target/release/relais', uploads: '10' },
  'node scripts/abuse.mjs [--bin PATH] [--uploads 10]');
const bin = resolveBin(args.bin);
const uploads = Number(args.uploads);
const results = [];
let failed = false;
const check = (what, ok, figure) => { results.push([what, figure, ok ? 'pass' : '**fail**']); if (!ok) failed = true; };

async function started(env = {}, extra = []) {
  const dir = tmpDir('relais-abuse-');
  const port = await freePort(4860, 4879);
  const s = new Server({
    bin, port, logFile: join(dir, 'server.log'), args: extra,
    env: { RELAIS_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, RELAIS_MEDIA_URL: join(dir, 'media'), RELAIS_ANONYMOUS_RATE_LIMIT: '0', ...env },
  });
  await s.start();
  s.dir = dir;
  return s;
}

const bomb = (levels) => {
  let q = 'query { ...F0 }';
  for (let i = 0; i < levels; i++) q += ` fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`;
  return `${q} fragment F${levels} on Query { __typename }`;
};

// --- expensive documents -------------------------------------------------------
const s = await started();
const health = async () => { const t0 = now(); const r = await fetch(`${s.url}/health`); await r.text(); return now() - t0; };
for (const [name, query] of [
  ['fragment bomb, 32 levels (2^33 fields)', bomb(32)],
  ['fragment bomb, 64 levels', bomb(64)],
  ['100,000 nested braces', `{${'a { '.repeat(50_000)}${'}'.repeat(50_000)}}`],
  ['51 aliases', `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: __typename`).join(' ')} }`],
]) {
  const times = [];
  let code;
  for (let i = 0; i < 20; i++) {
    const r = await gql(s.url, query, {});
    times.push(r.ms);
    code = r.code;
  }
  times.sort((a, b) => a - b);
  check(`${name} (${query.length} bytes): refused`, code === 'QUERY_TOO_COMPLEX', `${code}, p50 ${fmtMs(percentile(times, 50))}, max ${fmtMs(times.at(-1))}`);
}
// Two bombs a second from 8 clients for 5 s, and /health meanwhile.
{
  const stop = now() + 5000;
  const attackers = Array.from({ length: 8 }, async () => { while (now() < stop) await gql(s.url, bomb(32), {}); });
  const probes = [];
  while (now() < stop) { probes.push(await health()); await sleep(100); }
  await Promise.all(attackers);
  probes.sort((a, b) => a - b);
  check('/health while 8 clients send bombs', probes.at(-1) < 1000, `p50 ${fmtMs(percentile(probes, 50))}, max ${fmtMs(probes.at(-1))}`);
}

// --- spraying ----------------------------------------------------------------------
{
  const spray = `mutation { ${Array.from({ length: 100 }, (_, i) => `l${i}: login(email: "u${i}@example.org", password: "guess") { token }`).join(' ')} }`;
  const r = await gql(s.url, spray, {});
  check('100 aliased logins in one request', r.code === 'BAD_USER_INPUT' || r.code === 'QUERY_TOO_COMPLEX', `${r.code} in ${fmtMs(r.ms)}`);
  const codes = [];
  for (let i = 0; i < 12; i++) codes.push((await gql(s.url, 'mutation { login(email: "nobody@example.org", password: "wrong password 1") { token } }', {})).code);
  const limited = codes.indexOf('RATE_LIMITED');
  check('failed sign-ins from one address', limited === 10, `refused from attempt ${limited + 1}`);
}

// --- slow clients ---------------------------------------------------------------------
function slowClient(lines) {
  return new Promise((resolve) => {
    const t0 = now();
    const c = connect(s.port, '127.0.0.1');
    let timer;
    c.on('connect', () => {
      c.write('POST /graphql HTTP/1.1\r\nhost: x\r\n');
      let n = 0;
      timer = setInterval(() => { if (n++ < lines) c.write(`x-slow-${n}: 1\r\n`); }, 1000);
    });
    c.on('data', () => {});
    c.on('close', () => { clearInterval(timer); resolve(now() - t0); });
    c.on('error', () => {});
  });
}
{
  const closed = await slowClient(60);
  check('headers trickling one line a second', closed < 15_000, `closed after ${fmtMs(closed)}`);
  const silent = await new Promise((resolve) => {
    const t0 = now();
    const c = connect(s.port, '127.0.0.1');
    c.on('close', () => resolve(now() - t0));
    c.on('error', () => {});
  });
  check('a connection that says nothing', silent < 15_000, `closed after ${fmtMs(silent)}`);
}
await s.stop();

// --- image bombs and large images under the decoding budget ---------------------------------
function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** A grey RGB PNG of w×h: a few hundred KB that decode to w·h·3 bytes. */
function png(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const row = Buffer.alloc(1 + w * 3, 0x80); row[0] = 0;
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
async function upload(url, token, bytes, name) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: 'mutation($f: Upload!) { uploadMedia(file: $f) { id width } }', variables: { f: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.f'] }));
  form.set('0', new Blob([bytes], { type: 'image/png' }), name);
  const t0 = now();
  try {
    const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form, signal: AbortSignal.timeout(120_000) });
    const body = await r.json();
    return { status: r.status, code: body.errors?.[0]?.extensions?.code ?? null, ms: now() - t0 };
  } catch (e) { return { status: 0, code: 'NETWORK', ms: now() - t0 }; }
}
async function burst(label, bytes, expect) {
  const m = await started();
  const env = { RELAIS_DATABASE_URL: `sqlite:${join(m.dir, 'db.sqlite')}`, RELAIS_MEDIA_URL: join(m.dir, 'media') };
  createUser(bin, env, 'editor@example.org', 'EDITOR');
  const token = await login(m.url, 'editor@example.org');
  const base = m.rssKiB();
  let peak = base;
  const sampler = setInterval(() => { peak = Math.max(peak, m.rssKiB() ?? 0); }, 20);
  const answers = await Promise.all(Array.from({ length: uploads }, (_, i) => upload(m.url, token, bytes, `${i}.png`)));
  clearInterval(sampler);
  peak = Math.max(peak, m.rssKiB() ?? 0);
  const codes = {};
  for (const a of answers) codes[a.code ?? 'ok'] = (codes[a.code ?? 'ok'] ?? 0) + 1;
  const peakMb = peak / 1024;
  check(`${uploads} × ${label} at once`, peakMb <= 300 && expect(codes),
    `peak RSS ${peakMb.toFixed(0)} MB (idle ${(base / 1024).toFixed(0)} MB); answers ${JSON.stringify(codes)}`);
  await m.stop();
}
const bombPng = png(11_500, 11_500);
await burst(`PNG bomb (11,500² px, ${(bombPng.length / 1024).toFixed(0)} KB)`, bombPng, (c) => c.BAD_USER_INPUT === uploads);
const largest = png(8_000, 8_000);
await burst(`largest accepted PNG (8,000² px RGB, 183 MiB decoded, ${(largest.length / 1024).toFixed(0)} KB)`, largest,
  (c) => (c.ok ?? 0) >= 1 && Object.keys(c).every((k) => k === 'ok' || k === 'SERVER_BUSY'));

// --- SQLite: the cost of synchronous=FULL ---------------------------------------------------------
const writes = {};
for (const level of ['normal', 'full']) {
  const dir = tmpDir('relais-sync-');
  const env = { RELAIS_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}?synchronous=${level}`, RELAIS_MEDIA_URL: join(dir, 'media') };
  const port = await freePort(4860, 4879);
  const w = new Server({ bin, port, env, logFile: join(dir, 'server.log') });
  await w.start();
  createUser(bin, env, 'editor@example.org', 'EDITOR');
  const token = await login(w.url, 'editor@example.org');
  const times = [];
  const n = 300;
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const r = await gql(w.url, 'mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { id } }',
      { i: { slug: `sync-${i}`, title: [{ locale: 'fr', value: `Écriture ${i}` }] } }, { token });
    if (!r.ok) fail(`write ${i} with synchronous=${level}: ${r.code} ${r.message}`);
    times.push(r.ms);
  }
  const total = now() - t0;
  times.sort((a, b) => a - b);
  writes[level] = { perSec: n / (total / 1000), p50: percentile(times, 50) };
  await w.stop();
}
results.push(['SQLite writes, synchronous=NORMAL (300 creates, one at a time)', `${writes.normal.perSec.toFixed(0)}/s, p50 ${fmtMs(writes.normal.p50)}`, '–']);
results.push(['SQLite writes, synchronous=FULL (the default)', `${writes.full.perSec.toFixed(0)}/s, p50 ${fmtMs(writes.full.p50)}`, '–']);

const cpu = spawnSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; nproc"], { encoding: 'utf8' }).stdout.trim().replace('\n', ', cores: ');
console.log(`\nMachine: ${cpu}. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Binary: ${args.bin}.\n`);
console.log(table(['attack', 'figure', ''], results));
process.exit(failed ? 1 : 0);
