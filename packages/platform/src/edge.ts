import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { EdgeConfig } from './config.js';

/**
 * What a service refuses at its edge before a route runs (ADR 0024): too many requests from one
 * client, a body too large, a URL too long. The defaults are the config's (`BaseServiceConfig`).
 */
export type EdgeLimits = {
  /** Requests a minute per client (token subject, else address). */
  perMinute: number;
  /**
   * Requests a minute for the `system` role: the journey worker calls for every journey of the
   * municipality with one subject, so a person's budget would throttle them all. It is still
   * limited, so a retry storm cannot starve the people; the worker retries a 429 (service-client.ts).
   */
  systemPerMinute: number;
  /** The largest JSON body, in bytes; a route that needs more declares `bodyLimit` (or a parser with its own). */
  bodyLimitBytes: number;
  /** `Strict-Transport-Security` max-age; 0 sends none (only set behind TLS). */
  hstsMaxAgeSeconds: number;
};

export const EDGE_DEFAULTS: EdgeLimits = { perMinute: 600, systemPerMinute: 6000, bodyLimitBytes: 256 * 1024, hstsMaxAgeSeconds: 0 };

/**
 * A URL longer than this is refused with 414 before routing. Node itself refuses a request line and
 * headers above 16 KiB (431); no Kundval URL comes near 1 KiB (ids are UUIDs, queries a few filters).
 */
export const MAX_URL_LENGTH = 4096;

/** The edge limits from a service's environment. */
export function edgeLimitsFrom(config: EdgeConfig): EdgeLimits {
  return {
    perMinute: config.RATE_LIMIT_PER_MINUTE,
    systemPerMinute: config.RATE_LIMIT_SYSTEM_PER_MINUTE,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    hstsMaxAgeSeconds: config.HSTS_MAX_AGE_SECONDS,
  };
}

/** A 4xx raised at the edge, answered by the app's error handler as `{ error: code, message }`. */
export class EdgeRefusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Open routes (health, the OpenAPI UI and document) are neither rate-limited nor authenticated. */
export function isOpenRoute(req: FastifyRequest): boolean {
  return req.routeOptions.config.public === true || req.url.startsWith('/docs');
}

/**
 * A JSON answer needs no sources at all: nothing of it may be loaded, framed or run by a browser.
 * The Swagger UI under /docs sets its own policy (swagger-ui's `staticCSP`).
 */
const API_CONTENT_SECURITY_POLICY = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] };

/**
 * Security headers on every answer. Registered before the routes, so its onRequest hooks run first
 * and even a 404, 405 or 429 carries them.
 */
export const securityHeaders = fp<{ limits: EdgeLimits }>(
  async (app, { limits }) => {
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: API_CONTENT_SECURITY_POLICY },
      referrerPolicy: { policy: 'no-referrer' },
      // HSTS over plain HTTP is ignored by browsers, and on a developer's http://localhost it is
      // misleading; behind the municipality's TLS terminator it is set from config.
      strictTransportSecurity: limits.hstsMaxAgeSeconds > 0 ? { maxAge: limits.hstsMaxAgeSeconds, includeSubDomains: true } : false,
    });
    app.addHook('onRequest', async (req) => {
      if (req.url.length > MAX_URL_LENGTH) throw new EdgeRefusal(414, 'URI_TOO_LONG', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
    });
  },
  { name: 'kundval-security-headers' },
);

/**
 * Requests a minute per client. Registered after authentication: its hook is added to each route
 * (route-level onRequest hooks run after the app's), so the key sees the verified principal; a
 * request without a valid token is refused (401) by authentication before it is counted.
 */
export const rateLimits = fp<{ limits: EdgeLimits }>(
  async (app, { limits }) => {
    await app.register(rateLimit, {
      timeWindow: 60_000,
      max: (req) => (req.principal?.role === 'system' ? limits.systemPerMinute : limits.perMinute),
      keyGenerator: (req) => (req.principal ? `sub:${req.principal.sub}` : `ip:${req.ip}`),
      allowList: (req) => isOpenRoute(req),
      errorResponseBuilder: (_req, context) =>
        new EdgeRefusal(429, 'RATE_LIMITED', `Too many requests: at most ${context.max} a minute from one client; retry after the seconds in Retry-After.`),
    });
  },
  { name: 'kundval-rate-limits', dependencies: ['kundval-authentication'] },
);

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * The methods some route serves on this concrete path (parameters filled in), for a 405's `Allow`;
 * empty when no route serves the path at all.
 */
export function methodsServing(app: FastifyInstance, url: string): string[] {
  const path = url.split('?')[0] ?? url;
  return METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
}
