// Third-party clients against a running Relais, the way a frontend uses
// them: Apollo Client 3's normalised cache, graphql-ws, and the operations
// relay-compiler generated from relay/ (run `npm run relay` first).
//
//   node clients.mjs URL [--token EDITOR_TOKEN]     (or EDITOR_TOKEN=… in the environment)
//
// URL is the server's /graphql. The token is a bearer token of an EDITOR (or
// ADMIN): the subscription check publishes a project with it, and deletes it
// afterwards. Get one with
//   RELAIS_PASSWORD='…' relais user create --email editor@example.org --role EDITOR
//   mutation { login(email: "editor@example.org", password: "…") { token } }
// One line per check; exits 1 on any failure, and gives up after 60 s.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
// `@apollo/client/core` is the React-free entry; Node's ESM loader needs its
// file named (the package's subpaths are folders with a CommonJS `main`).
import { ApolloClient, InMemoryCache, HttpLink, gql } from '@apollo/client/core/index.js';
import { relayStylePagination } from '@apollo/client/utilities/index.js';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev/index.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

// Apollo's warnings and errors in full rather than as links.
loadDevMessages();
loadErrorMessages();

const OVERALL_MS = 60_000;
const EVENT_MS = 10_000;

// ---- arguments ---------------------------------------------------------------
const argv = process.argv.slice(2);
let url = null;
let token = process.env.EDITOR_TOKEN || null;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--token') token = argv[++i] ?? null;
  else if (argv[i].startsWith('--token=')) token = argv[i].slice('--token='.length);
  else if (argv[i] === '--help' || argv[i] === '-h') {
    console.log('usage: node clients.mjs http://127.0.0.1:4000/graphql [--token EDITOR_TOKEN]');
    process.exit(0);
  } else url = argv[i];
}
if (!url) {
  console.error('usage: node clients.mjs http://127.0.0.1:4000/graphql [--token EDITOR_TOKEN]\n' +
    'Give the /graphql URL of a running server (relais serve).');
  process.exit(2);
}

const watchdog = setTimeout(() => {
  console.error(`FAIL  the checks did not finish within ${OVERALL_MS / 1000} s: is the server at ${url} answering quickly? ` +
    '(its log, RELAIS_LOG=info, says what it was doing)');
  process.exit(1);
}, OVERALL_MS);

let failures = 0;
let passed = 0;
const ok = (name, msg) => { passed++; console.log(`ok    ${name}: ${msg}`); };
const fail = (name, msg) => { failures++; console.log(`FAIL  ${name}: ${msg}`); };
const info = (name, msg) => console.log(`info  ${name}: ${msg}`);

// ---- plain HTTP, for setup and the editor's mutations -------------------------
async function post(query, variables = {}, bearer = null) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status} from ${url} is not JSON: ${text.slice(0, 200)}`);
  }
}
const describe = (errors) => (errors ?? []).map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ');
async function must(query, variables, bearer) {
  const body = await post(query, variables, bearer);
  if (body.errors?.length || !body.data) throw new Error(describe(body.errors) || 'no data');
  return body.data;
}

// ---- Apollo Client 3 with the cache a Relais frontend should use --------------
// Every list is a Relay connection: relayStylePagination merges pages, and
// its keyArgs say which arguments make a different list (the window
// arguments first/after/last/before do not).
const connection = (...keyArgs) => relayStylePagination(keyArgs);
const typePolicies = {
  Query: {
    fields: {
      organisations: connection('filter', 'orderBy', 'locale', 'preview'),
      projects: connection('filter', 'orderBy', 'locale', 'preview'),
      search: connection('query', 'types', 'locale', 'preview'),
      auditLog: connection('filter'),
    },
  },
};
function apollo() {
  return new ApolloClient({
    link: new HttpLink({ uri: url, fetch }),
    cache: new InMemoryCache({ typePolicies }),
    defaultOptions: { query: { fetchPolicy: 'network-only' }, watchQuery: { fetchPolicy: 'network-only' } },
  });
}

// (a) Each locale is its own cache entry when the locale is on the field.
async function localeCache() {
  const name = 'apollo locale cache';
  const list = await must(`{ organisations(first: 100, orderBy: [{ field: SLUG }]) {
    nodes { id slug fr: name(locale: "fr") ar: name(locale: "ar") } } }`);
  const org = list.organisations.nodes.find((o) => o.fr && o.ar && o.fr !== o.ar);
  if (!org) return fail(name, 'no organisation has different French and Arabic names: load the demo content (it loads by itself on a fresh SQLite database)');

  const NAME = gql`query OrganisationName($slug: String!, $locale: String!) {
    organisation(slug: $slug) { id slug name(locale: $locale) } }`;
  const client = apollo();
  const fr = await client.query({ query: NAME, variables: { slug: org.slug, locale: 'fr' } });
  const ar = await client.query({ query: NAME, variables: { slug: org.slug, locale: 'ar' } });
  const frCached = client.cache.readQuery({ query: NAME, variables: { slug: org.slug, locale: 'fr' } });
  const arCached = client.cache.readQuery({ query: NAME, variables: { slug: org.slug, locale: 'ar' } });
  const entry = client.cache.extract()[client.cache.identify(fr.data.organisation)] ?? {};
  const keys = Object.keys(entry).filter((k) => k.startsWith('name'));
  if (fr.data.organisation.name !== org.fr || ar.data.organisation.name !== org.ar) {
    fail(name, `the server answered "${fr.data.organisation.name}" (fr) and "${ar.data.organisation.name}" (ar), ` +
      `expected "${org.fr}" and "${org.ar}": name(locale:) is not honoured`);
  } else if (frCached?.organisation?.name !== org.fr || arCached?.organisation?.name !== org.ar) {
    fail(name, `after the Arabic query the cache reads "${frCached?.organisation?.name}" for French ` +
      `and "${arCached?.organisation?.name}" for Arabic: the locales overwrote each other`);
  } else {
    ok(name, `${org.slug}: French still "${org.fr}" after the Arabic "${org.ar}" (${client.cache.identify(fr.data.organisation)} holds ${keys.join(', ')})`);
  }

  // The counter-example: the locale on the root field alone. The entity has
  // one `name`, and the second answer replaces the first.
  const ROOT = gql`query OrganisationRootLocale($slug: String!, $locale: String) {
    organisation(slug: $slug, locale: $locale) { id name } }`;
  const other = apollo();
  await other.query({ query: ROOT, variables: { slug: org.slug, locale: 'fr' } });
  await other.query({ query: ROOT, variables: { slug: org.slug, locale: 'ar' } });
  const shared = other.cache.readQuery({ query: ROOT, variables: { slug: org.slug, locale: 'fr' } });
  info(name, `with organisation(locale:) { name } instead, the French query now reads "${shared?.organisation?.name}" ` +
    'from the cache: write name(locale: $locale) to keep locales apart');
}

// (b) A connection paged forwards and backwards merges to the same list.
async function pagination() {
  const name = 'apollo relayStylePagination';
  const ORGS = gql`query OrganisationPages($first: Int, $after: String, $last: Int, $before: String,
      $orderBy: [OrganisationOrder!], $locale: String) {
    organisations(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, locale: $locale) {
      totalCount
      edges { cursor node { id slug name(locale: $locale) } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    } }`;
  const base = { orderBy: [{ field: 'NAME', direction: 'ASC' }], locale: 'fr' };
  const whole = (await must(`query($orderBy: [OrganisationOrder!], $locale: String) {
    organisations(first: 100, orderBy: $orderBy, locale: $locale) { totalCount nodes { id } } }`, base)).organisations;
  const total = whole.totalCount;
  if (total < 3) return fail(name, `only ${total} organisations: load the demo content to page through several pages`);
  const size = Math.min(5, Math.max(1, Math.floor(total / 3)));

  async function walk(forward) {
    const client = apollo();
    const first = forward ? { first: size } : { last: size };
    // What a list component does: watch the query, then fetchMore.
    const obs = client.watchQuery({ query: ORGS, variables: { ...base, ...first } });
    let sub;
    const initial = await new Promise((resolve, reject) => {
      sub = obs.subscribe({ next: (r) => { if (!r.loading && r.data) resolve(r); }, error: reject });
    });
    let page = initial.data.organisations;
    let pages = 1;
    while ((forward ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage) && pages < 50) {
      const cursor = forward ? { after: page.pageInfo.endCursor } : { before: page.pageInfo.startCursor };
      page = (await obs.fetchMore({ variables: cursor })).data.organisations;
      pages++;
    }
    sub.unsubscribe();
    const merged = client.cache.readQuery({ query: ORGS, variables: { ...base, ...first } }).organisations;
    return { pages, ids: merged.edges.map((e) => e.node.id), pageInfo: merged.pageInfo };
  }
  const fwd = await walk(true);
  const bwd = await walk(false);
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const wholeIds = whole.nodes.map((n) => n.id);
  if (new Set(fwd.ids).size !== fwd.ids.length || new Set(bwd.ids).size !== bwd.ids.length) {
    fail(name, 'an item came twice in the merged pages: cursors are not stable between pages');
  } else if (!same(fwd.ids, wholeIds)) {
    fail(name, `first/after in ${fwd.pages} pages of ${size} merged to ${fwd.ids.length} items, ` +
      `not the ${wholeIds.length} of one first: 100 answer in its order`);
  } else if (!same(bwd.ids, wholeIds)) {
    fail(name, `last/before in ${bwd.pages} pages of ${size} merged to ${bwd.ids.length} items, ` +
      `not the ${wholeIds.length} of first/after in the same order`);
  } else if (fwd.pageInfo.hasNextPage || bwd.pageInfo.hasPreviousPage) {
    fail(name, 'the merged pageInfo still says more pages follow after the last one');
  } else {
    ok(name, `organisations by name (fr): ${fwd.pages} pages forwards and ${bwd.pages} backwards of ${size} ` +
      `merge to the same ${total} items in the same order`);
  }
}

// (d) The operations relay-compiler generated run on the server as they are.
function relayOperations() {
  const dir = new URL('./relay/__generated__/', import.meta.url);
  if (!existsSync(dir)) return null;
  const ops = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.graphql.ts') || f.endsWith('.graphql.js')).sort()) {
    const src = readFileSync(new URL(file, dir), 'utf8');
    const m = src.match(/"name": "(\w+)",\s*"operationKind": "(\w+)",\s*"text": ("(?:[^"\\]|\\.)*")/);
    if (m) ops.push({ name: m[1], kind: m[2], text: JSON.parse(m[3]) });
  }
  return ops;
}
async function relayQueries(ops, project) {
  const name = 'relay';
  if (!ops) return fail(name, 'no relay/__generated__: run `npm run relay` first');
  const values = { id: project.id, slug: project.slug, locale: 'ar', first: 2 };
  for (const op of ops.filter((o) => o.kind === 'query')) {
    const declared = [...op.text.split('{')[0].matchAll(/\$(\w+)\s*:/g)].map((m) => m[1]);
    const variables = Object.fromEntries(declared.filter((v) => v in values).map((v) => [v, values[v]]));
    const body = await post(op.text, variables);
    const codes = (body.errors ?? []).map((e) => e.extensions?.code);
    if (!('data' in body)) {
      fail(`${name} ${op.name}`, `the server rejects relay-compiler's text: ${describe(body.errors)}`);
    } else if (codes.length && codes.every((c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN')) {
      ok(`${name} ${op.name}`, `valid; answered ${codes[0]} (admins only)`);
    } else if (codes.length) {
      fail(`${name} ${op.name}`, describe(body.errors));
    } else {
      const empty = Object.entries(body.data).filter(([, v]) => v == null).map(([k]) => k);
      if (empty.length) fail(`${name} ${op.name}`, `${empty.join(', ')} is null for ${JSON.stringify(variables)}`);
      else ok(`${name} ${op.name}`, `answered (${JSON.stringify(variables)})`);
    }
  }
}

// (c) An anonymous graphql-ws subscriber hears an editor's publish.
async function subscription(ops) {
  const name = 'graphql-ws contentChanged';
  if (!token) {
    return fail(name, 'no editor token: pass --token TOKEN or set EDITOR_TOKEN (create an editor with ' +
      '`relais user create --email … --role EDITOR`, then `mutation { login(email:, password:) { token } }`)');
  }
  const wsUrl = url.replace(/^http/, 'ws');
  let connected;
  const isConnected = new Promise((resolve) => { connected = resolve; });
  let closedWith = null;
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    on: { connected: () => connected(), closed: (e) => { closedWith = e; } },
  });
  const subscribers = [{
    label: 'hand-written',
    query: `subscription { contentChanged(types: [PROJECT], kinds: [PUBLISHED]) {
      kind typeName itemId node { ... on Project { id title } } } }`,
    variables: {},
  }];
  const relaySub = ops?.find((o) => o.kind === 'subscription');
  if (relaySub) subscribers.push({ label: `relay ${relaySub.name}`, query: relaySub.text, variables: { locale: 'fr' } });
  const heard = subscribers.map(() => []);
  const errors = [];
  const waiters = new Set();
  const unsubscribe = subscribers.map((s, i) => client.subscribe({ query: s.query, variables: s.variables }, {
    next: (msg) => { heard[i].push(msg); for (const w of waiters) w(); },
    error: (e) => { errors.push(`${s.label}: ${Array.isArray(e) ? describe(e) : e?.message ?? e?.reason ?? e?.code ?? e}`); for (const w of waiters) w(); },
    complete: () => {},
  }));
  const created = { id: null, version: null };
  try {
    const up = await Promise.race([isConnected.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    if (!up) {
      return fail(name, `no connection_ack from ${wsUrl} within 5 s` +
        (closedWith ? ` (closed ${closedWith.code} ${closedWith.reason})` : '') + ': is WebSocket on /graphql reachable?');
    }
    await new Promise((r) => setTimeout(r, 500)); // let the server register the subscriptions

    const title = `Vérification des clients ${Date.now()}`;
    const slug = `clients-check-${Date.now()}`;
    let project;
    try {
      project = (await must(`mutation($input: ProjectInput!) { createProject(input: $input) { id version } }`,
        { input: { slug, title: [{ locale: 'fr', value: title }] } }, token)).createProject;
      created.id = project.id;
      created.version = project.version;
      const published = (await must(`mutation($id: ID!, $version: Int!) { publish(id: $id, version: $version) { id version } }`,
        { id: project.id, version: project.version }, token)).publish;
      created.version = published.version;
    } catch (e) {
      const hint = /UNAUTHENTICATED/.test(e.message) ? ' (the token is not accepted: log in again on this server)'
        : /FORBIDDEN/.test(e.message) ? ' (the token\'s role may not publish: use an EDITOR or ADMIN)' : '';
      return fail(name, `could not create and publish a project with the editor token: ${e.message}${hint}`);
    }

    const start = Date.now();
    const match = (msgs) => msgs.find((m) => m.data?.contentChanged?.itemId === project.id && m.data.contentChanged.kind === 'PUBLISHED');
    await new Promise((resolve) => {
      const check = () => { if (errors.length || heard.every((h) => match(h))) { waiters.delete(check); clearTimeout(timer); resolve(); } };
      const timer = setTimeout(() => { waiters.delete(check); resolve(); }, EVENT_MS);
      waiters.add(check);
      check();
    });
    const ms = Date.now() - start;
    subscribers.forEach((s, i) => {
      const label = `${name} (${s.label})`;
      const event = match(heard[i]);
      if (errors.length) return fail(label, `the subscription ended with an error: ${errors.join('; ')}`);
      if (!event) {
        return fail(label, `no PUBLISHED event for ${project.id} within ${EVENT_MS / 1000} s ` +
          `(${heard[i].length} other events): does the server broadcast publishes to anonymous subscribers?`);
      }
      const got = event.data.contentChanged.node?.title;
      if (got !== title) return fail(label, `the event arrived but its node.title is ${JSON.stringify(got)}, expected "${title}"`);
      ok(label, `anonymous subscriber heard PUBLISHED ${event.data.contentChanged.typeName} "${got}" in ${ms} ms`);
    });
  } finally {
    unsubscribe.forEach((u) => u());
    await client.dispose();
    if (created.id) {
      try {
        await must(`mutation($id: ID!, $version: Int!) { deleteProject(id: $id, version: $version) { id } }`,
          { id: created.id, version: created.version }, token);
        info(name, `deleted the project the check published (${created.id})`);
      } catch (e) {
        info(name, `could not delete the project the check published (${created.id}): ${e.message}`);
      }
    }
  }
}

// ---- run -----------------------------------------------------------------------
try {
  await must('{ __typename }');
} catch (e) {
  console.error(`FAIL  cannot query ${url}: ${e.cause?.code ?? e.message}. Start the server (relais serve --addr …) and pass its /graphql URL.`);
  process.exit(1);
}
console.log(`clients against ${url}`);
const steps = [
  ['apollo locale cache', localeCache],
  ['apollo relayStylePagination', pagination],
  ['relay', async () => {
    const project = (await must('{ projects(first: 1, orderBy: [{ field: SLUG }]) { nodes { id slug } } }')).projects.nodes[0];
    if (!project) return fail('relay', 'no published project to run the queries on: load the demo content');
    await relayQueries(relayOperations(), project);
  }],
  ['graphql-ws contentChanged', () => subscription(relayOperations())],
];
for (const [name, step] of steps) {
  try {
    await step();
  } catch (e) {
    fail(name, `${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message ?? e.cause})` : ''}`);
  }
}
clearTimeout(watchdog);
console.log(`clients: ${passed} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
