import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { journeyEventSignal, scaledTiming, type JourneyEvent, type VoucherJourneyInput } from '../contracts.js';
import { startScriptedServices, WORKFLOWS_PATH, type Reply, type ScriptedServices } from '../test-fixtures/scripted-services.js';
import { AMEND_IN_ORDERS_CONSUMER } from './journey-core.js';

/**
 * A changed decision on the patched path (ADR 0029, `amend-in-orders-consumer`), against a real
 * Temporal dev server and the real workflow, activities and client, the services' answers given at
 * the HTTP seam: the journey sends orders no amendment, and follows orders' `orderChanged` with the
 * payment correction and the amendment billing must hold. The end-to-end renewal and omprövning
 * journeys (tests/src) run the same against the real services.
 */
describe("the journey's decision change, amended by orders", () => {
  let services: ScriptedServices;
  const orderId = randomUUID();
  const payments: Record<string, Reply> = {};

  beforeAll(async () => {
    services = await startScriptedServices({
      name: 'decision-change',
      script: {
        'POST /orders': (b) => ({ status: 201, body: { orderId, decisionId: (b as { decisionId: string }).decisionId, providerId: 'solgarden', status: 'placed', validFrom: '2026-10-01', validTo: '2026-12-31', endDate: null } }),
        'POST /provider-payments': (b) => {
          const p = b as { orderId: string; month: string; basis: string };
          const reply = { status: 201, body: { paymentId: randomUUID(), orderId: p.orderId, month: p.month, amountOre: p.basis.startsWith('decision-change:') ? 4_200_00 : 30_000_00, unpricedMinutes: 0 } };
          payments[`${p.month} ${p.basis}`] = reply;
          return reply;
        },
        'POST /tasks': (b) => ({ status: 201, body: { taskId: randomUUID(), ...(b as object), status: 'open' } }),
        'POST /tasks/close': (b) => ({ status: 200, body: { closed: [{ taskId: randomUUID(), ...(b as object), status: 'done' }] } }),
      },
    });
  }, 180_000);
  afterAll(() => services?.stop());

  it('sends no amendment for a changed level, and corrects the month already paid once orderChanged comes, expecting the amendment after', async () => {
    const applicationId = randomUUID();
    const decisionId = randomUUID();
    // A nursing home from October, paid per day of stay by level: October and November are over by now (December 2026).
    const input: VoucherJourneyInput = {
      applicationId,
      customerId: randomUUID(),
      municipality: 'nacka',
      policy: { areaId: 'nursing-home', decisionKind: 'full', deliveryUnit: 'occupancy-day', carePlanDeadlineDays: null, defaultProvider: false, customerApprovesMonths: false, chargesFee: false },
      timing: scaledTiming(86_400, { commandRetryMs: 3_000 }),
    };
    const handle = await services.startJourney(input);
    const signal = (e: DistributiveOmit<JourneyEvent, 'eventId'>) => handle.signal(journeyEventSignal, { eventId: randomUUID(), ...e } as JourneyEvent);
    await signal({ kind: 'decisionMade', decisionId, outcome: 'granted', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-10-01', validTo: '2026-12-31', denialReason: null });
    await signal({ kind: 'providerChosen', providerId: 'solgarden', chosenBy: 'customer' });
    await services.until(handle, 'the order', (s) => s.orderId === orderId);
    await signal({ kind: 'orderAccepted', orderId });
    await signal({ kind: 'deliveryPeriodRecorded', orderId, period: 'moved-in', from: '2026-10-01', to: null });
    const paid = await services.until(handle, 'October and November paid', (s) => s.settledMonths.length === 2);

    await signal({ kind: 'decisionChanged', effectiveFrom: '2026-11-15', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validTo: '2027-03-31', level: 3 });
    // The renewal moves the expiry notice past the next month end: the journey has taken the change.
    await services.until(handle, 'the renewal', (s) => s.nextDeadline !== paid.nextDeadline);
    await signal({ kind: 'orderChanged', orderId, effectiveFrom: '2026-11-15', validTo: '2027-03-31', level: 3 });
    const corrected = await services.until(handle, 'the correction', (s) => s.settledMonths.find((m) => m.month === '2026-11')?.paymentOre === 30_000_00 + 4_200_00);

    const mine = services.sent.filter((s) => (s.body as { orderId?: string; decisionId?: string } | undefined)?.orderId === orderId || (s.body as { decisionId?: string } | undefined)?.decisionId === decisionId);
    expect(mine.filter((s) => s.url.endsWith('/changes')), 'no amendment command: orders amends the order itself').toEqual([]);
    expect(mine.filter((s) => s.url === '/provider-payments').map((s) => s.body)).toEqual([
      { orderId, month: '2026-10', basis: 'occupancy' },
      { orderId, month: '2026-11', basis: 'occupancy' },
      { orderId, month: '2026-11', basis: 'decision-change:2026-11-15', expectedAmendment: { effectiveFrom: '2026-11-15', validTo: '2027-03-31', level: 3 } },
    ]);
    expect(corrected.settledMonths.map((m) => [m.month, m.paymentOre])).toEqual([
      ['2026-10', 30_000_00],
      ['2026-11', 34_200_00],
    ]);

    // The history took the patched path: replaying it runs the same branch.
    const history = await handle.fetchHistory();
    const patchIds = (history.events ?? [])
      .map((e) => e.markerRecordedEventAttributes)
      .filter((m) => m?.markerName === 'core_patch')
      .map((m) => (JSON.parse(Buffer.from(m!.details!['patch-data']!.payloads![0]!.data!).toString('utf8')) as { id: string }).id);
    expect(patchIds).toContain(AMEND_IN_ORDERS_CONSUMER);
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH, replayName: 'decision-change' }, history);
    await handle.terminate('test over');
  });
});

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
