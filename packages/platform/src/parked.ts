import type { FastifyReply, FastifyRequest } from 'fastify';
import { jetstreamManager } from '@nats-io/jetstream';
import { z } from 'zod';
import { FreeText, PARKED_STREAM, parseEvent, scrubIdentityNumbers } from '@kundval/contracts';
import { AppError, notFound } from './errors.js';
import { ErrorBody, type FastifyPluginAsyncZod } from './http.js';
import { commandRunner, keyedOperationId, type CommandAnswer } from './idempotency.js';
import { audit, type AnyServiceDb } from './outbox.js';
import type { EventBus } from './nats.js';

/** The headers a consumer parks an event with (nats.ts `park`). */
export const PARK_REASON_HEADER = 'Kundval-Park-Reason';
export const PARK_CONSUMER_HEADER = 'Kundval-Consumer';

export const ParkedEvent = z.object({
  sequence: z.number().int().describe("The event's sequence in the parked stream: the id to re-drive or discard it by"),
  consumer: z.string().describe('The durable consumer that parked it, served by this service'),
  reason: z.string(),
  subject: z.string().describe('The subject it was published on'),
  parkedAt: z.string(),
  eventId: z.string().nullable(),
  event: z.string().nullable().describe('The catalog name, when the event parses'),
  payload: z.string().describe('The event as received, with identity numbers masked'),
});
export type ParkedEvent = z.infer<typeof ParkedEvent>;

/** How many parked events one listing reads at most: parking is an exception, and an operator works down a short list. */
const LIST_LIMIT = 500;

/** What a command on a parked event answers, and what it records in the audit trail. */
export type ParkedCommandOutcome = { answer: CommandAnswer<ParkedEvent>; change: { action: string; entityId: string; before: unknown; after: unknown } };

export type ParkedEventDeps = {
  bus: EventBus;
  /**
   * Runs an operator's command on a parked event and records it in the audit trail: a service with a
   * database runs it through its command runner (the Idempotency-Key kept with the answer, the audit
   * row in its audit_log); the workflows service, which keeps no tables, logs it as an audit line.
   */
  command: (req: FastifyRequest, reply: FastifyReply, work: () => Promise<ParkedCommandOutcome>) => Promise<FastifyReply>;
};

/**
 * The operators' view of the events this service's consumers parked (poison, or failed too often;
 * nats.ts), and the two ways out: **re-drive** runs the consumer's own handler on the event again
 * (after the cause was fixed) and removes it from the parked stream when the handler succeeds;
 * **discard** removes it with a reason. Both are audited. A re-drive goes to the consumer that parked
 * the event, not back onto its subject, where every other consumer of the subject would get it too
 * (ADR 0027). Payloads are shown with identity numbers masked.
 */
export function parkedEventRoutes(deps: ParkedEventDeps): FastifyPluginAsyncZod {
  const { bus } = deps;
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
  const Sequence = z.object({ sequence: z.coerce.number().int().min(1) });

  async function read(sequence: number): Promise<ParkedEvent | null> {
    const jsm = await jetstreamManager(bus.nc);
    const msg = await jsm.streams.getMessage(PARKED_STREAM.name, { seq: sequence }).catch(() => null);
    if (!msg) return null;
    const consumer = msg.header?.get(PARK_CONSUMER_HEADER) ?? '';
    if (!bus.handlers.has(consumer)) return null;
    const text = new TextDecoder().decode(msg.data);
    let parsed: ReturnType<typeof parseEvent> | null = null;
    try {
      parsed = parseEvent(JSON.parse(text));
    } catch {
      parsed = null;
    }
    return {
      sequence: msg.seq,
      consumer,
      reason: scrubIdentityNumbers(msg.header?.get(PARK_REASON_HEADER) ?? ''),
      subject: msg.subject.replace(/^parked\./, ''),
      parkedAt: msg.time.toISOString(),
      eventId: parsed?.ok ? parsed.event.eventId : null,
      event: parsed?.ok ? parsed.event.name : null,
      payload: scrubIdentityNumbers(text),
    };
  }

  async function existing(sequence: number): Promise<ParkedEvent> {
    const parked = await read(sequence);
    if (!parked) throw notFound('PARKED.NOT_FOUND', `No event parked by this service's consumers at sequence ${sequence}.`);
    return parked;
  }

  async function remove(sequence: number): Promise<void> {
    const jsm = await jetstreamManager(bus.nc);
    await jsm.streams.deleteMessage(PARKED_STREAM.name, sequence, false);
  }

  return async (app) => {
    app.get(
      '/parked-events',
      {
        config: { roles: ['operator'] },
        schema: {
          summary: "Events this service's consumers parked, oldest first",
          tags: ['operations'],
          querystring: z.object({ consumer: z.string().max(100).optional() }),
          response: { 200: z.array(ParkedEvent), ...errors },
        },
      },
      async (req) => {
        const jsm = await jetstreamManager(bus.nc);
        const { state } = await jsm.streams.info(PARKED_STREAM.name);
        const out: ParkedEvent[] = [];
        if (state.messages === 0) return out;
        for (let seq = state.first_seq; seq <= state.last_seq && out.length < LIST_LIMIT; seq++) {
          const parked = await read(seq);
          if (parked && (!req.query.consumer || parked.consumer === req.query.consumer)) out.push(parked);
        }
        return out;
      },
    );

    app.post(
      '/parked-events/:sequence/redrive',
      {
        config: { roles: ['operator'] },
        schema: {
          summary: 'Run the consumer that parked the event on it again, after its cause was fixed; removed from the parked stream when it succeeds',
          description: "409 PARKED.REDRIVE_FAILED with the handler's reason when it fails again: the event stays parked. Audited.",
          tags: ['operations'],
          params: Sequence,
          response: { 200: ParkedEvent, ...errors },
        },
      },
      async (req, reply) =>
        deps.command(req, reply, async () => {
          const parked = await existing(req.params.sequence);
          const jsm = await jetstreamManager(bus.nc);
          const msg = await jsm.streams.getMessage(PARKED_STREAM.name, { seq: parked.sequence });
          let json: unknown = null;
          try {
            json = msg?.json();
          } catch {
            throw new AppError('conflict', 'PARKED.REDRIVE_FAILED', 'The event is not JSON: no consumer can apply it; discard it.');
          }
          const result = parseEvent(json);
          if (!result.ok) throw new AppError('conflict', 'PARKED.REDRIVE_FAILED', `The event does not match its schema: ${scrubIdentityNumbers(result.reason)}`);
          try {
            await bus.handlers.get(parked.consumer)!(result.event);
          } catch (err) {
            throw new AppError('conflict', 'PARKED.REDRIVE_FAILED', scrubIdentityNumbers(err instanceof Error ? err.message : String(err)).slice(0, 500));
          }
          await remove(parked.sequence);
          return {
            answer: { status: 200, body: parked },
            change: { action: 'parked-event.redriven', entityId: `${parked.consumer}:${parked.sequence}`, before: { subject: parked.subject, eventId: parked.eventId, reason: parked.reason }, after: null },
          };
        }),
    );

    app.post(
      '/parked-events/:sequence/discard',
      {
        config: { roles: ['operator'] },
        schema: {
          summary: 'Remove a parked event without applying it, with the reason why',
          tags: ['operations'],
          params: Sequence,
          body: z.object({ reason: FreeText(500) }),
          response: { 200: ParkedEvent, ...errors },
        },
      },
      async (req, reply) =>
        deps.command(req, reply, async () => {
          const parked = await existing(req.params.sequence);
          await remove(parked.sequence);
          return {
            answer: { status: 200, body: parked },
            change: { action: 'parked-event.discarded', entityId: `${parked.consumer}:${parked.sequence}`, before: { subject: parked.subject, eventId: parked.eventId, reason: parked.reason }, after: { discardReason: req.body.reason } },
          };
        }),
    );
  };
}

/**
 * The command runner of a process without tables (the workflows service): the key only marks the
 * request as honoured — a repeat finds the event gone (404) and changes nothing — and the audit
 * record is a structured log line, as for the journeys' attention updates.
 */
export function loggedParkedCommand(): ParkedEventDeps['command'] {
  return async (req, reply, work) => {
    keyedOperationId(req);
    const { answer, change } = await work();
    req.log.info(
      { audit: { ...change, entity: 'parked-event', actor: req.principal.sub, actorRole: req.principal.role, at: new Date().toISOString(), correlationId: req.correlationId } },
      'audit',
    );
    return reply.code(answer.status).send(answer.body);
  };
}

/**
 * The command runner of a service with a database: the Idempotency-Key and its answer kept like any
 * command's (`runSpanning`: the consumer's handler commits on its own), the audit row in the service's audit_log.
 */
export function auditedParkedCommand(db: AnyServiceDb, afterCommit: () => void): ParkedEventDeps['command'] {
  const run = commandRunner(db, { afterCommit });
  return (req, reply, work) =>
    run.runSpanning(req, reply, async () => {
      const { answer, change } = await work();
      await audit(db, req.principal, { ...change, entity: 'parked-event', correlationId: req.correlationId });
      return answer;
    });
}
