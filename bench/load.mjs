// Writes the shared benchmark data set (bench/dataset.mjs) as a Relais import
// file, one item per line (NDJSON, streamed: the 100x set is 1.6 GB):
// organisations, missions, thematic axes, projects (published ones with their
// own publication dates) with axes and partners, and events.
//
//   node bench/load.mjs --scale 1 --out /tmp/bench-1.ndjson
//   relais import --bulk /tmp/bench-1.ndjson
import { generateDataset, SIZES } from './dataset.mjs';
import { openSync, writeSync, closeSync } from 'node:fs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const k = Number(arg('--scale', '1'));
if (!Number.isInteger(k) || k < 1) throw new Error('--scale takes a whole number >= 1');
const out = arg('--out', `bench-${k}.ndjson`);
const ds = generateDataset(42, { ...SIZES, projects: SIZES.projects * k, events: SIZES.events * k });

const fr = (text) => ({ fr: text });
const fd = openSync(out, 'w');
let pending = [], count = 0;
const items = { push(item) {
  pending.push(JSON.stringify(item));
  count += 1;
  if (pending.length >= 5000) flush();
} };
const flush = () => { if (pending.length) writeSync(fd, pending.join('\n') + '\n'); pending = []; };
for (const o of ds.organisations) {
  items.push({ type: 'Organisation', key: `org-${o.id}`, slug: o.slug, publish: true,
    fields: { name: fr(o.name), description: fr(o.description), website: o.website } });
}
for (const m of ds.missions) {
  items.push({ type: 'Mission', key: `mission-${m.id}`, slug: m.slug, publish: true,
    fields: { name: fr(m.title), organisation: `@org-${m.organisation}`, statement: fr(m.description) } });
}
for (const a of ds.thematic_axes) {
  items.push({ type: 'ThematicAxis', key: `axis-${a.id}`, slug: a.slug, publish: true,
    fields: { title: fr(a.title), mission: `@mission-${a.mission}`, description: fr(a.description) } });
}
const axesOf = new Map();
for (const x of ds.projects_thematic_axes) (axesOf.get(x.projects_id) ?? axesOf.set(x.projects_id, []).get(x.projects_id)).push(`@axis-${x.thematic_axes_id}`);
const partnersOf = new Map();
for (const x of ds.projects_partners) (partnersOf.get(x.projects_id) ?? partnersOf.set(x.projects_id, []).get(x.projects_id)).push({ id: `@org-${x.organisations_id}` });
for (const p of ds.projects) {
  const item = { type: 'Project', key: `project-${p.id}`, slug: p.slug, publish: p.status === 'published',
    fields: { title: fr(p.title), summary: fr(p.summary), body: fr(p.body), startDate: p.start_date, endDate: p.end_date,
      budget: { amount: p.budget, currency: 'EUR' }, thematicAxes: axesOf.get(p.id) ?? [], partners: partnersOf.get(p.id) ?? [] } };
  if (p.published_at) item.publishedAt = p.published_at;
  items.push(item);
}
for (const e of ds.events) {
  items.push({ type: 'Event', key: `event-${e.id}`, publish: true,
    fields: { title: fr(e.title), body: fr(e.body), startsAt: e.starts_at, endsAt: e.ends_at, city: fr(e.location), project: `@project-${e.project}` } });
}
flush();
closeSync(fd);
console.error(`wrote ${count} items to ${out}`);
