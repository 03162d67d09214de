// The layering rules of the monorepo (docs/architecture.md, "Layering"), checked by
// `npm run lint:layers`, which `npm run lint` and `npm test` (so CI) run. Type-only imports count:
// a cycle through a type is still a cycle a reader has to untangle.
/** @type {import('dependency-cruiser').IConfiguration} */
const notTests = ['\\.test\\.ts$', '/test-support/', '/test-fixtures/'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles. A type several files need lives in a module of its own (store/db.ts, deps.ts), not in app.ts.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-no-io',
      severity: 'error',
      comment: 'packages/domain is pure (it runs inside Temporal workflows): no Node built-ins, no HTTP, database, messaging or Temporal client.',
      from: { path: '^packages/domain/src/', pathNot: notTests },
      to: {
        path: ['^node:', 'node_modules/(fastify|@fastify/[^/]+|kysely|pg|@electric-sql/[^/]+|nats|@nats-io/[^/]+|@temporalio/[^/]+|pino)/'],
      },
    },
    {
      name: 'domain-no-node-builtins',
      severity: 'error',
      comment: 'packages/domain imports no Node built-in (node:fs, node:net, node:http, node:crypto, ...).',
      from: { path: '^packages/domain/src/', pathNot: notTests },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'domain-no-services',
      severity: 'error',
      comment: 'The shared packages never import a service.',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'store-not-up',
      severity: 'error',
      comment: 'store/ holds queries and migrations: it never imports the application layer, routes, consumers or HTTP.',
      from: { path: '^services/[^/]+/src/store/', pathNot: notTests },
      to: { path: ['^services/[^/]+/src/(application|routes|consumers|http)/', 'node_modules/fastify/'] },
    },
    {
      name: 'application-not-up',
      severity: 'error',
      comment: 'A use case (application/) knows nothing of HTTP or messaging adapters: it never imports routes, consumers or fastify.',
      from: { path: '^services/[^/]+/src/application/', pathNot: notTests },
      to: { path: ['^services/[^/]+/src/(routes|consumers)/', 'node_modules/fastify/', 'node_modules/@fastify/'] },
    },
    {
      name: 'routes-through-application',
      severity: 'error',
      comment: 'Where a service has an application layer, a route reaches the database only through a use case (store/db.ts and store/tx.ts are types the adapters may name).',
      from: { path: '^services/(orders|decisions|billing)/src/(routes|consumers)/', pathNot: notTests },
      to: { path: '^services/$1/src/store/', pathNot: '^services/[^/]+/src/store/(db|tx)\\.ts$' },
    },
    {
      name: 'billing-routes-no-domain',
      severity: 'error',
      comment: "Billing's domain folders (visits/, pricing/, payments/, fees/, finance/, billing-run/, follow-up/, imports/, sessions/, areas.ts) are reached from a route only through a use case, which also names the input it accepts (a schema, a file's limits).",
      from: { path: '^services/billing/src/(routes|consumers)/', pathNot: notTests },
      to: { path: '^services/billing/src/', pathNot: ['^services/billing/src/(routes|consumers|application|store)/', '^services/billing/src/deps\\.ts$'] },
    },
    {
      name: 'no-other-service-internals',
      severity: 'error',
      comment: 'A service reaches another only through its published events and HTTP commands; at most its package entry point.',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: ['^services/$1/', '^services/[^/]+/dist/index\\.(js|d\\.ts)$'] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['/dist/', '\\.d\\.ts$'] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.js', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
