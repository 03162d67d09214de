import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { Eta } from 'eta';
import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Role } from '@kundval/contracts';
import { EdgeRefusal, createMetrics, httpMetrics, issueToken, readyRoute, serviceAudience, type Logger } from '@kundval/platform';
import { ApiError, SERVICES, platformApi, type PlatformApi, type ServiceName } from './api.js';
import type { ConsoleConfig } from './config.js';
import { SESSION_TTL_MS, SignInError, oidcSignIn, type OidcSignIn } from './sign-in.js';
import { natsSessionStore } from './nats-session-store.js';
import { memorySessionStore, type SessionStore } from './session-store.js';
import { newSealingKey, sealer, sealingKeys } from './sealing.js';
import { SORTS, applicationIdOf, describeAttention, formatAge, ore, sortJourneys, stuckJourneys, timelineOf, type Sort } from './journeys.js';
import { LANGUAGES, textsFor, type Language } from './texts.js';

const TOKEN_COOKIE = 'kundval_console_token';
/** The opaque id of a person signed in through the identity provider; their tokens stay in this process (ADR 0037). */
const SESSION_COOKIE = 'kundval_console_session';
/** The sign-in on its way to the identity provider and back (its PKCE verifier, state and nonce stay here). */
const SIGNIN_COOKIE = 'kundval_console_signin';
const LANG_COOKIE = 'kundval_console_lang';
/** The roles the development sign-in offers: an operator, a case handler (closes tasks), finance (starts a billing run). */
const DEV_ROLES = ['operator', 'case-handler', 'finance'] as const;

const views = fileURLToPath(new URL('../views', import.meta.url));
const assets = fileURLToPath(new URL('../assets/', import.meta.url));

/** Who is signed in, as the token says (only shown: the services verify the token on every call), and their token for each service. */
type Session = { sub: string; role: string; tokens: string | ((service: ServiceName) => Promise<string>); signOut?: () => Promise<URL | null> };

/**
 * The operators' console (ADR 0027): server-rendered pages (Eta templates) over the services' APIs,
 * called with the signed-in person's token. Every form is a plain POST that works without script,
 * carries an Idempotency-Key made when the page was drawn and asks for a confirmation; every action
 * is audited by the service that carries it out.
 */
export async function buildConsole(config: ConsoleConfig, logger: Logger, options: { sessionStore?: SessionStore } = {}): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, trustProxy: false });
  const eta = new Eta({ views, cache: true });
  const css = readFileSync(`${assets}console.css`, 'utf8');
  const js = readFileSync(`${assets}console.js`, 'utf8');
  const publicUrl = (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/$/, '');
  // With an identity provider, people sign in through it and nothing else; without one (a developer's machine), the development sign-in and a pasted token.
  const store = config.OIDC_ISSUER ? (options.sessionStore ?? (await sessionStoreFor(config, logger))) : null;
  // A store given by the caller is the caller's to close.
  if (store && !options.sessionStore) app.addHook('onClose', () => store.close());
  const oidc: OidcSignIn | null = store && config.OIDC_ISSUER
    ? oidcSignIn({
        store,
        sealer: sealer(sealingKeys(config.SESSION_SEALING_KEYS ?? [developmentKey(logger)])),
        issuer: new URL(config.OIDC_ISSUER),
        clientId: config.OIDC_CLIENT_ID,
        redirectUri: `${publicUrl}/signin/callback`,
        postLogoutRedirectUri: `${publicUrl}/signin`,
        audiences: Object.fromEntries(SERVICES.map((s) => [s, serviceAudience(s)])) as Record<ServiceName, string>,
        allowHttp: config.KUNDVAL_ENV !== 'production',
        sessionTtlMs: SESSION_TTL_MS,
      })
    : null;
  const devSignIn = !oidc && config.AUTH_SECRET !== undefined;

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      // Signing out posts to the console, which redirects to the provider's sign-out page: form-action covers that redirect.
      directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'"], formAction: ["'self'", ...(config.OIDC_ISSUER ? [new URL(config.OIDC_ISSUER).origin] : [])], frameAncestors: ["'none'"], baseUri: ["'none'"], objectSrc: ["'none'"] },
    },
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on a form post, and the origin check below needs it.
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: config.COOKIE_SECURE ? { maxAge: 31_536_000 } : false,
  });
  await app.register(cookie);
  await app.register(formbody);
  // The sign-in's start and callback share one count per address (a start seals a sign-in into the
  // store, a callback asks the provider); no other page is limited. The address is the socket's:
  // trustProxy is off, as in the services (ADR 0024), so behind a front door all share its count.
  await app.register(rateLimit, {
    global: false,
    timeWindow: 60_000,
    max: config.SIGN_IN_RATE_LIMIT_PER_MINUTE,
    keyGenerator: (req) => `ip:${req.ip}`,
    errorResponseBuilder: (_req, context) =>
      new EdgeRefusal(429, 'RATE_LIMITED', `Too many sign-in requests: at most ${context.max} a minute from one address; retry after the seconds in Retry-After.`),
  });
  const signInLimit = app.rateLimit();
  // The same /metrics and /ready as every process (ADR 0028); the console depends on nothing but the services, each with its own.
  await app.register(httpMetrics, { metrics: createMetrics('console') });
  await app.register(readyRoute, { service: 'console', checks: [] });

  // A form posted from another site is refused: the session cookie is SameSite=Strict, and the origin is checked too.
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    const origin = req.headers.origin;
    if (origin && origin !== `${req.protocol}://${req.headers.host}`) return reply.code(403).type('text/plain').send('Cross-site form refused.');
  });

  const langOf = (req: FastifyRequest): Language => {
    const asked = (req.query as Record<string, unknown> | undefined)?.['lang'];
    const chosen = typeof asked === 'string' ? asked : req.cookies[LANG_COOKIE];
    return (LANGUAGES as readonly string[]).includes(chosen ?? '') ? (chosen as Language) : 'sv';
  };
  // Read once per request: a page's handler and its layout both ask, and each read goes to the session store.
  const sessions = new WeakMap<FastifyRequest, Promise<Session | null>>();
  const sessionOf = (req: FastifyRequest): Promise<Session | null> => {
    let session = sessions.get(req);
    if (!session) sessions.set(req, (session = readSession(req)));
    return session;
  };
  const readSession = async (req: FastifyRequest): Promise<Session | null> => {
    if (oidc) {
      const person = await oidc.session(req.cookies[SESSION_COOKIE]);
      return person && { sub: person.sub, role: person.role, tokens: (service) => oidc.tokenFor(person, service), signOut: () => oidc.end(person) };
    }
    const token = req.cookies[TOKEN_COOKIE];
    if (!token) return null;
    try {
      const claims = decodeJwt(token);
      if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return null;
      return { tokens: token, sub: String(claims.sub ?? '?'), role: String(claims['role'] ?? '?') };
    } catch {
      return null;
    }
  };

  async function page(req: FastifyRequest, reply: FastifyReply, view: string, data: Record<string, unknown>, status = 200) {
    const lang = langOf(req);
    if (typeof (req.query as Record<string, unknown>)?.['lang'] === 'string') void reply.setCookie(LANG_COOKIE, lang, { path: '/', sameSite: 'strict', httpOnly: true, secure: config.COOKIE_SECURE });
    const html = eta.render(`./${view}`, {
      t: textsFor(lang),
      lang,
      otherLang: lang === 'sv' ? 'en' : 'sv',
      path: req.url.split('?')[0],
      session: await sessionOf(req),
      devSignIn,
      oidcSignIn: oidc !== null,
      devRoles: DEV_ROLES,
      temporalUiUrl: config.TEMPORAL_UI_URL,
      key: randomUUID(),
      formatAge,
      ore,
      describeAttention,
      applicationIdOf,
      ...data,
    });
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }

  /** Runs a page's work with the session's API, or sends the person to sign in; a service's refusal is shown as it is. */
  function withApi(handler: (req: FastifyRequest, reply: FastifyReply, api: PlatformApi) => Promise<unknown>) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      const session = await sessionOf(req);
      if (!session) return reply.redirect(`/signin?next=${encodeURIComponent(req.url)}`, 303);
      try {
        return await handler(req, reply, platformApi(config, session.tokens));
      } catch (err) {
        // The provider no longer renews the session (revoked, expired there): sign in again.
        if (err instanceof SignInError) return reply.clearCookie(SESSION_COOKIE, { path: '/' }).redirect(`/signin?next=${encodeURIComponent(req.url)}`, 303);
        if (err instanceof ApiError) {
          if (err.status === 401) return reply.clearCookie(TOKEN_COOKIE, { path: '/' }).clearCookie(SESSION_COOKIE, { path: '/' }).redirect('/signin', 303);
          return page(req, reply, 'error', { error: err, back: req.headers.referer ?? '/find' }, err.status >= 400 && err.status < 600 ? err.status : 502);
        }
        throw err;
      }
    };
  }

  const confirmed = (body: unknown) => z.object({ confirm: z.literal('yes') }).safeParse(body).success;
  const Key = z.string().uuid().optional();

  app.get('/health', async () => ({ status: 'ok', service: 'console' }));
  app.get('/assets/console.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(css));
  app.get('/assets/console.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(js));
  app.get('/', async (_req, reply) => reply.redirect('/find', 303));

  // ── Sign-in ────────────────────────────────────────────────────────────────────────────────────
  app.get('/signin', async (req, reply) => page(req, reply, 'signin', { next: safeNext((req.query as Record<string, string>)['next']), message: null }));
  // Through the identity provider: the authorization code flow with PKCE (ADR 0037).
  app.get('/signin/start', { onRequest: signInLimit }, async (req, reply) => {
    if (!oidc) return reply.code(404).send({ error: 'NOT_FOUND', message: 'No identity provider is configured.' });
    const { url, transaction } = await oidc.begin(safeNext((req.query as Record<string, string>)['next']));
    // Lax, not Strict: the provider's redirect back is a navigation from another site, and must carry it.
    return reply.setCookie(SIGNIN_COOKIE, transaction, { path: '/signin/callback', httpOnly: true, sameSite: 'lax', secure: config.COOKIE_SECURE, maxAge: 600 }).redirect(url.href, 303);
  });
  app.get('/signin/callback', { onRequest: signInLimit }, async (req, reply) => {
    if (!oidc) return reply.code(404).send({ error: 'NOT_FOUND', message: 'No identity provider is configured.' });
    try {
      const { session, next } = await oidc.complete(req.cookies[SIGNIN_COOKIE], new URL(req.url, publicUrl));
      req.log.info({ sub: session.sub, role: session.role }, 'signed in through the identity provider');
      return reply
        .clearCookie(SIGNIN_COOKIE, { path: '/signin/callback' })
        // Lax: the first page after the provider's redirect is still part of a navigation that began on the provider's site.
        .setCookie(SESSION_COOKIE, session.id, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.COOKIE_SECURE, maxAge: Math.floor((session.expiresAt - Date.now()) / 1000) })
        .redirect(next, 303);
    } catch (err) {
      if (!(err instanceof SignInError)) throw err;
      req.log.warn({ code: err.code, reason: err.message }, 'sign-in refused');
      return page(req, reply, 'signin', { next: '/find', message: 'refused' }, 400);
    }
  });
  // A pasted token: only where there is no identity provider (its tokens are one per service, which the console then gets itself).
  app.post('/signin', async (req, reply) => {
    if (oidc) return reply.code(404).send({ error: 'NOT_FOUND', message: 'Sign in through the identity provider.' });
    const body = z.object({ token: z.string().trim().min(20).max(8000), next: z.string().optional() }).safeParse(req.body);
    if (!body.success) return page(req, reply, 'signin', { next: '/find', message: 'token' }, 400);
    try {
      decodeJwt(body.data.token);
    } catch {
      return page(req, reply, 'signin', { next: '/find', message: 'token' }, 400);
    }
    return signIn(reply, body.data.token, safeNext(body.data.next));
  });
  app.post('/signin/dev', async (req, reply) => {
    if (!devSignIn || !config.AUTH_SECRET) return reply.code(404).send({ error: 'NOT_FOUND', message: 'Development sign-in is off.' });
    const body = z.object({ role: z.enum(DEV_ROLES), next: z.string().optional() }).safeParse(req.body);
    if (!body.success) return page(req, reply, 'signin', { next: '/find', message: 'role' }, 400);
    const role = Role.parse(body.data.role);
    const token = await issueToken({ secret: config.AUTH_SECRET, issuer: config.AUTH_ISSUER }, { sub: `dev-${role}`, role }, 8 * 3600);
    return signIn(reply, token, safeNext(body.data.next));
  });
  app.post('/signout', async (req, reply) => {
    const session = await sessionOf(req);
    void reply.clearCookie(TOKEN_COOKIE, { path: '/' }).clearCookie(SESSION_COOKIE, { path: '/' });
    // Through the provider: the refresh token is revoked, then the provider's own session is ended on its sign-out page.
    const atProvider = session?.signOut ? await session.signOut() : null;
    return reply.redirect(atProvider?.href ?? '/signin', 303);
  });

  function signIn(reply: FastifyReply, token: string, next: string) {
    return reply.setCookie(TOKEN_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure: config.COOKIE_SECURE, maxAge: 8 * 3600 }).redirect(next, 303);
  }

  // ── Find ───────────────────────────────────────────────────────────────────────────────────────
  const Filter = z.object({
    customer: z.string().regex(/^[\w-]{0,100}$/).optional(),
    provider: z.string().regex(/^[\w-]{0,100}$/).optional(),
    area: z.string().regex(/^[\w-]{0,100}$/).optional(),
    stage: z.string().regex(/^[\w-]{0,100}$/).optional(),
    municipality: z.string().regex(/^[\w-]{0,100}$/).optional(),
    attention: z.string().regex(/^[\w-]{0,100}$/).optional(),
    sort: z.enum(SORTS).default('startTime'),
    // Pages are Temporal visibility's: the token of this page as the previous one answered it, and its number for people.
    pageToken: z.string().regex(/^[\w.-]{1,4200}$/).optional(),
    page: z.coerce.number().int().min(1).default(1),
  });
  app.get(
    '/find',
    withApi(async (req, reply, api) => {
      const parsed = Filter.safeParse(req.query);
      const filter = parsed.success ? parsed.data : Filter.parse({});
      const asked = { customer: filter.customer, provider: filter.provider, area: filter.area, stage: filter.stage, municipality: filter.municipality, attention: filter.attention };
      const searched = Object.values(asked).some(Boolean) || (req.query as Record<string, unknown>)['all'] === '1';
      // One page of visibility per view, however many journeys there are; sorting orders that page.
      const found = searched ? await api.journeys({ ...clean(asked), limit: config.FIND_PAGE_SIZE, ...(filter.pageToken ? { pageToken: filter.pageToken } : {}) }) : { journeys: [], nextPageToken: null };
      const rows = sortJourneys(found.journeys, filter.sort as Sort);
      const link = (changes: Record<string, string | number | undefined>) =>
        `/find?${new URLSearchParams(clean({ ...asked, all: '1', sort: filter.sort, page: String(filter.page), pageToken: filter.pageToken, ...Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v === undefined ? undefined : String(v)])) }) as Record<string, string>).toString()}`;
      const next = found.nextPageToken ? link({ pageToken: found.nextPageToken, page: filter.page + 1 }) : null;
      const first = filter.page > 1 ? link({ pageToken: undefined, page: 1 }) : null;
      return page(req, reply, 'find', { filter, rows, searched, next, first, link, message: (req.query as Record<string, string>)['notFound'] ? 'notFound' : null });
    }),
  );
  app.post(
    '/find/identity',
    withApi(async (req, reply, api) => {
      const body = z.object({ identityNumber: z.string().trim().min(10).max(13) }).safeParse(req.body);
      if (!body.success) return reply.redirect('/find?notFound=1', 303);
      try {
        const found = await api.findCustomer(body.data.identityNumber);
        // The number stays in the body of this POST: the next page's URL carries the pseudonymous id only.
        return reply.redirect(`/find?customer=${encodeURIComponent(found.customerId)}`, 303);
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 400)) return reply.redirect('/find?notFound=1', 303);
        throw err;
      }
    }),
  );

  // ── What is stuck ──────────────────────────────────────────────────────────────────────────────
  app.get(
    '/stuck',
    withApi(async (req, reply, api) => {
      const q = z.object({ pageToken: z.string().regex(/^[\w.-]{1,4200}$/).optional(), page: z.coerce.number().int().min(1).default(1) }).safeParse(req.query);
      const at = q.success ? q.data : { page: 1, pageToken: undefined };
      const found = await stuckJourneys(api, new Date(), at.pageToken);
      const next = found.nextPageToken ? `/stuck?${new URLSearchParams({ pageToken: found.nextPageToken, page: String(at.page + 1) }).toString()}` : null;
      return page(req, reply, 'stuck', { ...found, page: at.page, next, first: at.page > 1 ? '/stuck' : null });
    }),
  );

  // ── One journey ────────────────────────────────────────────────────────────────────────────────
  const JourneyParams = z.object({ applicationId: z.uuid() });
  app.get(
    '/journeys/:applicationId',
    withApi(async (req, reply, api) => {
      const params = JourneyParams.safeParse(req.params);
      if (!params.success) return reply.code(404).send({ error: 'NOT_FOUND', message: 'No such journey.' });
      const { applicationId } = params.data;
      const state = await api.journey(applicationId);
      const [application, tasks] = await Promise.all([api.application(applicationId).catch(() => null), api.tasks({ applicationId }).catch(() => [])]);
      return page(req, reply, 'journey', { state, application, tasks, timeline: timelineOf(state, application, tasks), notice: (req.query as Record<string, string>)['notice'] ?? null });
    }),
  );
  app.post(
    '/journeys/:applicationId/attention/:action',
    withApi(async (req, reply, api) => {
      const params = JourneyParams.extend({ action: z.enum(['retry', 'skip', 'end']) }).parse(req.params);
      const body = z.object({ attentionId: z.string().max(100).optional(), reason: z.string().trim().max(500).optional(), key: Key }).parse(req.body);
      if (!confirmed(req.body)) return page(req, reply, 'error', { error: { status: 400, code: 'CONSOLE.NOT_CONFIRMED', message: textsFor(langOf(req)).confirmRequired }, back: `/journeys/${params.applicationId}` }, 400);
      await api.resolveAttention(params.applicationId, params.action, clean({ attentionId: body.attentionId, reason: body.reason }), body.key);
      return reply.redirect(`/journeys/${params.applicationId}?notice=done`, 303);
    }),
  );
  app.post(
    '/tasks/:taskId/done',
    withApi(async (req, reply, api) => {
      const { taskId } = z.object({ taskId: z.uuid() }).parse(req.params);
      const body = z.object({ note: z.string().trim().max(2000).optional(), applicationId: z.uuid(), key: Key }).parse(req.body);
      if (!confirmed(req.body)) return page(req, reply, 'error', { error: { status: 400, code: 'CONSOLE.NOT_CONFIRMED', message: textsFor(langOf(req)).confirmRequired }, back: `/journeys/${body.applicationId}` }, 400);
      await api.closeTask(taskId, body.note || undefined, body.key);
      return reply.redirect(`/journeys/${body.applicationId}?notice=done`, 303);
    }),
  );

  // ── Parked events ──────────────────────────────────────────────────────────────────────────────
  app.get(
    '/parked',
    withApi(async (req, reply, api) => page(req, reply, 'parked', { ...(await api.parked()), notice: (req.query as Record<string, string>)['notice'] ?? null })),
  );
  const ParkedParams = z.object({ service: z.enum(SERVICES as [ServiceName, ...ServiceName[]]), sequence: z.coerce.number().int().min(1) });
  app.post(
    '/parked/:service/:sequence/:action',
    withApi(async (req, reply, api) => {
      const params = ParkedParams.extend({ action: z.enum(['redrive', 'discard']) }).parse(req.params);
      const body = z.object({ reason: z.string().trim().max(500).optional(), key: Key }).parse(req.body);
      if (!confirmed(req.body)) return page(req, reply, 'error', { error: { status: 400, code: 'CONSOLE.NOT_CONFIRMED', message: textsFor(langOf(req)).confirmRequired }, back: '/parked' }, 400);
      if (params.action === 'redrive') await api.redrive(params.service, params.sequence, body.key);
      else await api.discard(params.service, params.sequence, body.reason ?? '', body.key);
      return reply.redirect('/parked?notice=done', 303);
    }),
  );

  // ── Billing run ────────────────────────────────────────────────────────────────────────────────
  app.get(
    '/billing',
    withApi(async (req, reply) => page(req, reply, 'billing', { lastMonth: previousMonth(new Date()), notice: (req.query as Record<string, string>)['notice'] ?? null })),
  );
  app.post(
    '/billing',
    withApi(async (req, reply, api) => {
      const body = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/), key: Key }).parse(req.body);
      if (!confirmed(req.body)) return page(req, reply, 'error', { error: { status: 400, code: 'CONSOLE.NOT_CONFIRMED', message: textsFor(langOf(req)).confirmRequired }, back: '/billing' }, 400);
      await api.startBillingRun(body.month, body.key);
      return reply.redirect('/billing?notice=done', 303);
    }),
  );

  app.setErrorHandler((err, req, reply) => {
    // A refusal at the edge (429) is the platform's error body, as the services answer it.
    if (err instanceof EdgeRefusal) return reply.code(err.statusCode).send({ error: err.code, message: err.message });
    if (err instanceof z.ZodError) return page(req, reply, 'error', { error: { status: 400, code: 'VALIDATION', message: z.prettifyError(err) }, back: req.headers.referer ?? '/find' }, 400);
    req.log.error({ err }, 'console error');
    return page(req, reply, 'error', { error: { status: 500, code: 'INTERNAL', message: 'Something went wrong; the error was logged.' }, back: '/find' }, 500);
  });
  return app;
}

/** The session store the configuration names: NATS key-value when `NATS_URL` is set, shared by every replica; else this process's memory. */
async function sessionStoreFor(config: ConsoleConfig, logger: Logger): Promise<SessionStore> {
  if (config.NATS_URL) return natsSessionStore({ url: config.NATS_URL, replicas: config.NATS_STREAM_REPLICAS, ttlMs: SESSION_TTL_MS, name: 'console' });
  logger.warn('NATS_URL is unset: sessions are kept in this process only, lost at a restart and unknown to any other console');
  return memorySessionStore({ ttlMs: SESSION_TTL_MS });
}

/** Outside production without `SESSION_SEALING_KEYS`: a key of this process's own, so what it stored does not open after a restart. */
function developmentKey(logger: Logger): string {
  logger.warn('SESSION_SEALING_KEYS is unset: sessions are sealed with a key made at start and end when this console restarts');
  return newSealingKey();
}

/** Only a path of this console, never another site, after signing in. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?!\/)[\w\-/?=&%.]*$/.test(next) && !next.startsWith('/signin') ? next : '/find';
}

function clean<T extends Record<string, string | undefined>>(o: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as { [K in keyof T]?: string };
}

/** The month before today's, `YYYY-MM`: the one a billing run is usually for. */
function previousMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}
