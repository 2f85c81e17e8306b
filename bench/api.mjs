// The API benchmark: the shared workload (bench/dataset.mjs) loaded into
// Relais, served on SQLite and on PostgreSQL from a release build, and driven
// over loopback by wrk (installed from Debian if missing). For each database
// and scale it checks the home answer against the data set, then measures:
//   - the home query uncached (POST, response cache off) at concurrency 1 and 32,
//   - the home query cached (persisted-query GET) at concurrency 1 and 32,
//   - an editor's preview of the home query (signed in, working copies),
//   - a project page and two searches (a rare and a common word; two common
//     words), uncached, at concurrency 1 and 32,
//   - the ceiling: bench/ceiling.rs serving the home answer's bytes,
// each after a warm-up, for a fixed time. Per run: requests per second,
// latency p50/p99, SQL statements per request (/metrics), CPU milliseconds per
// request (server plus PostgreSQL, from /proc) and the server's peak resident
// memory; per server, start to first answer and idle memory. It ends with the
// targets of issue 7, met or missed, and writes the report to target/bench/.
//
//   node bench/api.mjs [--scale 1,100] [--db sqlite,postgres] [--duration 20] [--warmup 5] [--fresh] [--no-build]
//
// PostgreSQL: RELAIS_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test)
// names a server and a database to connect to while creating relais_bench_<scale>.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const opt = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const scales = opt('--scale', '1').split(',').map(Number);
const dbs = opt('--db', 'sqlite,postgres').split(',');
const duration = Number(opt('--duration', '20'));
const warmup = Number(opt('--warmup', '5'));
const fresh = process.argv.includes('--fresh');
const pgAdmin = process.env.RELAIS_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = `${root}/target/bench`;
mkdirSync(dir, { recursive: true });
const sh = (cmd, args, opts = {}) => String(execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts }) ?? '');
// Servers started here stop with the script, whatever way it ends.
const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
process.on('SIGINT', () => process.exit(130));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(...a);

// Tools and build.
if (spawnSync('sh', ['-c', 'command -v wrk']).status !== 0) {
  log('installing wrk');
  sh('apt-get', ['install', '-y', 'wrk']);
}
if (!process.argv.includes('--no-build')) {
  log('building (release)');
  execFileSync('cargo', ['build', '--release', '--quiet', '--bin', 'relais', '--example', 'ceiling'], { cwd: root, stdio: 'inherit' });
}
const relais = `${root}/target/release/relais`;
const ceilingBin = `${root}/target/release/examples/ceiling`;
// --no-build reuses the binaries: say which is missing now, not after the loads and runs.
for (const bin of [relais, ceilingBin]) {
  if (!existsSync(bin)) {
    console.error(`${bin} is not built: run without --no-build, or cargo build --release --bin relais --example ceiling`);
    process.exit(2);
  }
}
const HZ = Number(sh('getconf', ['CLK_TCK']).trim());

const queries = {
  home: readFileSync(`${root}/bench/home.graphql`, 'utf8'),
  project: readFileSync(`${root}/bench/project.graphql`, 'utf8'),
  search: readFileSync(`${root}/bench/search.graphql`, 'utf8'),
};

// CPU ticks of a process, and of every PostgreSQL process (the database's share).
const ticks = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime
  } catch {
    return 0;
  }
};
// PostgreSQL's share: the backends serving the benchmark's database (their
// titles name it), per process, so that autovacuum or other clients of the
// server do not count. Ticks of a backend that exits mid-run are lost; the
// pool keeps its connections, so none does.
let pgDatabase = null;
const postgresTicks = () => {
  const per = new Map();
  if (!pgDatabase) return per;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const title = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (title.startsWith('postgres:') && title.includes(` ${pgDatabase} `)) per.set(p, ticks(p));
    } catch {}
  }
  return per;
};
const pgDelta = (a, b) => [...b].reduce((sum, [pid, t]) => sum + t - (a.get(pid) ?? 0), 0);
const status = (pid, key) => {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) / 1024 : NaN;
};
// A kept-alive socket the server has just closed fails once: ask again.
const fetchRetry = async (url, options = {}, tries = 3) => {
  for (let i = 1; ; i++) {
    try {
      return await fetch(url, options);
    } catch (e) {
      if (i >= tries) throw e;
    }
  }
};
const metrics = async (port) => {
  const text = await (await fetchRetry(`http://127.0.0.1:${port}/metrics`)).text();
  const get = (n) => Number(text.match(new RegExp(`^${n} (\\d+)`, 'm'))?.[1] ?? NaN);
  return { statements: get('relais_sql_statements_total'), requests: get('relais_graphql_requests_total') };
};

const post = (port, query, variables) =>
  fetchRetry(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });

// Starts a server; resolves once it answers the home query, with the time that took.
async function start(name, args, env, port, probe) {
  const t0 = process.hrtime.bigint();
  const child = spawn(args[0], args.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  for (let i = 0; ; i++) {
    try {
      const r = await probe();
      if (r.ok) {
        await r.arrayBuffer();
        break;
      }
    } catch {}
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (i > 20000) throw new Error(`${name} did not answer within 20 s`);
    await sleep(1);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { child, pid: child.pid, port, ms };
}
const stop = async (server) => {
  server.child.kill('SIGTERM');
  await new Promise((r) => (server.child.exitCode !== null ? r() : server.child.once('exit', r)));
  children.delete(server.child);
};

// wrk's figures, in milliseconds.
const toMs = (s) => {
  const m = s.match(/^([\d.]+)(us|ms|s|m)$/);
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]];
};
function wrk(url, conns, secs, script) {
  const args = ['-t', String(Math.min(conns, 2)), '-c', String(conns), '-d', `${secs}s`, '--latency', '--timeout', '10s'];
  if (script) args.push('-s', script);
  const out = sh('wrk', [...args, url]);
  const num = (re) => out.match(re)?.[1];
  const bad = Number(num(/Non-2xx or 3xx responses: (\d+)/) ?? 0);
  const errors = out.match(/Socket errors: .*/)?.[0];
  return {
    requests: Number(num(/(\d+) requests in/)),
    rps: Number(num(/Requests\/sec:\s+([\d.]+)/)),
    p50: toMs(num(/^\s+50%\s+(\S+)/m)),
    p99: toMs(num(/^\s+99%\s+(\S+)/m)),
    bad,
    errors,
  };
}
const postScript = (name, body, headers = {}) => {
  const file = `${dir}/${name}.lua`;
  const more = Object.entries(headers).map(([k, v]) => `wrk.headers["${k}"] = "${v}"\n`).join('');
  writeFileSync(file, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n${more}wrk.body = [==[${body}]==]\n`);
  return file;
};

// One measured run: warm-up, then counters around a timed wrk run.
async function measure(server, label, url, conns, script, { relaisServer = true } = {}) {
  wrk(url, conns, warmup, script);
  const before = { cpu: ticks(server.pid), pg: postgresTicks(), m: relaisServer ? await metrics(server.port) : null };
  const load = os.loadavg()[0];
  const r = wrk(url, conns, duration, script);
  const after = { cpu: ticks(server.pid), pg: postgresTicks(), m: relaisServer ? await metrics(server.port) : null };
  // Answers that are not 200 (an overloaded server sheds load with 503) are
  // reported with the run rather than ending the benchmark; the answer
  // check before the runs is what stops it on a wrong answer.
  if (r.bad || r.errors) label = `${label} (${r.bad} not 200${r.errors ? `, ${r.errors}` : ''})`;
  const cpuServer = ((after.cpu - before.cpu) * 1000) / HZ / r.requests;
  const cpuDb = (pgDelta(before.pg, after.pg) * 1000) / HZ / r.requests;
  const sql = relaisServer ? (after.m.statements - before.m.statements) / (after.m.requests - before.m.requests) : 0;
  const row = { label, conns, ...r, cpuServer, cpuDb, sql, rss: status(server.pid, 'VmHWM'), load };
  log(
    `  ${label.padEnd(34)} c${String(conns).padEnd(3)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ` +
      `CPU ${(cpuServer + cpuDb).toFixed(3)} ms/req (db ${cpuDb.toFixed(3)})  SQL ${sql.toFixed(2)}/req  peak ${row.rss.toFixed(1)} MB`,
  );
  return row;
}

function prepareDatabase(db, scale) {
  const data = `${dir}/bench-${scale}.ndjson`;
  if (!existsSync(data)) {
    log(`writing the data set at scale ${scale}`);
    execFileSync('node', ['--max-old-space-size=12000', `${root}/bench/load.mjs`, '--scale', String(scale), '--out', data], { stdio: 'inherit' });
  }
  const base = pgAdmin.replace(/\/[^/]*$/, '');
  // PostgreSQL as deployed: TLS whenever the server offers it (sqlx's default,
  // `sslmode=prefer`), so start to first answer includes the handshakes.
  const url = db === 'sqlite' ? `sqlite:${dir}/bench-${scale}.db` : `${base}/relais_bench_${scale}`;
  const marker = `${dir}/loaded-${db}-${scale}`;
  if (fresh || !existsSync(marker)) {
    if (db === 'sqlite') {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${dir}/bench-${scale}.db${suffix}`, { force: true });
    } else {
      sh('psql', [pgAdmin, '-qc', `DROP DATABASE IF EXISTS relais_bench_${scale} WITH (FORCE)`]);
      sh('psql', [pgAdmin, '-qc', `CREATE DATABASE relais_bench_${scale}`]);
    }
    log(`loading scale ${scale} into ${db}`);
    const t0 = Date.now();
    execFileSync(relais, ['import', '--bulk', data], { env: { ...process.env, RELAIS_DATABASE_URL: url, RELAIS_LOG: 'warn' }, stdio: 'inherit' });
    writeFileSync(marker, JSON.stringify({ seconds: (Date.now() - t0) / 1000 }));
  }
  return { url, loadSeconds: JSON.parse(readFileSync(marker, 'utf8')).seconds };
}

const machine = `${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.release()}`;
const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
log(`machine: ${machine}; ${when} UTC; ${duration} s per run after ${warmup} s of warm-up`);
const results = [];
let port = 4310;
for (const scale of scales) {
  for (const db of dbs) {
    const { url, loadSeconds } = prepareDatabase(db, scale);
    pgDatabase = db === 'postgres' ? `relais_bench_${scale}` : null;
    const env = {
      RELAIS_DATABASE_URL: url,
      RELAIS_MEDIA_URL: `${dir}/media`,
      RELAIS_LOG: 'warn',
      // The per-IP limit stays on, counting, with room for the load generator.
      RELAIS_ANONYMOUS_RATE_LIMIT: '1000000000',
    };
    const home = () => post(port, queries.home);
    log(`\n${db}, scale ${scale}`);
    // Uncached: the response cache off, so every answer is computed.
    let server = await start('relais', [relais, 'serve', '--addr', `127.0.0.1:${port}`], { ...env, RELAIS_RESPONSE_CACHE: '0' }, port, home);
    await sleep(1000);
    const idle = status(server.pid, 'VmRSS');
    sh('node', [`${root}/bench/check.mjs`, `http://127.0.0.1:${port}/graphql`, '--scale', String(scale)], { stdio: 'inherit' });
    const answer = await (await post(port, queries.home)).text();
    const slug = JSON.parse(answer).data.projects.nodes[0].slug;
    const projectAnswer = await (await post(port, queries.project, { slug })).json();
    if (!projectAnswer.data?.project?.slug) throw new Error(`the project page answer is wrong: ${JSON.stringify(projectAnswer).slice(0, 300)}`);
    // A reader looking for one project: its number and a word of its title;
    // and a worst case, two words of the generated text that most items
    // share (the second being typed), as someone typing a theme would.
    const title = JSON.parse(answer).data.projects.nodes[0].title;
    const searchVars = { q: title.replace(/^Project (\d+): (\S+).*/, '$1 $2') };
    const searchAnswer = await (await post(port, queries.search, searchVars)).json();
    if (!(searchAnswer.data?.search?.edges?.length > 0)) throw new Error(`the search found nothing: ${JSON.stringify(searchAnswer).slice(0, 300)}`);
    const gql = `http://127.0.0.1:${port}/graphql`;
    // An editor previewing the home page: signed in, reading working copies
    // (the user is made once per database; later runs find it there).
    const editor = { e: 'bench-editor@relais.test', p: 'bench editor password 2026' };
    spawnSync(relais, ['user', 'create', '--email', editor.e, '--role', 'EDITOR'], { env: { ...process.env, ...env, RELAIS_PASSWORD: editor.p }, stdio: 'ignore' });
    const login = await (await post(port, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', editor)).json();
    const token = login.data?.login?.token;
    if (!token) throw new Error(`the editor cannot sign in: ${JSON.stringify(login).slice(0, 300)}`);
    const previewHeaders = { Authorization: `Bearer ${token}`, 'Relais-Preview': 'true' };
    const previewAnswer = await (await fetchRetry(gql, { method: 'POST', headers: { 'content-type': 'application/json', ...previewHeaders }, body: JSON.stringify({ query: queries.home }) })).json();
    if (previewAnswer.data?.projects?.nodes?.length !== 20) throw new Error(`the preview answer is wrong: ${JSON.stringify(previewAnswer).slice(0, 300)}`);
    const homeLua = postScript('home', JSON.stringify({ query: queries.home }));
    const previewLua = postScript('preview', JSON.stringify({ query: queries.home }), previewHeaders);
    const projectLua = postScript('project', JSON.stringify({ query: queries.project, variables: { slug } }));
    const searchLua = postScript('search', JSON.stringify({ query: queries.search, variables: searchVars }));
    const commonVars = { q: 'ocean mobility' };
    const commonAnswer = await (await post(port, queries.search, commonVars)).json();
    if (!(commonAnswer.data?.search?.edges?.length === 10)) throw new Error(`the common-word search is wrong: ${JSON.stringify(commonAnswer).slice(0, 300)}`);
    const commonLua = postScript('common', JSON.stringify({ query: queries.search, variables: commonVars }));
    const rows = [];
    for (const c of [1, 32]) rows.push({ kind: 'home-uncached', ...(await measure(server, 'home, uncached (POST)', gql, c, homeLua)) });
    for (const c of [1, 32]) rows.push({ kind: 'preview', ...(await measure(server, 'home, editor preview (POST)', gql, c, previewLua)) });
    for (const c of [1, 32]) rows.push({ kind: 'project', ...(await measure(server, 'project page, uncached (POST)', gql, c, projectLua)) });
    for (const c of [1, 32]) rows.push({ kind: 'search', ...(await measure(server, 'search, uncached (POST)', gql, c, searchLua)) });
    for (const c of [1, 32]) rows.push({ kind: 'search-common', ...(await measure(server, 'search, two common words (POST)', gql, c, commonLua)) });
    await stop(server);
    // Cached: the default server; the home query as a persisted-query GET.
    server = await start('relais', [relais, 'serve', '--addr', `127.0.0.1:${port}`], env, port, home);
    const hash = createHash('sha256').update(queries.home).digest('hex');
    const ext = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));
    const register = await fetch(`${gql}?query=${encodeURIComponent(queries.home)}&extensions=${ext}`);
    const cachedUrl = `${gql}?extensions=${ext}`;
    const cached = await (await fetch(cachedUrl)).text();
    if (!register.ok || cached !== answer) throw new Error('the persisted-query GET does not give the home answer');
    for (const c of [1, 32]) rows.push({ kind: 'home-cached', ...(await measure(server, 'home, cached (persisted GET)', cachedUrl, c)) });
    await stop(server);
    // The ceiling: the same bytes from a bare handler.
    writeFileSync(`${dir}/answer.json`, answer);
    const ceiling = await start('ceiling', [ceilingBin, `127.0.0.1:${port + 1}`, `${dir}/answer.json`], {}, port + 1, () => fetch(`http://127.0.0.1:${port + 1}/`));
    for (const c of [1, 32]) rows.push({ kind: 'ceiling', ...(await measure(ceiling, `ceiling (${answer.length} B body)`, `http://127.0.0.1:${port + 1}/`, c, null, { relaisServer: false })) });
    await stop(ceiling);
    results.push({ db, scale, loadSeconds, startMs: server.ms, idle, bytes: answer.length, rows });
    log(`  start to first answer ${server.ms.toFixed(0)} ms; idle ${idle.toFixed(1)} MB; loaded in ${loadSeconds.toFixed(0)} s`);
  }
}

// The report and the targets.
const find = (r, kind, c) => r.rows.find((x) => x.kind === kind && x.conns === c);
const lines = [`Machine: ${machine}. Date: ${when} UTC. Runs: ${duration} s each after ${warmup} s of warm-up, wrk over loopback.`, ''];
lines.push('| database | scale | run | conc. | req/s | p50 ms | p99 ms | SQL/req | CPU ms/req (server + db) | peak RSS MB |');
lines.push('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  for (const x of r.rows) {
    lines.push(
      `| ${r.db} | ${r.scale}× | ${x.label} | ${x.conns} | ${x.rps.toFixed(0)} | ${x.p50.toFixed(2)} | ${x.p99.toFixed(2)} | ` +
        `${x.kind === 'ceiling' ? '–' : x.sql.toFixed(2)} | ${(x.cpuServer + x.cpuDb).toFixed(3)} (${x.cpuServer.toFixed(3)} + ${x.cpuDb.toFixed(3)}) | ${x.rss.toFixed(1)} |`,
    );
  }
}
lines.push('', '| database | scale | load (bulk import) | start to first answer | idle RSS |', '|---|---|---|---|---|');
for (const r of results) lines.push(`| ${r.db} | ${r.scale}× | ${r.loadSeconds.toFixed(0)} s | ${r.startMs.toFixed(0)} ms | ${r.idle.toFixed(1)} MB |`);
const targets = [];
const check = (name, ok, figure) => targets.push(`| ${name} | ${figure} | ${ok ? 'met' : '**missed**'} |`);
for (const r of results) {
  const tag = `${r.db} ${r.scale}×`;
  const pg = r.db === 'postgres';
  const h1 = find(r, 'home-uncached', 1), h32 = find(r, 'home-uncached', 32);
  const cpu = h32.cpuServer + h32.cpuDb;
  check(`${tag}: home uncached CPU ≤ ${pg ? '1.0' : '0.7'} ms/req`, cpu <= (pg ? 1.0 : 0.7), `${cpu.toFixed(3)} ms`);
  check(`${tag}: home c1 p50 ≤ ${pg ? 2 : 1.5} ms`, h1.p50 <= (pg ? 2 : 1.5), `${h1.p50.toFixed(2)} ms`);
  check(`${tag}: home c1 p99 ≤ 3× p50`, h1.p99 <= 3 * h1.p50, `${(h1.p99 / h1.p50).toFixed(2)}×`);
  const ratio = find(r, 'home-cached', 32).rps / find(r, 'ceiling', 32).rps;
  check(`${tag}: home cached ≥ 50 % of the ceiling (c32)`, ratio >= 0.5, `${(ratio * 100).toFixed(0)} %`);
  check(`${tag}: SQL statements per home request ≤ 5`, h32.sql <= 5, h32.sql.toFixed(2));
  const cpuOf = (kind) => find(r, kind, 32).cpuServer + find(r, kind, 32).cpuDb;
  for (const [kind, what] of [['project', 'project page'], ['preview', 'editor preview of home']]) {
    const k = cpuOf(kind) / cpu;
    check(`${tag}: ${what} CPU ≤ 1.5× home's (c32)`, k <= 1.5, `${k.toFixed(2)}×`);
  }
  if (r.scale === 1) {
    check(`${tag}: idle RSS ≤ 25 MB`, r.idle <= 25, `${r.idle.toFixed(1)} MB`);
    const peak = Math.max(h32.rss, find(r, 'home-cached', 32).rss);
    check(`${tag}: peak RSS under c32 ≤ 60 MB`, peak <= 60, `${peak.toFixed(1)} MB`);
  }
  if (r.scale > 1 && !pg) {
    for (const [kind, what] of [['search', 'search'], ['search-common', 'search of two common words']]) {
      const p50 = find(r, kind, 1).p50;
      check(`${tag}: ${what} c1 p50 ≤ 20 ms`, p50 <= 20, `${p50.toFixed(2)} ms`);
    }
  }
  check(`${tag}: start to first answer ≤ 100 ms`, r.startMs <= 100, `${r.startMs.toFixed(0)} ms`);
  const base = results.find((b) => b.db === r.db && b.scale === 1);
  if (r.scale > 1 && base) {
    for (const kind of ['home-uncached', 'project']) {
      const k = find(r, kind, 1).p50 / find(base, kind, 1).p50;
      check(`${tag}: ${kind} c1 p50 within 2× of 1×`, k <= 2, `${k.toFixed(2)}×`);
    }
  }
}
lines.push('', '| target | figure | |', '|---|---|---|', ...targets);
const report = lines.join('\n');
const file = `${dir}/report-${when.replace(/[: ]/g, '-')}.md`;
writeFileSync(file, report + '\n');
console.log(report);
log(`\nreport written to ${file}`);
