import { defineConfig } from 'vite';

// `vite build` → dist/, served by the api at `/` (apps/api/src/static/static-routes.ts).
// `npm run dev -w @inferlab/dashboard` proxies the api so the page and /v1 share an origin.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 200 },
  server: {
    proxy: { '/v1': process.env.INFERLAB_API ?? 'http://127.0.0.1:8787', '/healthz': process.env.INFERLAB_API ?? 'http://127.0.0.1:8787' },
  },
});
