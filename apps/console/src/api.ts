import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Attention, JourneyStateView, JourneySummary } from '@kundval/contracts';
import type { ConsoleConfig } from './config.js';

/**
 * The console's only way to the platform: the services' HTTP APIs, called with the signed-in
 * person's own token, so each service decides what they may see and do and audits it as theirs.
 * Every answer is parsed with its schema; an error answer becomes an {@link ApiError} with the
 * service's code and message, shown to the person as it is.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ErrorAnswer = z.object({ error: z.string(), message: z.string() });

// The journey's answers are the workflows service's own schemas, shared through the contracts (one
// definition, no drift); the console's `JourneyState` is the view with the Temporal Web UI link.
export { Attention, JourneySummary, JourneyStateView as JourneyState };

export const Task = z.object({
  taskId: z.string(),
  /** Null for a task about a provider (a low customer-survey score; ADR 0040). */
  applicationId: z.string().nullable(),
  customerId: z.string().nullable(),
  areaId: z.string(),
  kind: z.string(),
  key: z.string(),
  message: z.string(),
  status: z.string(),
  createdAt: z.string(),
  doneAt: z.string().nullable(),
  doneBy: z.string().nullable(),
});
export type Task = z.infer<typeof Task>;

export const Application = z.object({ applicationId: z.string(), customerId: z.string(), areaId: z.string(), channel: z.string(), status: z.string(), receivedAt: z.string() });
export type Application = z.infer<typeof Application>;

export const ParkedEvent = z.object({
  sequence: z.number(),
  consumer: z.string(),
  reason: z.string(),
  subject: z.string(),
  parkedAt: z.string(),
  eventId: z.string().nullable(),
  event: z.string().nullable(),
  payload: z.string(),
});
export type ParkedEvent = z.infer<typeof ParkedEvent>;
export type ParkedAt = ParkedEvent & { service: ServiceName };

const FoundCustomer = z.object({ customerId: z.string(), applications: z.array(z.object({ applicationId: z.string(), areaId: z.string(), status: z.string(), receivedAt: z.string() })) });

export type ServiceName = 'decisions' | 'orders' | 'billing' | 'workflows';
export const SERVICES: readonly ServiceName[] = ['decisions', 'orders', 'billing', 'workflows'];

export type JourneyFilter = {
  customer?: string;
  provider?: string;
  area?: string;
  stage?: string;
  municipality?: string;
  attention?: string;
  status?: 'running';
  limit: number;
  /** The token of the page to read, as the previous page answered it. */
  pageToken?: string;
};

/** One page of journeys, newest first, and the token of the next page (none on the last). */
export type JourneyPage = { journeys: JourneySummary[]; nextPageToken: string | null };

/** The header of `GET workflows /journeys` that carries the next page's token. */
const NEXT_PAGE_TOKEN_HEADER = 'kundval-next-page-token';

/** The person's token for a service: one token (development, pasted) or one per service from the identity provider (ADR 0037). */
export type TokenSource = string | ((service: ServiceName) => Promise<string>);

export function platformApi(config: ConsoleConfig, tokens: TokenSource) {
  const base: Record<ServiceName, string> = { decisions: config.DECISIONS_URL, orders: config.ORDERS_URL, billing: config.BILLING_URL, workflows: config.WORKFLOWS_URL };

  async function call<S extends z.ZodType>(service: ServiceName, method: 'GET' | 'POST', path: string, schema: S, options: { body?: unknown; key?: string } = {}): Promise<z.infer<S>> {
    return (await answer(service, method, path, schema, options)).data;
  }

  async function answer<S extends z.ZodType>(service: ServiceName, method: 'GET' | 'POST', path: string, schema: S, options: { body?: unknown; key?: string } = {}): Promise<{ data: z.infer<S>; headers: Headers }> {
    const token = typeof tokens === 'string' ? tokens : await tokens(service);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    // Every command carries a key: a form sent twice (a double click, a reload) is one command.
    if (method === 'POST') headers['idempotency-key'] = options.key ?? randomUUID();
    const res = await fetch(`${base[service]}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}), signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(res.status, 'CONSOLE.NOT_JSON', `${service} answered ${res.status} with something that is not JSON.`);
    }
    if (!res.ok) {
      const err = ErrorAnswer.safeParse(json);
      throw new ApiError(res.status, err.success ? err.data.error : `HTTP_${res.status}`, err.success ? err.data.message : `${service} answered ${res.status}.`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError(502, 'CONSOLE.UNEXPECTED_ANSWER', `${service} ${path} answered in a shape the console does not know: ${z.prettifyError(parsed.error)}`);
    return { data: parsed.data, headers: res.headers };
  }

  const query = (params: Record<string, string | number | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : '';
  };

  return {
    journeys: async (f: JourneyFilter): Promise<JourneyPage> => {
      const { data, headers } = await answer('workflows', 'GET', `/journeys${query(f)}`, z.array(JourneySummary));
      return { journeys: data, nextPageToken: headers.get(NEXT_PAGE_TOKEN_HEADER) };
    },
    journey: (applicationId: string) => call('workflows', 'GET', `/journeys/${encodeURIComponent(applicationId)}`, JourneyStateView),
    resolveAttention: (applicationId: string, action: 'retry' | 'skip' | 'end', body: { attentionId?: string; reason?: string }, key?: string) =>
      call('workflows', 'POST', `/journeys/${encodeURIComponent(applicationId)}/attention/${action}`, Attention, { body, ...(key ? { key } : {}) }),
    findCustomer: (identityNumber: string) => call('decisions', 'POST', '/customers/lookup', FoundCustomer, { body: { identityNumber } }),
    application: (applicationId: string) => call('decisions', 'GET', `/applications/${encodeURIComponent(applicationId)}`, Application),
    tasks: (filter: { status?: string; applicationId?: string; limit?: number }) => call('decisions', 'GET', `/tasks${query({ limit: 500, ...filter })}`, z.array(Task)),
    closeTask: (taskId: string, note: string | undefined, key?: string) => call('decisions', 'POST', `/tasks/${encodeURIComponent(taskId)}/done`, z.unknown(), { body: note ? { note } : {}, ...(key ? { key } : {}) }),
    parked: async (): Promise<{ events: ParkedAt[]; failures: Array<{ service: ServiceName; message: string }> }> => {
      const answers = await Promise.allSettled(SERVICES.map(async (service) => (await call(service, 'GET', '/parked-events', z.array(ParkedEvent))).map((e) => ({ ...e, service }))));
      const events: ParkedAt[] = [];
      const failures: Array<{ service: ServiceName; message: string }> = [];
      answers.forEach((a, i) => (a.status === 'fulfilled' ? events.push(...a.value) : failures.push({ service: SERVICES[i]!, message: a.reason instanceof Error ? a.reason.message : String(a.reason) })));
      return { events: events.sort((a, b) => a.parkedAt.localeCompare(b.parkedAt)), failures };
    },
    redrive: (service: ServiceName, sequence: number, key?: string) => call(service, 'POST', `/parked-events/${sequence}/redrive`, ParkedEvent, { ...(key ? { key } : {}) }),
    discard: (service: ServiceName, sequence: number, reason: string, key?: string) =>
      call(service, 'POST', `/parked-events/${sequence}/discard`, ParkedEvent, { body: { reason }, ...(key ? { key } : {}) }),
    startBillingRun: (month: string, key?: string) => call('billing', 'POST', '/billing-runs', z.object({ month: z.string() }).loose(), { body: { month }, ...(key ? { key } : {}) }),
  };
}
export type PlatformApi = ReturnType<typeof platformApi>;
