import { defineConfig } from 'vitest/config';

// The server to proxy /graphql and /media to during `npm run dev`.
const server = process.env.RELAIS_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  base: '/admin/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline script or style: the server sends a strict Content-Security-Policy.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    proxy: {
      '/graphql': server,
      '/media': server,
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
  },
});
