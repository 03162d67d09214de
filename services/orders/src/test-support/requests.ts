import { expect } from 'vitest';
import { tableCounts } from '@kundval/platform/testing';
import type { OnBehalfOf } from '@kundval/contracts';
import type { TestOrders } from './orders-service.js';

/** The principals route tests act as. */
export type Headers = Record<string, string>;

/** The case handler the route tests' choices are made for. */
export const CASE_HANDLER: OnBehalfOf = { sub: 'case-handler-user', role: 'case-handler' };
/** The customer as the journey names them when it carries their request. */
export const citizenPerson = (customerId: string): OnBehalfOf => ({ sub: `citizen-${customerId}`, role: 'citizen', customerId });
/**
 * The journey's worker carrying a person's request (ADR 0022): `system` with `onBehalfOf` the person.
 * A person chooses only through the journey (ADR 0029), so route tests choose as this.
 */
export const journeyFor = (svc: Pick<TestOrders, 'as'>, person: OnBehalfOf): Promise<Headers> => svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: person });

/**
 * Small request helpers over a test orders app: `send` a request as someone, read the events
 * written since a mark, and show that a refused call stored nothing in any table.
 */
export function requestsFor(svc: TestOrders) {
  const send = (method: 'GET' | 'POST', url: string, headers: Headers, payload?: Record<string, unknown>) =>
    svc.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  return {
    send,
    /** A POST that must succeed with `status`; returns the parsed body. */
    async ok<T = Record<string, unknown>>(url: string, headers: Headers, payload: Record<string, unknown> | undefined, status = 200): Promise<T> {
      const res = await send('POST', url, headers, payload);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
      return res.json<T>();
    },
    /** How many outbox rows there are now: pass it to `eventsSince`. */
    mark: async () => (await svc.outbox()).length,
    eventsSince: async (mark: number) => (await svc.outbox()).slice(mark),
    /** The subjects of the events written since the mark, in order. */
    subjectsSince: async (mark: number) => (await svc.outbox()).slice(mark).map((e) => e.subject),
    counts: () => tableCounts(svc.db),
    /** Asserts a refusal: its status, its stable code, the field it names (if any), and that no table changed. */
    async refused(method: 'GET' | 'POST', url: string, headers: Headers, payload: Record<string, unknown> | undefined, status: number, code?: string, field?: string) {
      const before = await tableCounts(svc.db);
      const res = await send(method, url, headers, payload);
      expect(res.statusCode, res.body).toBe(status);
      const body = res.json<{ error: string; message: string; issues?: Array<{ field: string }> }>();
      expect(typeof body.message).toBe('string');
      if (code) expect(body.error).toBe(code);
      if (field) expect(body.issues?.map((i) => i.field)).toContain(field);
      expect(await tableCounts(svc.db), 'a refused call stores nothing').toEqual(before);
      return body;
    },
  };
}
