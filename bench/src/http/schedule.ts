/** The seeded orders' validity: two years, so every request of a run finds a free slot inside it. */
export const ORDER_VALIDITY = { validFrom: '2026-01-01', validTo: '2027-12-31' } as const;

const FIRST_SLOT_MS = Date.parse('2026-01-02T00:00:00Z');
const SLOT_MS = 3600_000;
const VISIT_MS = 30 * 60_000;
/** Slots per order inside the validity, leaving the last day free. */
export const SLOTS_PER_ORDER = Math.floor((Date.parse('2027-12-30T00:00:00Z') - FIRST_SLOT_MS) / SLOT_MS);

/**
 * The n-th request of a run: one new visit, on the orders in turn, each order's visits an hour apart
 * so that no report overlaps another visit of the same customer. `slotOffset` moves a run past the
 * slots earlier runs used; `runId` keeps every external id unique.
 */
export function visitRequest(n: number, plan: { orderIds: readonly string[]; slotOffset: number; runId: string }) {
  const { orderIds } = plan;
  const orderId = orderIds[n % orderIds.length]!;
  const slot = plan.slotOffset + Math.floor(n / orderIds.length);
  if (slot >= SLOTS_PER_ORDER) throw new Error('the orders have no free slot left: seed more orders');
  const start = FIRST_SLOT_MS + slot * SLOT_MS;
  return {
    path: `/orders/${orderId}/visits`,
    body: JSON.stringify({
      visits: [{ externalId: `${plan.runId}-${n}`, kind: n % 4 === 3 ? 'service' : 'care', start: new Date(start).toISOString(), end: new Date(start + VISIT_MS).toISOString() }],
    }),
  };
}

/** The first slot the next run may use after a run that sent `sent` requests from `slotOffset`. */
export function nextSlotOffset(slotOffset: number, sent: number, orders: number): number {
  return slotOffset + Math.ceil(sent / orders) + 1;
}
