// Serves admin/dist at /admin/ and passes /graphql and /media to a Relais
// server, on one origin: the way the binary serves it, for trying this dist/
// against a server that embeds another bundle (a release binary built before
// the sources changed).
//   node e2e/serve.mjs --port 4701 --api http://127.0.0.1:4700
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
// Media URLs in answers are absolute, on the Relais server's origin: images may come from there.
const csp = (api) =>
  `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: ${api}; media-src 'self' ${api}; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;

export function serve({ port, api }) {
  const target = new URL(api);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/graphql') || url.pathname.startsWith('/media') || url.pathname === '/health') {
      const up = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(up);
      return;
    }
    if (!url.pathname.startsWith('/admin')) {
      res.writeHead(302, { location: '/admin/' });
      res.end();
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname.slice('/admin'.length))).replace(/^([/\\])+/, '');
    let file = join(DIST, rel);
    const asset = rel.startsWith('assets/');
    if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) {
      if (asset) {
        res.writeHead(404);
        res.end();
        return;
      }
      file = join(DIST, 'index.html');
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': asset ? 'public, max-age=31536000, immutable' : 'no-cache',
      'content-security-policy': csp(target.origin),
      'x-content-type-options': 'nosniff',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const port = Number(arg('port', '4701'));
  await serve({ port, api: arg('api', 'http://127.0.0.1:4000') });
  console.log(`admin on http://127.0.0.1:${port}/admin/`);
}
