// Checks Relais's answer to the home page query against the data set's
// expected answer (projects, axes and partners by slug, events by title).
//
//   node bench/check.mjs http://127.0.0.1:4000/graphql --scale 1
import { generateDataset, expectedHome, SIZES } from './dataset.mjs';
import { readFileSync } from 'node:fs';

const url = process.argv[2] ?? 'http://127.0.0.1:4000/graphql';
const i = process.argv.indexOf('--scale');
const k = Number(i > 0 ? process.argv[i + 1] : 1);
const ds = generateDataset(42, { ...SIZES, projects: SIZES.projects * k, events: SIZES.events * k });
const slugOf = (list) => new Map(list.map((x) => [x.id, x.slug]));
const [projects, axes, orgs] = [slugOf(ds.projects), slugOf(ds.thematic_axes), slugOf(ds.organisations)];
const eventTitle = new Map(ds.events.map((e) => [e.id, e.title]));
const want = expectedHome(ds).map((p) => ({
  slug: projects.get(p.id),
  axes: p.axes.map((a) => axes.get(a)),
  partners: p.partners.map((o) => orgs.get(o)),
  events: p.events.map((e) => eventTitle.get(e)),
}));

const query = readFileSync(new URL('./home.graphql', import.meta.url), 'utf8');
const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
const body = await res.json();
if (body.errors) throw new Error(JSON.stringify(body.errors));
const got = body.data.projects.nodes.map((p) => ({
  slug: p.slug,
  axes: p.thematicAxes.nodes.map((a) => a.slug),
  partners: p.partners.nodes.map((o) => o.slug),
  events: p.events.nodes.map((e) => e.title),
}));
const a = JSON.stringify(got), b = JSON.stringify(want);
if (a !== b) {
  console.error('the answer differs from the data set\'s:\n got  ' + a.slice(0, 600) + '\n want ' + b.slice(0, 600));
  process.exit(1);
}
console.log(`answer check: ${got.length} projects with their axes, partners and events match the data set`);
