import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog, type CatalogEvent, type EventName, type EventPayload } from '@kundval/contracts';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { startOrders, type TestOrders } from '../test-support/orders-service.js';
import { applyDecisionEvent } from './decisions.consumer.js';

function event<N extends EventName>(name: N, payload: EventPayload<N>): CatalogEvent {
  return { name, eventId: randomUUID(), subject: eventCatalog[name].subject, occurredAt: new Date().toISOString(), correlationId: null, payload } as CatalogEvent;
}

function decisionMade(overrides: Partial<EventPayload<'decisionMade'>> = {}): EventPayload<'decisionMade'> {
  return {
    applicationId: randomUUID(),
    decisionId: randomUUID(),
    customerId: randomUUID(),
    areaId: 'nursing-home',
    municipality: 'nacka',
    outcome: 'granted',
    careHoursPerMonth: 0,
    serviceHoursPerMonth: 0,
    validFrom: '2026-02-01',
    validTo: '2027-01-31',
    denialReason: null,
    level: 6,
    decidingMunicipality: null,
    daysPerWeek: null,
    ...overrides,
  };
}

describe.each(testEngines())("the orders service's copy of decisions on %s", (engine) => {
  let svc: TestOrders;

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_decisions_consumer');
  });
  afterAll(() => svc?.close());

  const copy = (decisionId: string) =>
    svc.db
      .selectFrom('decisions')
      .select(['care_hours_per_month', 'service_hours_per_month', 'valid_to', 'level', 'ended_on', 'end_reason'])
      .where('decision_id', '=', decisionId)
      .executeTakeFirstOrThrow();

  const extra = (decisionId: string) =>
    svc.db.selectFrom('decisions').select(['deciding_municipality', 'days_per_week']).where('decision_id', '=', decisionId).executeTakeFirstOrThrow();

  it('keeps the level of a decision made, and applies each event once however often it is delivered', async () => {
    const made = decisionMade();
    const e = event('decisionMade', made);
    await applyDecisionEvent(svc.db, e);
    const before = await tableCounts(svc.db);
    await applyDecisionEvent(svc.db, e);
    expect(await tableCounts(svc.db)).toEqual(before);
    expect(await copy(made.decisionId)).toMatchObject({ level: 6, valid_to: '2027-01-31', ended_on: null });
  });

  it('keeps the deciding municipality of a placement from elsewhere and the days a week of an attendance decision', async () => {
    const placed = decisionMade({ decidingMunicipality: 'varmdo' });
    const days = decisionMade({ areaId: 'day-activities', level: 2, daysPerWeek: 3 });
    await applyDecisionEvent(svc.db, event('decisionMade', placed));
    await applyDecisionEvent(svc.db, event('decisionMade', days));
    expect(await extra(placed.decisionId)).toEqual({ deciding_municipality: 'varmdo', days_per_week: null });
    expect(await extra(days.decisionId)).toEqual({ deciding_municipality: null, days_per_week: 3 });
    const audit = await svc.db.selectFrom('audit_log').select('after').where('entity_id', '=', days.decisionId).where('action', '=', 'decision.copied').executeTakeFirstOrThrow();
    expect(audit.after).toMatchObject({ daysPerWeek: 3, decidingMunicipality: null });
  });

  it('takes a decision published before the catalog had a deciding municipality or days a week as our own, with none', async () => {
    const { decidingMunicipality: _d, daysPerWeek: _w, ...older } = decisionMade();
    await applyDecisionEvent(svc.db, event('decisionMade', older as EventPayload<'decisionMade'>));
    expect(await extra(older.decisionId)).toEqual({ deciding_municipality: null, days_per_week: null });
  });

  it('takes the new hours, validity and level of a changed decision', async () => {
    const made = decisionMade({ areaId: 'home-care', careHoursPerMonth: 10, serviceHoursPerMonth: 2, level: null });
    await applyDecisionEvent(svc.db, event('decisionMade', made));
    const change = event('decisionChanged', {
      changeId: randomUUID(),
      applicationId: made.applicationId,
      decisionId: made.decisionId,
      customerId: made.customerId,
      effectiveFrom: '2026-05-01',
      careHoursPerMonth: 14.5,
      serviceHoursPerMonth: 3,
      validTo: '2027-04-30',
      level: null,
    });
    await applyDecisionEvent(svc.db, change);
    expect(await copy(made.decisionId)).toEqual({ care_hours_per_month: '14.50', service_hours_per_month: '3.00', valid_to: '2027-04-30', level: null, ended_on: null, end_reason: null });
    // Redelivered after a later change: the later one stands.
    const later = event('decisionChanged', { ...(change.payload as EventPayload<'decisionChanged'>), changeId: randomUUID(), effectiveFrom: '2026-06-01', careHoursPerMonth: 16 });
    await applyDecisionEvent(svc.db, later);
    await applyDecisionEvent(svc.db, change);
    expect((await copy(made.decisionId)).care_hours_per_month).toBe('16.00');
    // Each change is kept once, with its first day, so that an order's amendment can be matched to it.
    const kept = await svc.db
      .selectFrom('decision_changes')
      .select(['change_id', 'effective_from', 'care_hours_per_month', 'service_hours_per_month', 'valid_to', 'level'])
      .where('decision_id', '=', made.decisionId)
      .orderBy('effective_from')
      .execute();
    expect(kept).toEqual([
      { change_id: (change.payload as EventPayload<'decisionChanged'>).changeId, effective_from: '2026-05-01', care_hours_per_month: '14.50', service_hours_per_month: '3.00', valid_to: '2027-04-30', level: null },
      { change_id: (later.payload as EventPayload<'decisionChanged'>).changeId, effective_from: '2026-06-01', care_hours_per_month: '16.00', service_hours_per_month: '3.00', valid_to: '2027-04-30', level: null },
    ]);
  });

  it('records the last day and reason of an ended decision', async () => {
    const made = decisionMade();
    await applyDecisionEvent(svc.db, event('decisionMade', made));
    await applyDecisionEvent(svc.db, event('decisionEnded', { applicationId: made.applicationId, decisionId: made.decisionId, customerId: made.customerId, reason: 'deceased', endDate: '2026-06-12' }));
    expect(await copy(made.decisionId)).toMatchObject({ ended_on: '2026-06-12', end_reason: 'deceased', valid_to: '2027-01-31' });
    const trail = await svc.db.selectFrom('audit_log').select(['action', 'actor', 'actor_role']).where('entity_id', '=', made.decisionId).orderBy('id').execute();
    expect(trail).toEqual([
      { action: 'decision.copied', actor: 'orders-decisions', actor_role: 'system' },
      { action: 'decision.ended', actor: 'orders-decisions', actor_role: 'system' },
    ]);
  });

  it('throws for a change or an end of a decision not yet copied, recording nothing, so the event is redelivered', async () => {
    const before = await tableCounts(svc.db);
    const decisionId = randomUUID();
    await expect(
      applyDecisionEvent(svc.db, event('decisionEnded', { applicationId: randomUUID(), decisionId, customerId: randomUUID(), reason: 'moved', endDate: '2026-06-12' })),
    ).rejects.toThrow(/has not arrived yet/);
    await expect(
      applyDecisionEvent(
        svc.db,
        event('decisionChanged', {
          changeId: randomUUID(),
          applicationId: randomUUID(),
          decisionId,
          customerId: randomUUID(),
          effectiveFrom: '2026-05-01',
          careHoursPerMonth: 1,
          serviceHoursPerMonth: 1,
          validTo: '2026-12-31',
          level: null,
        }),
      ),
    ).rejects.toThrow(/has not arrived yet/);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('ignores events it does not keep a copy of', async () => {
    const before = await tableCounts(svc.db);
    await applyDecisionEvent(svc.db, event('assessmentRecorded', { applicationId: randomUUID(), customerId: randomUUID(), assessmentId: randomUUID(), lifeAreas: [] }));
    expect(await tableCounts(svc.db)).toEqual(before);
  });
});
