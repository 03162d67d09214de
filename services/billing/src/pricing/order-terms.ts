import { conflict } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import type { OrderRow } from '../visits/record-visit.js';

/** An amendment's level, the first day it applies, and when the orders service made it. */
export type LevelChange = { effective_from: string; level: number | null; occurred_at: Date };

/**
 * An order's amendments as they stand: taken in the order the orders service made them, each one
 * replaces those from its own first day on (a decision changed again from an earlier day is the
 * decision as it now stands, as in the orders service). The result runs in date order. Taking them by
 * when they were made, not by when billing received them, makes a late or redelivered event harmless.
 */
export function amendmentsInForce<T extends { effective_from: string; occurred_at: Date }>(changes: readonly T[]): T[] {
  const made = [...changes].sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || a.effective_from.localeCompare(b.effective_from));
  let inForce: T[] = [];
  for (const change of made) inForce = [...inForce.filter((c) => c.effective_from < change.effective_from), change];
  return inForce;
}

/**
 * An order's voucher level day by day: the level it was placed with until its first amendment in
 * force, then each one's level from its effective date. Areas paid per unit by level price every day
 * at the level in force that day, so a month an amendment splits is paid at both levels, each for its
 * own days, and a payment made before the amendment was consumed is corrected by the next one's delta.
 */
export class LevelTimeline {
  private readonly steps: ReadonlyArray<{ from: string; level: number | null }>;

  constructor(
    private readonly placedLevel: number | null,
    changes: readonly LevelChange[],
  ) {
    this.steps = amendmentsInForce(changes).map((c) => ({ from: c.effective_from, level: c.level }));
  }

  levelOn(date: string): number | null {
    let level = this.placedLevel;
    for (const step of this.steps) {
      if (step.from > date) break;
      level = step.level;
    }
    return level;
  }
}

/**
 * The level timelines of `orders`, in one query: POST /provider-payments asks for one order, the
 * billing run for a page of them. Every pricing of unit days goes through here, so a payment and the
 * run never price the same day at different levels.
 */
export async function loadLevelTimelines(db: BillingDb, orders: ReadonlyArray<Pick<OrderRow, 'order_id' | 'placed_level'>>): Promise<Map<string, LevelTimeline>> {
  const timelines = new Map<string, LevelTimeline>();
  if (orders.length === 0) return timelines;
  const rows = await db
    .selectFrom('order_changes')
    .select(['order_id', 'effective_from', 'level', 'occurred_at'])
    .where(
      'order_id',
      'in',
      orders.map((o) => o.order_id),
    )
    .execute();
  const byOrder = new Map<string, LevelChange[]>();
  for (const r of rows) {
    const own = byOrder.get(r.order_id) ?? [];
    own.push(r);
    byOrder.set(r.order_id, own);
  }
  for (const o of orders) timelines.set(o.order_id, new LevelTimeline(o.placed_level, byOrder.get(o.order_id) ?? []));
  return timelines;
}

export async function loadLevelTimeline(db: BillingDb, order: Pick<OrderRow, 'order_id' | 'placed_level'>): Promise<LevelTimeline> {
  return (await loadLevelTimelines(db, [order])).get(order.order_id)!;
}

/** The amendment a caller made last and waits for billing to hold: its first day and terms. */
export type ExpectedAmendment = { effectiveFrom: string; validTo: string; level: number | null };

/**
 * Refuses to price an order on terms older than the caller's: the journey amends an order through the
 * orders service, but billing learns of it only when it consumes `orderChanged`. A 409 makes the
 * journey's activity retry until the copy holds the amendment the journey made last, rather than pay
 * a month at the old level and correct it later. (An amendment orders found identical to one it had
 * published is held already: the journey's retry of it is answered at once.)
 */
export async function assertAmendmentHeld(db: BillingDb, orderId: string, expected: ExpectedAmendment | undefined): Promise<void> {
  if (expected === undefined) return;
  let query = db
    .selectFrom('order_changes')
    .select('effective_from')
    .where('order_id', '=', orderId)
    .where('effective_from', '=', expected.effectiveFrom)
    .where('valid_to', '=', expected.validTo);
  query = expected.level === null ? query.where('level', 'is', null) : query.where('level', '=', expected.level);
  if (await query.executeTakeFirst()) return;
  throw conflict(
    'BILLING.ORDER_CHANGE_PENDING',
    `Billing does not yet hold the amendment of order ${orderId} from ${expected.effectiveFrom}; retry once its orderChanged event is consumed.`,
    { field: 'body.expectedAmendment' },
  );
}
