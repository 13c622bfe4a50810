// The layering of the monorepo, checked by `npm run check` (depcruise):
//
//   apps (api, worker, dashboard) → runner → core → experiments
//   db → experiments
//   api, cli → report → experiments (and db's types); the cli talks HTTP, it never loads core
//   cli, dashboard → client → the api's types only (hono/client on AppType)
//
// experiments (the cell contract: schemas, rules, stats) depends on nothing of ours; the api
// never loads the inference runtime; nothing imports in a circle, files or folders.
// dependency-cruiser follows the workspace symlinks to the sources, so `@inferlab/core` is
// `packages/core/src/…` here.

const INFERENCE_RUNTIME = ['^node_modules/onnxruntime-node/', '^node_modules/@huggingface/transformers/', '^node_modules/node-llama-cpp/'];

/** A package or app may import only these of ours (itself always). */
const LAYERS = [
  { name: 'experiments', from: '^packages/experiments/', allowed: [] },
  { name: 'core', from: '^packages/core/', allowed: ['^packages/experiments/'] },
  { name: 'db', from: '^packages/db/', allowed: ['^packages/experiments/'] },
  // db only for its result types (`import type`): a report never opens the database.
  { name: 'report', from: '^packages/report/', allowed: ['^packages/experiments/', '^packages/db/'] },
  { name: 'runner', from: '^packages/runner/', allowed: ['^packages/core/', '^packages/experiments/'] },
  { name: 'worker', from: '^apps/worker/', allowed: ['^packages/runner/', '^packages/core/', '^packages/experiments/'] },
  { name: 'api', from: '^apps/api/', allowed: ['^packages/db/', '^packages/experiments/', '^packages/report/'] },
  // The one typed client: the api's route types (type-only, see client-api-types-only) and hono/client.
  { name: 'client', from: '^packages/client/', allowed: ['^apps/api/', '^packages/experiments/'] },
  // The CLI talks HTTP, through the client: the api's types come with it.
  { name: 'cli', from: '^apps/cli/', allowed: ['^packages/client/', '^packages/report/', '^packages/experiments/'] },
  // The report's SVG renderer only (pure string building): a chart saved as SVG is drawn as in the report.
  {
    name: 'dashboard',
    from: '^apps/dashboard/',
    allowed: ['^packages/client/', '^packages/experiments/', '^packages/report/src/svg-chart\\.ts$'],
  },
];

const OURS = '^(packages|apps)/[^/]+/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...LAYERS.map(({ name, from, allowed }) => ({
      name: `layer-${name}`,
      severity: 'error',
      comment: `${name} imports only ${allowed.length === 0 ? 'nothing of ours' : allowed.join(', ')} (apps → runner → core → experiments; db → experiments)`,
      from: { path: from, pathNot: '\\.test\\.ts$' },
      to: { path: OURS, pathNot: [from, ...allowed] },
    })),
    {
      name: 'layer-undeclared',
      severity: 'error',
      comment: 'a package or app without a row in LAYERS has no place in the layering yet: add it there before it imports one of ours',
      from: { path: '^((packages|apps)/[^/]+)/', pathNot: [...LAYERS.map((l) => l.from), '\\.test\\.ts$'] },
      to: { path: OURS, pathNot: '^$1/' },
    },
    {
      name: 'api-no-inference-runtime',
      severity: 'error',
      comment: 'the HTTP process never loads onnxruntime-node, transformers.js or llama.cpp (nor core or the runner, which do)',
      from: { path: '^apps/api/' },
      to: { path: [...INFERENCE_RUNTIME, '^packages/core/', '^packages/runner/'] },
    },
    {
      name: 'client-api-types-only',
      severity: 'error',
      comment: 'the client takes only types from the api (`import type`): the dashboard bundles the client, never the api',
      from: { path: '^packages/client/' },
      to: { path: '^apps/api/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'dashboard-components-render-only',
      severity: 'error',
      comment: 'dashboard components render what they are given: no view, no data module, no http client or live stream',
      from: { path: '^apps/dashboard/src/components/' },
      to: { path: ['^apps/dashboard/src/views/', '^apps/dashboard/src/data/', '^apps/dashboard/src/api/(http|live)\\.ts$'] },
    },
    {
      name: 'dashboard-views-fetch-through-data',
      severity: 'error',
      comment: 'dashboard views render; fetching and state live in src/data, so a view never calls the http client itself',
      from: { path: '^apps/dashboard/src/views/' },
      to: { path: '^apps/dashboard/src/api/http\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import cycles between files',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      comment: 'no import cycles between folders (core/decoding ↔ core/engine and the like)',
      scope: 'folder',
      from: { path: OURS },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)node_modules/', '(^|/)dist/', '\\.d\\.ts$', '\\.test\\.ts$', '^test/'] },
    // Type-only imports form cycles just the same for the reader; count them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
