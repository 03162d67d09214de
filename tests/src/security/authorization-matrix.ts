import { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { BILLING_SERVICE, billingRoutes, type BillingDb } from '@kundval/billing';
import { DECISIONS_SERVICE, decisionsRoutes, type DecisionsDb } from '@kundval/decisions';
import { ORDERS_SERVICE, ordersRoutes, type OrdersDb } from '@kundval/orders';
import { createLogger, createServiceApp, routeScope, type FastifyPluginAsyncZod } from '@kundval/platform';
import { journeyRoutes } from '@kundval/workflows';

/** One route as registered: who may call it (roles), what a machine's token needs (scope), and what it does. */
export type RouteRow = { service: string; method: string; path: string; roles: readonly string[] | 'any'; scope: string; summary: string };

/** A service's routes, built without a database: registering them reads none, and no handler runs here. */
type Build = { name: string; description: string; routes: (db: never) => FastifyPluginAsyncZod };
const SERVICES: Build[] = [
  { ...DECISIONS_SERVICE, routes: (db: DecisionsDb) => decisionsRoutes({ db, afterCommit: () => undefined, municipality: 'nacka' }) },
  { ...ORDERS_SERVICE, routes: (db: OrdersDb) => ordersRoutes({ db, afterCommit: () => undefined }) },
  { ...BILLING_SERVICE, routes: (db: BillingDb) => billingRoutes({ db, afterCommit: () => undefined, tariffOrePerHour: 31_200 }) },
  // The operators' view registers its routes without calling Temporal: a lazy client that never connects.
  { name: 'workflows', description: 'Customer journeys', routes: () => journeyRoutes({ client: new Client(), namespace: 'default', temporalUiUrl: 'http://127.0.0.1:8233' }) },
];

/**
 * Every route of every service, read from the routes themselves: each service's app is built with
 * the platform's app factory as its process builds it, and every route it registers is recorded with
 * its method, path, `config.roles` and the scope a machine needs (`routeScope`). No request is made.
 */
export async function registeredRoutes(): Promise<RouteRow[]> {
  const rows: RouteRow[] = [];
  for (const service of SERVICES) {
    const routes = service.routes(null as never);
    const app: FastifyInstance = await createServiceApp({
      name: service.name,
      version: 'matrix',
      description: service.description,
      logger: createLogger(service.name, { level: 'silent' }),
      auth: { secret: 'the-matrix-reads-routes-and-verifies-no-token', issuer: 'matrix' },
      routes: async (scope) => {
        scope.addHook('onRoute', (route) => {
          for (const method of [route.method].flat()) {
            if (method === 'HEAD' || route.config?.public) continue;
            const summary = (route.schema as { summary?: string } | undefined)?.summary ?? '';
            rows.push({ service: service.name, method, path: route.url, roles: route.config?.roles ?? 'any', scope: routeScope(service.name, method, route.config?.scope), summary });
          }
        });
        await scope.register(routes);
      },
    });
    await app.ready();
    await app.close();
  }
  return rows;
}

const order = (a: RouteRow, b: RouteRow) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The authorization matrix as docs/authorization.md holds it. */
export function renderAuthorizationMatrix(rows: readonly RouteRow[]): string {
  const services = [...new Set(rows.map((r) => r.service))];
  const lines = [
    '# Authorization matrix',
    '',
    '<!-- Generated from the services\' registered routes by `npm run docs:authorization`; do not edit by hand.',
    '     tests/src/security/authorization-matrix.test.ts fails when this file differs from the routes. -->',
    '',
    'Every route of every service, as registered: the roles whose tokens may call it (`config.roles`;',
    '*any* is every authenticated role) and the scope a machine\'s token (client credentials) needs',
    '(ADR 0032). A person is held further to their own records where the route reads them: a provider',
    'to its `providerId`, a citizen to their `customerId`, and a token with a `municipality` claim to',
    'that municipality\'s; in orders, decisions and the journeys the scope is part of the query, so',
    'another\'s record is not found (404), like an unknown id (docs/security.md). Each service\'s matrix',
    '(`services/*/src/routes/authorization*.test.ts`; the journeys\' end to end in',
    '`tests/src/security/workflows-matrix.test.ts`) is generated from these routes, fails for a route',
    'without a row, calls every role on every route with own and other\'s records, and asserts the',
    'exact status and effect. `/health` and `/docs` are open.',
    '',
    `Routes: ${rows.length} (${services.map((s) => `${s} ${rows.filter((r) => r.service === s).length}`).join(', ')}).`,
  ];
  for (const service of services) {
    lines.push('', `## ${service}`, '', '| method | path | roles | machine scope | what |', '|---|---|---|---|---|');
    for (const r of rows.filter((x) => x.service === service).sort(order)) {
      const roles = r.roles === 'any' ? '*any*' : [...r.roles].sort().join(', ');
      lines.push(`| ${r.method} | \`${r.path}\` | ${roles} | \`${r.scope}\` | ${cell(r.summary)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
