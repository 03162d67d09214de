import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type FastifyPluginAsyncZod,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Principal, Role } from '@kundval/contracts';
import { AppError, forbidden, refusalAnswer } from './errors.js';
import { assertScope, routeScope, tokenVerifier, type TokenSettings } from './auth.js';
import { COMMAND_METHODS, IDEMPOTENCY_KEY_HEADER, IdempotencyHeaders, idempotencyHonoured } from './idempotency.js';
import type { Logger } from './logger.js';
import { EDGE_DEFAULTS, MAX_URL_LENGTH, EdgeRefusal, isOpenRoute, methodsServing, rateLimits, securityHeaders, type EdgeLimits } from './edge.js';
import { createMetrics, httpMetrics, type Metrics } from './metrics.js';
import { readyRoute, type ReadinessCheck } from './ready.js';
import { httpTracingPlugin } from './tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; set on every route except the open ones (docs, health). */
    principal: Principal;
    /** Carried from the HTTP request through the events to the workflow, for tracing one change. */
    correlationId: string;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; checked after authentication. Omitted means any authenticated caller. */
    roles?: readonly Role[];
    /** Open routes need no token (health, docs). */
    public?: boolean;
  }
}

/** The body of every error answer: a stable code, a message, and for a 400 each field with its reason. */
export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export type ServiceAppOptions = {
  name: string;
  version: string;
  description: string;
  logger: Logger;
  auth: TokenSettings;
  routes: FastifyPluginAsyncZod;
  /** Called when the app closes, after requests have drained: release the service's resources. */
  onClose?: () => Promise<void>;
  /**
   * Fail (500) a keyed command that answered without going through a command runner, instead of
   * logging it: tests set it, so a command route that ignores its Idempotency-Key cannot pass.
   */
  strictIdempotency?: boolean;
  /** Rate, body and URL limits and HSTS (ADR 0024); `edgeLimitsFrom(config)` in a process, the defaults otherwise. */
  limits?: Partial<EdgeLimits>;
  /** The process's metrics, served at /metrics with the app's request counts added; a fresh registry when omitted (ADR 0028). */
  metrics?: Metrics;
  /** What `/ready` checks (database, migrations, NATS, Temporal: what the process has); none means ready once listening. */
  readiness?: readonly ReadinessCheck[];
  /** The operators' console, named by the service's root `/` so a person who opens a printed URL finds their way. */
  consoleUrl?: string | undefined;
};

/**
 * Builds a service's Fastify app: zod validation and serialisation, OpenAPI at /docs, bearer-token
 * authentication on every route that is not marked public, role checks from route config, one error
 * handler that maps domain refusals to HTTP answers, and a correlation id on every request. At the
 * edge (ADR 0024): security headers, rate limits per client, a body limit, 405 with `Allow` for a
 * known path called with another method. The process (listen, signals) stays in the service's server.ts.
 */
export async function createServiceApp(options: ServiceAppOptions): Promise<FastifyInstance> {
  const limits: EdgeLimits = { ...EDGE_DEFAULTS, ...options.limits };
  const app = Fastify({
    // The JSON (and plain text) parsers' limit; the CSV and bank-file parsers carry their own.
    bodyLimit: limits.bodyLimitBytes,
    loggerInstance: options.logger as FastifyBaseLogger,
    disableRequestLogging: true,
    genReqId: (req) => {
      const given = req.headers['x-correlation-id'];
      return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  // First, so every route's hooks and handler run inside the request's span (ADR 0038).
  await app.register(httpTracingPlugin());
  // The request's own lines name its trace: Fastify's request logging is off (it logs "incoming
  // request" before any hook, so before the span exists) and done here, inside the span, instead.
  app.addHook('onRequest', (req, reply, done) => {
    const span = req.opentelemetry().span;
    if (span) {
      req.log = req.log.child({ trace_id: span.spanContext().traceId });
      reply.log = req.log;
    }
    req.log.info({ req }, 'incoming request');
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(securityHeaders, { limits });
  documentEdgeRefusals(app as unknown as FastifyInstance);

  await app.register(swagger, {
    openapi: {
      info: { title: `Kundval ${options.name}`, version: options.version, description: `${options.description}\n\n${edgeDescription(limits)}` },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The UI's own policy: its scripts and styles from /docs, nothing inline but what it hashes.
    // Without TLS, upgrade-insecure-requests would send its http://localhost assets to https.
    staticCSP: true,
    transformStaticCSP: (header) => (limits.hstsMaxAgeSeconds > 0 ? header : header.replace(/\s*upgrade-insecure-requests;?/, '')),
  });

  await app.register(authentication, { settings: options.auth, service: options.name });
  await app.register(rateLimits, { limits });
  declareIdempotencyKey(app as unknown as FastifyInstance, options.strictIdempotency ?? false);
  app.setErrorHandler(errorHandler);
  app.addHook('preValidation', async (req) => {
    const issues = [...nulBytesIn('query', req.query), ...nulBytesIn('params', req.params), ...nulBytesIn('body', req.body)];
    if (issues.length > 0) throw new ValidationRefusal(issues);
  });
  // A known path with another method is 405 with the methods it takes; only an unknown path is 404.
  // Both are counted per address, so scanning for paths is rate-limited too.
  const limited = (app as unknown as FastifyInstance).rateLimit();
  app.setNotFoundHandler({ preHandler: limited }, (req, reply) => {
    const path = req.url.split('?')[0];
    const allowed = methodsServing(app as unknown as FastifyInstance, req.url);
    if (allowed.length > 0) {
      void reply.code(405).header('allow', allowed.join(', ')).send({ error: 'METHOD_NOT_ALLOWED', message: `${path} takes ${allowed.join(', ')}, not ${req.method}.` });
      return;
    }
    void reply.code(404).send({ error: 'NOT_FOUND', message: `No route ${req.method} ${path}` });
  });

  app.get('/health', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok', service: options.name }));
  await app.register(httpMetrics, { metrics: options.metrics ?? createMetrics(options.name, { processMetrics: false }) });
  await app.register(readyRoute, { service: options.name, checks: options.readiness ?? [] });
  // A browser opening a service's printed URL learns where to go, instead of a 401 or 404.
  app.get('/', { config: { public: true }, schema: { hide: true } }, async () => ({
    service: options.name,
    description: options.description,
    docs: '/docs',
    openapi: '/docs/json',
    health: '/health',
    ready: '/ready',
    metrics: '/metrics',
    console: options.consoleUrl ?? null,
  }));
  await app.register(options.routes);
  if (options.onClose) {
    const release = options.onClose;
    app.addHook('onClose', async () => release());
  }
  return app as unknown as FastifyInstance;
}

/** The limits every route answers by, in the OpenAPI document's description (ADR 0024). */
function edgeDescription(limits: EdgeLimits): string {
  return [
    'Limits at the edge (every endpoint but /health and /docs):',
    `- 429 RATE_LIMITED with Retry-After (seconds) past ${limits.perMinute} requests a minute per client (token subject, else address);`,
    `- 413 PAYLOAD_TOO_LARGE for a body above the endpoint's limit (${limits.bodyLimitBytes} bytes of JSON unless the endpoint says more);`,
    `- 414 URI_TOO_LONG for a URL above ${MAX_URL_LENGTH} characters (Node answers 431 above 16 KiB of request line and headers);`,
    '- 405 METHOD_NOT_ALLOWED with Allow for a known path called with another method; 404 NOT_FOUND for an unknown path.',
  ].join('\n');
}

/** 429 is a possible answer of every route that documents its answers, 413 of every one that takes a body. */
function documentEdgeRefusals(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (!response || route.config?.public) return;
    const takesBody = [route.method].flat().some((m) => COMMAND_METHODS.includes(m));
    route.schema = { ...route.schema, response: { ...(takesBody ? { 413: ErrorBody } : {}), 429: ErrorBody, ...response } };
  });
}

const authentication = fp<{ settings: TokenSettings; service: string }>(
  async (app, { settings, service }) => {
    const verifyToken = tokenVerifier(settings);
    app.decorateRequest('principal', null as unknown as Principal);
    app.decorateRequest('correlationId', '');
    app.addHook('onRequest', async (req: FastifyRequest, reply) => {
      req.correlationId = String(req.id);
      void reply.header('x-correlation-id', req.correlationId);
      const config = req.routeOptions.config;
      // A path no route serves answers 404 as it is, token or not: a browser opening a printed URL
      // learns that the path is wrong, not that it lacks a token.
      if (isOpenRoute(req) || req.routeOptions.url === undefined) return;
      const header = req.headers.authorization;
      if (!header?.startsWith('Bearer ')) {
        throw new AppError('unauthenticated', 'AUTH.MISSING_TOKEN', 'Send a bearer token in the Authorization header.');
      }
      req.principal = await verifyToken(header.slice('Bearer '.length));
      if (config.roles && !config.roles.includes(req.principal.role)) {
        throw forbidden(`The role ${req.principal.role} may not call this endpoint.`);
      }
      assertScope(req.principal, routeScope(service, req.method, config.scope));
    });
  },
  { name: 'kundval-authentication' },
);

/**
 * Where a request carries a NUL character: PostgreSQL cannot store one in text or JSON, so without
 * this check such input reached the database and came back as a 500. Checked once here for every
 * string of every route, before its own schema.
 */
function nulBytesIn(where: string, value: unknown, path: string[] = []): Array<{ field: string; reason: string }> {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ field: [where, ...path].join('.'), reason: 'must not contain a NUL character' }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulBytesIn(where, v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
      ...(k.includes('\u0000') ? [{ field: [where, ...path].join('.'), reason: 'a key must not contain a NUL character' }] : []),
      ...nulBytesIn(where, v, [...path, k]),
    ]);
  }
  return [];
}

/** A 400 VALIDATION raised outside a route's schema, with each field and its reason. */
class ValidationRefusal extends Error {
  constructor(readonly issues: Array<{ field: string; reason: string }>) {
    super(`Invalid request: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`);
  }
}

/**
 * Every command route (POST, PUT, PATCH) takes an `Idempotency-Key`: declared here once, so that it
 * is validated and in the OpenAPI document of each, and honoured by the command runner the route's
 * handler calls (`commandRunner`, idempotency.ts). A keyed command that answered without the runner
 * is reported: its key was ignored, and a retry would act again.
 */
function declareIdempotencyKey(app: FastifyInstance, strict: boolean): void {
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (route.config?.public || !methods.some((m) => COMMAND_METHODS.includes(m))) return;
    const own = route.schema?.headers;
    const headers = own instanceof z.ZodObject ? IdempotencyHeaders.extend(own.shape) : (own ?? IdempotencyHeaders);
    // The key reused for another request is refused with 422 IDEMPOTENCY.KEY_REUSED: documented with the route's other refusals.
    const response = route.schema?.response as Record<string, unknown> | undefined;
    route.schema = { ...(route.schema ?? {}), headers, ...(response ? { response: { 422: ErrorBody, ...response } } : {}) };
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const keyed = typeof req.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] === 'string';
    if (!keyed || !COMMAND_METHODS.includes(req.method) || reply.statusCode >= 300 || idempotencyHonoured(req)) return payload;
    const message = `${req.method} ${req.routeOptions.url ?? req.url} answered without the command runner: its ${IDEMPOTENCY_KEY_HEADER} was ignored`;
    if (strict) throw new Error(message);
    req.log.error(message);
    return payload;
  });
}

function errorHandler(err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof EdgeRefusal) return reply.code(err.statusCode).send({ error: err.code, message: err.message });
  if ((err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.code(413).send({ error: 'PAYLOAD_TOO_LARGE', message: `The request body is larger than this endpoint takes (${req.routeOptions.bodyLimit} bytes).` });
  }
  if (err instanceof ValidationRefusal) return reply.code(400).send({ error: 'VALIDATION', message: err.message, issues: err.issues });
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'body';
    const issues = err.validation.map((v) => ({
      field: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
      reason: v.message ?? 'invalid',
    }));
    return reply.code(400).send({ error: 'VALIDATION', message: `Invalid request: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, issues });
  }
  if (err instanceof AppError) {
    const { status, body } = refusalAnswer(err);
    return reply.code(status).send(body);
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    return reply.code(status).send({ error: (err as FastifyError).code ?? 'BAD_REQUEST', message: err.message });
  }
  req.log.error({ err }, 'unexpected error');
  return reply.code(500).send({ error: 'INTERNAL', message: 'Something went wrong; the error was logged with this request id.' });
}

/**
 * Refuses unless the caller is the provider named (providers see only their own customers and
 * orders). The person the journey's worker acts for is held to the same scope as when they call.
 */
export function assertProviderScope(principal: Principal, providerId: string): void {
  for (const p of [principal, principal.onBehalfOf]) {
    if (p?.role === 'provider' && p.providerId !== providerId) throw forbidden('A provider sees only its own customers.');
  }
}

/** Refuses unless the caller, or the person the worker acts for, is the citizen named (a citizen sees only their own journey). */
export function assertCustomerScope(principal: Principal, customerId: string): void {
  for (const p of [principal, principal.onBehalfOf]) {
    if (p?.role === 'citizen' && p.customerId !== customerId) throw forbidden('A citizen sees only their own journey.');
  }
}

export type { FastifyPluginAsyncZod };
