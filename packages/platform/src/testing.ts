import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { sql, type Kysely, type Migration } from 'kysely';
import { Role, type Principal } from '@kundval/contracts';
import { openDatabase } from './database.js';
import { messagingMigration, type AnyServiceDb, type MessagingTables } from './outbox.js';
import { createServiceApp, type FastifyPluginAsyncZod } from './http.js';
import { issueToken } from './auth.js';
import { createLogger } from './logger.js';

/**
 * Builds a service's real app over a real database (PGlite in memory unless `TEST_DATABASE_URL`
 * names a PostgreSQL server) for route tests that call `app.inject()`. Nothing is mocked: the
 * outbox rows a route writes are there to assert on; only the relay to NATS is not running.
 */
export async function createTestService<DB>(spec: {
  name: string;
  schema: string;
  migrations: Record<string, Migration>;
  routes: (deps: { db: Kysely<DB & MessagingTables>; afterCommit: () => void }) => FastifyPluginAsyncZod;
  databaseUrl?: string;
}) {
  const auth = { secret: 'test-secret-that-is-long-enough-for-hs256', issuer: 'kundval-test' };
  const database = await openDatabase<DB & MessagingTables>({
    url: spec.databaseUrl ?? process.env['TEST_DATABASE_URL'] ?? 'pglite://memory',
    schema: spec.schema,
    migrations: { '0000_messaging': messagingMigration, ...spec.migrations },
  });
  let commits = 0;
  const app: FastifyInstance = await createServiceApp({
    name: spec.name,
    version: 'test',
    description: 'test',
    logger: createLogger(spec.name, { level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    auth,
    routes: spec.routes({ db: database.db, afterCommit: () => void commits++ }),
    strictIdempotency: true,
  });
  await app.ready();
  return {
    app,
    db: database.db,
    engine: database.engine,
    /** How many times a route told the relay that it committed events. */
    commits: () => commits,
    /** A bearer header for the principal, signed by the test issuer. */
    as: async (principal: Partial<Principal> & Pick<Principal, 'role'>) => ({
      authorization: `Bearer ${await issueToken(auth, { sub: `${principal.role}-user`, ...principal })}`,
    }),
    /** Events in the outbox, oldest first, as { subject, payload }. */
    outbox: async () => {
      const rows = await (database.db as unknown as Kysely<MessagingTables>).selectFrom('outbox').select('envelope').orderBy('seq').execute();
      return rows.map((r) => ({ subject: r.envelope.subject, payload: r.envelope.payload as Record<string, unknown> }));
    },
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

export { TEST_ENGINES, testEngines, testDatabaseUrl, postgresGlobalSetup } from './testing-postgres.js';
export { describeProductionSettings } from './testing-config.js';
export type { TestEngine, TestPostgresServer } from './testing-postgres.js';

/**
 * Rows in every table of the service's schema, outbox, inbox and audit_log included, by table
 * name. Compare before and after a refused call to show that it stored nothing anywhere, however
 * many tables the service grows.
 */
export async function tableCounts(db: AnyServiceDb): Promise<Record<string, number>> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
  if (tables.length === 0) return {};
  const counts = sql.join(
    tables.map((t) => sql`select ${sql.lit(t.name)} as name, count(*) as n from ${sql.table(t.name)}`),
    sql` union all `,
  );
  const { rows } = await sql<{ name: string; n: number | string }>`${counts}`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]));
}

/** Every role of the platform, in the order the matrices list them. */
export const ROLES: readonly Role[] = Role.options;

/**
 * One row of a service's authorization matrix: a route, the roles its config allows, and which of
 * those roles are held to their own records. Keep one row per route, mirroring the route's config.
 */
export type RouteAccess = {
  /** `METHOD /path` as registered, e.g. `POST /orders/:orderId/accept`. */
  route: string;
  /** The roles in the route's config; `'any'` when it names none (any authenticated caller). */
  roles: readonly Role[] | 'any';
  /**
   * Roles refused (403) on another's record named in the path (a provider by its `providerId`, a
   * citizen by its `customerId`), and without the id claim: the route checks the owner it is given.
   */
  ownOnly?: ReadonlyArray<'provider' | 'citizen'>;
  /** Roles that list only their own records: another's are left out, and a token without the id claim is refused (403). */
  listsOwn?: ReadonlyArray<'provider' | 'citizen'>;
  /**
   * Roles for which a record outside their scope does not exist: the scope is part of the query
   * (`scopeCondition`, ADR 0042), so another's record, and any record for a token without the id
   * claim, is not found (404) like an unknown id, and nothing changes.
   */
  hidesOthers?: ReadonlyArray<'provider' | 'citizen'>;
};

/** One call of the matrix: who calls which route, and whether they must be let through or refused. */
export type AuthorizationCase = {
  route: string;
  /** Readable caller, for the test name: `anonymous`, `finance`, `provider (other)`, … */
  caller: string;
  role: Role | null;
  /** Whose id the token's claim carries: the record's own, another's, or none at all. */
  owner: 'own' | 'other' | 'none';
  expected: 'allowed' | 'refused';
  /** The refusal's status: 401 without a token, 403 with one, 404 for a record outside a scope that hides it. */
  status?: 401 | 403 | 404;
};

/**
 * Expands a matrix into its calls: for every route, a call without a token, one per role, and for
 * the roles held to their own records one with their own id, one with another's and one without
 * the claim (403 where the route refuses them, 404 where the scope hides the record, another's
 * listed as an empty list where the route lists only one's own). Roles outside the route's config
 * carry their own id, so their refusal is by role. A row naming a role as held to its own records
 * that its roles do not allow, or in two ways at once, is a mistake in the matrix and throws.
 */
export function authorizationCases(table: readonly RouteAccess[]): AuthorizationCase[] {
  return table.flatMap(({ route, roles, ownOnly = [], listsOwn = [], hidesOthers = [] }) => {
    const held = [...ownOnly, ...listsOwn, ...hidesOthers];
    for (const role of held) {
      if (roles !== 'any' && !roles.includes(role)) throw new Error(`${route}: ${role} is held to its own records but not among the route's roles`);
      if (held.filter((r) => r === role).length > 1) throw new Error(`${route}: ${role} is held to its own records in more than one way`);
    }
    const cases: AuthorizationCase[] = [{ route, caller: 'anonymous', role: null, owner: 'none', expected: 'refused', status: 401 }];
    for (const role of ROLES) {
      const allowed = roles === 'any' || roles.includes(role);
      if (!allowed) cases.push({ route, caller: role, role, owner: 'own', expected: 'refused', status: 403 });
      else if ((hidesOthers as readonly Role[]).includes(role)) {
        cases.push(
          { route, caller: `${role} (own)`, role, owner: 'own', expected: 'allowed' },
          { route, caller: `${role} (other, not found)`, role, owner: 'other', expected: 'refused', status: 404 },
          { route, caller: `${role} (no id claim, not found)`, role, owner: 'none', expected: 'refused', status: 404 },
        );
      } else if ((ownOnly as readonly Role[]).includes(role)) {
        cases.push(
          { route, caller: `${role} (own)`, role, owner: 'own', expected: 'allowed' },
          { route, caller: `${role} (other)`, role, owner: 'other', expected: 'refused', status: 403 },
          { route, caller: `${role} (no id claim)`, role, owner: 'none', expected: 'refused', status: 403 },
        );
      } else if ((listsOwn as readonly Role[]).includes(role)) {
        cases.push(
          { route, caller: `${role} (own)`, role, owner: 'own', expected: 'allowed' },
          { route, caller: `${role} (other, sees only its own)`, role, owner: 'other', expected: 'allowed' },
          { route, caller: `${role} (no id claim)`, role, owner: 'none', expected: 'refused', status: 403 },
        );
      } else cases.push({ route, caller: role, role, owner: 'own', expected: 'allowed' });
    }
    return cases;
  });
}

/** The ids a matrix's records belong to (own), and the ids of somebody else (other). */
export type MatrixOwners = { providerId: string; customerId: string };
const OTHER_OWNERS: MatrixOwners = { providerId: 'someone-else', customerId: '00000000-0000-4000-8000-00000000ffff' };

/** The token claims for a case; `null` for the anonymous call. */
export function principalFor(c: AuthorizationCase, own: MatrixOwners, other: MatrixOwners = OTHER_OWNERS): (Partial<Principal> & Pick<Principal, 'role'>) | null {
  if (c.role === null) return null;
  const ids = c.owner === 'own' ? own : c.owner === 'other' ? other : undefined;
  if (c.role === 'provider') return { role: c.role, ...(ids ? { providerId: ids.providerId } : {}) };
  if (c.role === 'citizen') return { role: c.role, ...(ids ? { customerId: ids.customerId } : {}) };
  return { role: c.role };
}

/**
 * Wraps a service's routes so that every route they register is written to `into` with the roles
 * of its config: a matrix test compares its table with it, so a new route, or a changed role
 * list, cannot go untested.
 */
export function recordingRoutes(routes: FastifyPluginAsyncZod, into: RouteAccess[]): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method === 'HEAD' || route.config?.public) continue;
        into.push({ route: `${method} ${route.url}`, roles: route.config?.roles ?? 'any' });
      }
    });
    await app.register(routes);
  };
}

/**
 * One request of a matrix row, as `app.inject` takes it; the case supplies the token. A file
 * upload gives its text as the payload and its `content-type` in `headers`.
 */
export type MatrixRequest = { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; payload?: Record<string, unknown> | string; headers?: Record<string, string> };

/**
 * Makes one matrix call: signs the case's token (none for the anonymous call), and counts the rows
 * of every table before and after, so the test can show that a refusal changed nothing.
 */
export async function callAs(
  svc: { app: FastifyInstance; db: AnyServiceDb; as: (principal: Partial<Principal> & Pick<Principal, 'role'>) => Promise<Record<string, string>> },
  c: AuthorizationCase,
  request: MatrixRequest,
  own: MatrixOwners,
): Promise<{ status: number; body: string; before: Record<string, number>; after: Record<string, number> }> {
  const principal = principalFor(c, own);
  const headers = { ...request.headers, ...(principal ? await svc.as(principal) : {}) };
  const before = await tableCounts(svc.db);
  const res = await svc.app.inject({ ...request, headers });
  return { status: res.statusCode, body: res.body, before, after: await tableCounts(svc.db) };
}

/** The tables whose row count a call changed, with the change (`{ orders: 1, audit_log: 1 }`); unchanged tables are left out. */
export function rowChanges(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const changes: Record<string, number> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const delta = (after[table] ?? 0) - (before[table] ?? 0);
    if (delta !== 0) changes[table] = delta;
  }
  return changes;
}

/**
 * What an allowed call of a matrix must do, exactly: its success status, the rows it adds (every
 * change writes an `audit_log` row, so an update shows as one), and the key fields of its answer.
 */
export type AllowedEffect = {
  status: number;
  rows: Record<string, number>;
  /** Key fields of the JSON answer (matched as a subset), or with `text` the whole text answer (a CSV, an XML file). */
  body?: unknown;
  text?: true;
};

/** What a matrix call came back with: its status and body, and the row counts per table before and after it. */
export type MatrixCallResult = { status: number; body: string; before: Record<string, number>; after: Record<string, number> };

/**
 * The one assertion of every service's matrix: a refused call answers its case's status and changes
 * no table; an allowed one answers the route's exact status, adds exactly its rows and answers its
 * key fields.
 */
export function expectAuthorizationOutcome(c: AuthorizationCase, call: MatrixCallResult, effect: AllowedEffect | undefined): void {
  const { status, body, before, after } = call;
  if (c.expected === 'refused') {
    expect(status, body).toBe(c.status);
    expect(after, 'a refused call changes nothing').toEqual(before);
    return;
  }
  if (!effect) throw new Error(`${c.route}: an allowed call needs its effect`);
  expect(status, body).toBe(effect.status);
  expect(rowChanges(before, after), 'the rows it added').toEqual(effect.rows);
  if (effect.text) expect(body).toEqual(effect.body);
  else expect(JSON.parse(body)).toMatchObject(effect.body as object);
}

/** Route → its allowed roles, sorted, for comparing a matrix with the routes as registered. */
export function accessByRoute(rows: readonly RouteAccess[]): Record<string, string> {
  return Object.fromEntries(
    [...rows].sort((a, b) => a.route.localeCompare(b.route)).map((r) => [r.route, r.roles === 'any' ? 'any' : [...r.roles].sort().join(', ')]),
  );
}
