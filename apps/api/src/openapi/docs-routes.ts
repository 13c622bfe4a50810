import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Hono } from 'hono';
import { OPENAPI_PATH } from './openapi-document.ts';

const require = createRequire(import.meta.url);
const SWAGGER_DIR: string = require('swagger-ui-dist').absolutePath();

// Swagger UI sets inline styles and data: images; its scripts are ours, from 'self' only.
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>inferlab API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// A file, not an inline script: the CSP allows scripts from 'self' only.
const INIT = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(OPENAPI_PATH)}, dom_id: '#swagger-ui', deepLinking: true });\n`;

/** `GET /docs`: Swagger UI over `/v1/openapi.json`, from swagger-ui-dist on disk (no CDN: works offline). */
export function docsRoutes() {
  return new Hono()
    .get('/', (c) => {
      c.header('content-security-policy', DOCS_CSP);
      c.header('cache-control', 'no-cache');
      return c.html(PAGE);
    })
    .get('/init.js', (c) => {
      c.header('content-type', 'text/javascript; charset=utf-8');
      return c.body(INIT);
    })
    .get('/assets/:file', async (c) => {
      const file = c.req.param('file');
      const type = ASSETS[file];
      if (type === undefined) return c.json({ error: 'not_found', message: `no docs asset ${file}` }, 404);
      c.header('content-type', type);
      c.header('cache-control', 'public, max-age=86400');
      return c.body(await readFile(join(SWAGGER_DIR, file)));
    });
}
