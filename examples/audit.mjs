// The graphql-http audit suite against a running Relais: every MUST and
// SHOULD must pass (MAY notices are printed only). `node audit.mjs URL`.
import { serverAudits } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:4000/graphql';
let failed = 0;
let total = 0;
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const r = await audit.fn();
  total++;
  if (r.status === 'ok') continue;
  if (r.status === 'error' || r.status === 'warn') failed++;
  console.log(`${r.status.toUpperCase()} ${audit.name}: ${r.reason}`);
}
console.log(`graphql-http audit: ${total} audits, ${failed} failures or warnings`);
process.exit(failed > 0 ? 1 : 0);
