import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARKED_STREAM, eventCatalog, parkedSubject, type CatalogEvent, type EventEnvelope, type EventName, type EventPayload } from '@kundval/contracts';
import { startNatsServer, type NatsServer } from '@kundval/infra';
import { connectEventBus, createLogger, type EventBus } from '@kundval/platform';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { seedDecision, seedProvider, startOrders, type TestOrders } from '../test-support/orders-service.js';
import { journeyFor, requestsFor } from '../test-support/requests.js';
import { applyDecisionEvent, decisionsConsumerHandlers, startDecisionsConsumer } from './decisions.consumer.js';

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

type Terms = Pick<EventPayload<'decisionChanged'>, 'effectiveFrom' | 'validTo' | 'careHoursPerMonth' | 'serviceHoursPerMonth' | 'level'>;
type Ids = { decisionId: string; applicationId: string; customerId: string };

function decisionChanged(d: Ids, terms: Terms): CatalogEvent {
  return event('decisionChanged', { changeId: randomUUID(), applicationId: d.applicationId, decisionId: d.decisionId, customerId: d.customerId, ...terms });
}

function decisionEnded(d: Ids, endDate: string): CatalogEvent {
  return event('decisionEnded', { applicationId: d.applicationId, decisionId: d.decisionId, customerId: d.customerId, reason: 'moved', endDate });
}

/** The event as it travels: the envelope without the catalog name. */
function envelope({ name: _name, ...rest }: CatalogEvent): EventEnvelope {
  return rest;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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

  describe('events that waited together (ADR 0030)', () => {
    const r = () => requestsFor(svc);
    const changesOf = (decisionIds: string[]) =>
      svc.db
        .selectFrom('decision_changes')
        .select(['decision_id', 'effective_from', 'care_hours_per_month', 'service_hours_per_month', 'valid_to', 'level'])
        .where('decision_id', 'in', decisionIds)
        .orderBy('decision_id')
        .orderBy('effective_from')
        .execute();
    const trail = (entityId: string) => svc.db.selectFrom('audit_log').select(['action', 'actor', 'correlation_id']).where('entity_id', '=', entityId).orderBy('id').execute();
    const inbox = (eventIds: string[]) =>
      svc.db.selectFrom('inbox').select(['consumer', 'event_id']).where('event_id', 'in', eventIds).orderBy('event_id').execute();

    /** A granted home-care decision (2026-02-01 to 2026-07-31, 10.5 + 4 hours) with its provider chosen and the order placed. */
    async function orderInForce() {
      const providerId = 'hemtjanst-batch';
      await seedProvider(svc.db, { providerId });
      const decision = await seedDecision(svc.db);
      // The case handler's choice, as the journey carries it (ADR 0029).
      const caseHandler = await journeyFor(svc, { sub: 'handlaggare-1', role: 'case-handler' });
      const system = await svc.as({ role: 'system' });
      await r().ok(`/decisions/${decision.decisionId}/choice`, caseHandler, { providerId }, 201);
      const order = await r().ok<{ orderId: string }>('/orders', system, { decisionId: decision.decisionId }, 201);
      return { ...decision, providerId, orderId: order.orderId };
    }

    it('applies a decision made, changed and ended and a change that amends an order in force in one transaction, in stream order, each once', async () => {
      const placed = await orderInForce();
      const made = decisionMade({ areaId: 'home-care', careHoursPerMonth: 8, serviceHoursPerMonth: 2, level: null });
      const madeEvent = event('decisionMade', made);
      const changedMade = decisionChanged(made, { effectiveFrom: '2026-04-01', validTo: '2027-01-31', careHoursPerMonth: 9, serviceHoursPerMonth: 2, level: null });
      const renewed = decisionChanged(placed, { effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null });
      const ended = decisionEnded(made, '2026-06-30');
      const ids = [madeEvent, renewed, changedMade, ended].map((e) => e.eventId);
      const mark = await r().mark();
      const before = await tableCounts(svc.db);
      const batch = decisionsConsumerHandlers(svc.db).batch!;

      // The renewal is delivered twice in the batch (a redelivery beside the first delivery): applied once.
      await batch.handler([madeEvent, renewed, changedMade, renewed, ended]);

      expect(await copy(made.decisionId)).toEqual({ care_hours_per_month: '9.00', service_hours_per_month: '2.00', valid_to: '2027-01-31', level: null, ended_on: '2026-06-30', end_reason: 'moved' });
      expect(await copy(placed.decisionId)).toEqual({ care_hours_per_month: '12.00', service_hours_per_month: '2.50', valid_to: '2026-12-31', level: null, ended_on: null, end_reason: null });
      expect(await changesOf([made.decisionId, placed.decisionId])).toEqual(
        [
          { decision_id: made.decisionId, effective_from: '2026-04-01', care_hours_per_month: '9.00', service_hours_per_month: '2.00', valid_to: '2027-01-31', level: null },
          { decision_id: placed.decisionId, effective_from: '2026-05-01', care_hours_per_month: '12.00', service_hours_per_month: '2.50', valid_to: '2026-12-31', level: null },
        ].sort((a, b) => a.decision_id.localeCompare(b.decision_id)),
      );
      // The order in force takes the renewal: one amendment, the order's terms, one orderChanged.
      expect(await svc.db.selectFrom('orders').select(['valid_from', 'valid_to', 'care_hours_per_month', 'service_hours_per_month', 'level', 'end_date']).where('order_id', '=', placed.orderId).executeTakeFirstOrThrow()).toEqual({
        valid_from: '2026-02-01',
        valid_to: '2026-12-31',
        care_hours_per_month: '12.00',
        service_hours_per_month: '2.50',
        level: null,
        end_date: null,
      });
      expect(await svc.db.selectFrom('order_changes').select(['effective_from', 'valid_to', 'care_hours_per_month', 'service_hours_per_month', 'level']).where('order_id', '=', placed.orderId).execute()).toEqual([
        { effective_from: '2026-05-01', valid_to: '2026-12-31', care_hours_per_month: '12.00', service_hours_per_month: '2.50', level: null },
      ]);
      expect(await r().eventsSince(mark)).toEqual([
        {
          subject: 'kundval.orders.order.changed.v1',
          payload: {
            orderId: placed.orderId,
            applicationId: placed.applicationId,
            customerId: placed.customerId,
            providerId: placed.providerId,
            effectiveFrom: '2026-05-01',
            validTo: '2026-12-31',
            careHoursPerMonth: 12,
            serviceHoursPerMonth: 2.5,
            level: null,
          },
        },
      ]);
      // Every event id in the inbox once, under this consumer.
      expect(await inbox(ids)).toEqual([...ids].sort().map((event_id) => ({ consumer: 'orders-decisions', event_id })));
      // Stream order: the new decision is copied, then changed, then ended; the amendment names the renewal's event.
      expect(await trail(made.decisionId)).toEqual([
        { action: 'decision.copied', actor: 'orders-decisions', correlation_id: null },
        { action: 'decision.changed', actor: 'orders-decisions', correlation_id: null },
        { action: 'decision.ended', actor: 'orders-decisions', correlation_id: null },
      ]);
      expect(await trail(placed.orderId)).toEqual([
        expect.objectContaining({ action: 'order.placed' }),
        { action: 'order.changed', actor: 'orders-decisions', correlation_id: renewed.eventId },
      ]);
      expect(await tableCounts(svc.db)).toEqual({
        ...before,
        decisions: before.decisions! + 1,
        decision_changes: before.decision_changes! + 2,
        order_changes: before.order_changes! + 1,
        outbox: before.outbox! + 1,
        inbox: before.inbox! + 4,
        // Copied, changed and ended; the renewal of the copy; the order's amendment.
        audit_log: before.audit_log! + 5,
      });

      // The same batch delivered again changes nothing and publishes nothing.
      const after = await tableCounts(svc.db);
      const markAgain = await r().mark();
      await batch.handler([madeEvent, renewed, changedMade, ended]);
      expect(await tableCounts(svc.db)).toEqual(after);
      expect(await r().eventsSince(markAgain)).toEqual([]);
    });

    it('records nothing of a batch in which one event cannot be applied yet, so that each can then be applied alone', async () => {
      const made = decisionMade();
      const madeEvent = event('decisionMade', made);
      const early = decisionChanged({ decisionId: randomUUID(), applicationId: randomUUID(), customerId: randomUUID() }, { effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 1, serviceHoursPerMonth: 1, level: null });
      const ended = decisionEnded(made, '2026-06-30');
      const before = await tableCounts(svc.db);
      const handlers = decisionsConsumerHandlers(svc.db);
      await expect(handlers.batch!.handler([madeEvent, early, ended])).rejects.toThrow(/has not arrived yet/);
      expect(await tableCounts(svc.db)).toEqual(before);
      // What the consumer does next (ADR 0030): each alone; only the early change fails, to be redelivered.
      await handlers.handler(madeEvent);
      await expect(handlers.handler(early)).rejects.toThrow(/has not arrived yet/);
      await handlers.handler(ended);
      expect(await inbox([madeEvent.eventId, early.eventId, ended.eventId])).toEqual([madeEvent.eventId, ended.eventId].sort().map((event_id) => ({ consumer: 'orders-decisions', event_id })));
      expect(await copy(made.decisionId)).toMatchObject({ ended_on: '2026-06-30', end_reason: 'moved' });
    });
    describe('through JetStream, as the service consumes them', () => {
      let nats: NatsServer;
      let bus: EventBus;

      beforeAll(async () => {
        nats = await startNatsServer();
        bus = await connectEventBus(nats.url, 'orders-decisions-test');
      });
      afterAll(async () => {
        await bus?.close();
        await nats?.stop();
      });

      it('parks a poison event and retries a change that came before its decision alone, while the events waiting beside them are applied', async () => {
        const made = decisionMade();
        const madeEvent = event('decisionMade', made);
        const changed = decisionChanged(made, { effectiveFrom: '2026-04-01', validTo: '2027-01-31', careHoursPerMonth: 9, serviceHoursPerMonth: 0, level: 5 });
        const ended = decisionEnded(made, '2026-06-30');
        const late = decisionMade();
        const early = decisionChanged(late, { effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 1, serviceHoursPerMonth: 1, level: 4 });
        const poison: EventEnvelope = { eventId: randomUUID(), subject: eventCatalog.decisionChanged.subject, occurredAt: new Date().toISOString(), correlationId: null, payload: { decisionId: 'not a decision' } };
        // Published before the consumer starts, so that they wait together.
        for (const e of [envelope(madeEvent), poison, envelope(early), envelope(changed), envelope(ended)]) await bus.publish(e);
        let kicks = 0;
        const warnings: string[] = [];
        const logger = createLogger('orders-decisions-test', { level: 'warn' }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
        const consumer = await startDecisionsConsumer({ bus, db: svc.db, logger, afterCommit: () => kicks++ });
        try {
          const applied = [madeEvent, changed, ended].map((e) => e.eventId);
          await waitFor(async () => (await inbox(applied)).length === 3);
          expect(await copy(made.decisionId)).toEqual({ care_hours_per_month: '9.00', service_hours_per_month: '0.00', valid_to: '2027-01-31', level: 5, ended_on: '2026-06-30', end_reason: 'moved' });
          expect(await inbox([early.eventId, poison.eventId])).toEqual([]);
          const jsm = await bus.js.jetstreamManager();
          const parked = await jsm.streams.getMessage(PARKED_STREAM.name, { last_by_subj: parkedSubject(eventCatalog.decisionChanged.subject) });
          expect(parked?.json<EventEnvelope>().eventId).toBe(poison.eventId);
          expect(parked?.header.get('Kundval-Consumer')).toBe('orders-decisions');
          // The change that came too early failed a batch it waited in: that batch's events went again one at a time.
          expect(warnings).toContain('event batch failed; applying its events one at a time');
          expect(kicks).toBeGreaterThan(0);
          const kicksBefore = kicks;

          // The decision arrives after its change: the change, redelivered, is applied now.
          await bus.publish(envelope(event('decisionMade', late)));
          await waitFor(async () => (await inbox([early.eventId])).length === 1);
          expect(await copy(late.decisionId)).toEqual({ care_hours_per_month: '1.00', service_hours_per_month: '1.00', valid_to: '2026-12-31', level: 4, ended_on: null, end_reason: null });
          expect(kicks).toBeGreaterThan(kicksBefore);
        } finally {
          await consumer.stop();
        }
      });
    });
  });
});
