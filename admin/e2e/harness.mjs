// Starts a Relais server on a fresh SQLite database, with users, and the admin on one origin.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { serve } from './serve.mjs';

export const PASSWORD = 'a long password 123';

function binary() {
  const candidates = [process.env.RELAIS_BIN, '../target/release/relais', '../target/debug/relais'].filter(Boolean);
  const bin = candidates.find((p) => existsSync(p));
  if (!bin) throw new Error(`no relais binary (set RELAIS_BIN; tried ${candidates.join(', ')})`);
  return bin;
}

export async function startServer() {
  const bin = binary();
  const port = Number(process.env.RELAIS_E2E_PORT ?? 4710);
  const dir = mkdtempSync(join(tmpdir(), 'relais-admin-e2e-'));
  const env = { ...process.env, RELAIS_DATABASE_URL: `sqlite:${join(dir, 'relais.db')}`, RELAIS_MEDIA_URL: join(dir, 'media'), RELAIS_ADDR: `127.0.0.1:${port}` };
  const users = { admin: 'ADMIN', admin2: 'ADMIN', editor: 'EDITOR', editor2: 'EDITOR', author: 'AUTHOR' };
  const proc = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const api = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${api}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 600) throw new Error(`server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const [name, role] of Object.entries(users)) {
    const r = spawnSync(bin, ['user', 'create', '--email', `${name}@example.org`, '--role', role], { env: { ...env, RELAIS_PASSWORD: PASSWORD }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`user create: ${r.stderr}`);
  }
  // The binary serves the bundle it embedded at build time. When that is this
  // dist/ (same index.html, so the same hashed assets), the tests use the
  // binary's /admin; otherwise (sources changed since the binary was built)
  // e2e/serve.mjs serves this dist/ on the next port, same origin for the
  // browser's cookie, with the same strict Content-Security-Policy.
  let admin = api;
  let proxy = null;
  const own = await fetch(`${api}/admin/`).catch(() => null);
  const ownHtml = own?.ok ? await own.text() : '';
  if (ownHtml !== readFileSync(new URL('../dist/index.html', import.meta.url), 'utf8')) {
    proxy = await serve({ port: port + 1, api });
    admin = `http://127.0.0.1:${port + 1}`;
  }
  console.error(`admin served by ${proxy ? 'e2e/serve.mjs (dist/ differs from the binary\'s bundle)' : 'the relais binary'} at ${admin}/admin/`);
  return {
    api,
    admin,
    async stop() {
      proxy?.close();
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An anonymous GraphQL call (what a public site sees). */
export async function publicQuery(api, query, variables = {}) {
  const r = await fetch(`${api}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return r.json();
}

/** A small PNG (a gradient), made here so the test needs no file. */
export function png(width = 320, height = 200) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = (x * 255) / width;
      raw[row + 2 + x * 3] = (y * 255) / height;
      raw[row + 3 + x * 3] = 128;
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export const CHROMIUM = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};
