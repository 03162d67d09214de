import { randomUUID } from 'node:crypto';
import { eventCatalog, type EventPayload } from '@kundval/contracts';

/** The plain baseline's own stream on the same nats-server: same storage, no platform configuration. */
export const PLAIN_STREAM = { name: 'BENCH_PLAIN', subject: 'bench.plain.order.placed' } as const;

/** The event both paths carry: an `orderPlaced`, the event billing's orders consumer stores. */
export function orderPlacedPayload(): EventPayload<'orderPlaced'> {
  return eventCatalog.orderPlaced.schema.parse({
    orderId: randomUUID(),
    applicationId: randomUUID(),
    decisionId: randomUUID(),
    customerId: randomUUID(),
    providerId: 'saltsjo-omsorg',
    providerKind: 'private',
    areaId: 'home-care',
    municipality: 'nacka',
    careHoursPerMonth: 40,
    serviceHoursPerMonth: 8,
    validFrom: '2026-02-01',
    validTo: '2026-12-31',
  });
}

/** How a producer emits its events: as fast as `writers` concurrent writers can, or paced at `ratePerSecond`. */
export type Load = { count: number; writers: number; ratePerSecond?: number };

/**
 * Runs `emit` `count` times: with a rate, open-loop on a schedule (a late event is not skipped, the
 * next ones are not delayed by it); without, as fast as `writers` concurrent callers can.
 */
export async function drive(load: Load, emit: () => Promise<void>): Promise<void> {
  if (load.ratePerSecond) {
    const intervalMs = 1000 / load.ratePerSecond;
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < load.count; i++) {
      const wait = start + i * intervalMs - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(emit());
    }
    await Promise.all(pending);
    return;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: load.writers }, async () => {
      while (next < load.count) {
        next++;
        await emit();
      }
    }),
  );
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** What a producer reports: when it asked to emit each event, by event id, and when the run's stages ended. */
export type Produced = { emittedAt: Record<string, number>; startedAt: number; writtenAt: number; publishedAt: number };
/** What a consumer reports once it has stored every event of a run: when each was stored, by event id. */
export type Received = { storedAt: Record<string, number> };

/** Collects the time each event was stored, counting each event once, and says when the run is complete. */
export class Arrivals {
  readonly #storedAt: Record<string, number> = {};
  #count = 0;
  #done: (r: Received) => void = () => undefined;
  readonly complete: Promise<Received>;

  constructor(readonly expected: number) {
    this.complete = new Promise((resolve) => (this.#done = resolve));
  }

  record(eventId: string, storedAt = now()): void {
    if (eventId in this.#storedAt) return;
    this.#storedAt[eventId] = storedAt;
    if (++this.#count === this.expected) this.#done({ storedAt: this.#storedAt });
  }
}
