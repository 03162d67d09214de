import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { journeyWorkflowId } from '@kundval/workflows';
import { actors, eventually, homeCareSteps, journeyReaches, nextIdentityNumber, type VisitPlan } from './driver/index.js';
import { TOPOLOGIES, startTopology, type TestPlatform } from './support/topology.js';
import { eventTap } from './support/events.js';

const MONTH = '2026-03';
/** March 2026 at a private provider: two weekday mornings (day band) and one Saturday (weekend band). */
const VISITS: VisitPlan[] = [
  { externalId: 'mar-2', kind: 'care', start: '2026-03-02T08:00:00+01:00', end: '2026-03-02T09:30:00+01:00' },
  { externalId: 'mar-3', kind: 'care', start: '2026-03-03T08:00:00+01:00', end: '2026-03-03T09:30:00+01:00' },
  { externalId: 'mar-7', kind: 'care', start: '2026-03-07T11:00:00+01:00', end: '2026-03-07T12:00:00+01:00' },
];
// 180 weekday-day minutes × 310 kr/h = 93 000 öre; 60 weekend minutes × 390 kr/h = 39 000 öre.
const EXPECTED_PAYMENT_ORE = 93_000 + 39_000;
// 240 minutes × 312 kr/h = 1 248 kr, under the 2026 maxtaxa (2 660 kr); no fee basis declared.
const EXPECTED_FEE_ORE = 124_800;

describe.each(TOPOLOGIES)('faults: the journey survives a dead worker and repeated or broken events, on the %s topology', (topology) => {
  let platform: TestPlatform;
  let tap: Awaited<ReturnType<typeof eventTap>>;
  let temporal: Client;

  beforeAll(async () => {
    platform = await startTopology(topology, 'faults');
    tap = await eventTap(platform.nats.url);
    temporal = new Client({ connection: await Connection.connect({ address: platform.temporal.address }), namespace: platform.temporal.namespace });
  });
  afterAll(async () => {
    await tap?.close();
    await temporal?.connection.close();
    await platform?.stop();
  });

  /** The month's visits with external ids of this journey's own: a provider's ids are unique across its customers. */
  const visitsOf = (applicationId: string) => VISITS.map((v) => ({ ...v, externalId: `${applicationId}-${v.externalId}` }));

  /** Runs a journey up to the point where the provider has an order waiting for acceptance. */
  async function journeyToOrder(identityNumber: string) {
    const steps = homeCareSteps(platform);
    const { applicationId, customerId } = await steps.apply(identityNumber);
    await steps.assess(applicationId);
    const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-03-01', validTo: '2026-03-31' });
    await steps.choose(customerId, decisionId, 'trygga-hander');
    await journeyReaches(platform, applicationId, ['awaiting-acceptance']);
    return { steps, applicationId, customerId, decisionId };
  }

  async function settledOnce(applicationId: string, customerId: string) {
    const fees = await tap.find('feeCharged', (p) => p['applicationId'] === applicationId);
    const payments = await tap.find('providerPaymentCreated', (p) => p['applicationId'] === applicationId);
    const invoices = await actors(platform).citizen(customerId).ok<Array<{ feeOre: number }>>('GET', `${platform.urls.billing}/customers/${customerId}/invoices`);
    return { fees, payments, invoices };
  }

  it('completes a journey whose worker is killed mid-journey, charging and paying exactly once', async () => {
    const { steps, applicationId, customerId, decisionId } = await journeyToOrder(nextIdentityNumber(1936));

    // The worker dies while the order waits; the provider and the customer go on regardless.
    await platform.workers.kill('SIGKILL');
    const orderId = await steps.acceptAndPlan('trygga-hander', decisionId);
    const visits = await steps.reportVisits('trygga-hander', orderId, visitsOf(applicationId));
    expect(visits).toHaveLength(3);
    // The journey takes the customer's approval while no worker runs, and carries it out once one is back.
    const approval = steps.approveMonth(customerId, orderId, MONTH);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await platform.workers.start();
    expect(await approval).toEqual({ orderId, month: MONTH, approvedVisits: 3 });
    const done = await journeyReaches(platform, applicationId, ['completed'], 90_000);
    expect(done.settledMonths).toEqual([expect.objectContaining({ month: MONTH, feeOre: EXPECTED_FEE_ORE, paymentOre: EXPECTED_PAYMENT_ORE })]);

    const { fees, payments, invoices } = await settledOnce(applicationId, customerId);
    expect(fees).toHaveLength(1);
    expect(payments).toHaveLength(1);
    expect(invoices.map((i) => i.feeOre)).toEqual([EXPECTED_FEE_ORE]);
  });

  it('ignores an event published twice with the same id, inside and past the de-duplication window', async () => {
    const { steps, applicationId, customerId, decisionId } = await journeyToOrder(nextIdentityNumber(1939));
    const [chosen] = await tap.find('providerChosen', (p) => p['applicationId'] === applicationId);
    const [placed] = await tap.find('orderPlaced', (p) => p['applicationId'] === applicationId);
    expect(chosen && placed).toBeTruthy();

    // Inside JetStream's window the second publish is dropped by the server itself.
    expect(await tap.republish(chosen!)).toEqual({ duplicate: true });
    expect(await tap.republish(placed!)).toEqual({ duplicate: true });
    // Past the window it is delivered again; the journey and billing recognise the event id.
    await tap.republishPastWindow(chosen!);
    await tap.republishPastWindow(placed!);

    const orderId = await steps.acceptAndPlan('trygga-hander', decisionId);
    await steps.reportVisits('trygga-hander', orderId, visitsOf(applicationId));
    await steps.approveMonth(customerId, orderId, MONTH);
    const done = await journeyReaches(platform, applicationId, ['completed']);
    expect(done.settledMonths).toHaveLength(1);
    expect(done.settledMonths[0]).toMatchObject({ feeOre: EXPECTED_FEE_ORE, paymentOre: EXPECTED_PAYMENT_ORE });

    // The journey did receive the repeated providerChosen signal, and it changed nothing.
    const history = await temporal.workflow.getHandle(journeyWorkflowId(applicationId)).fetchHistory();
    const signalledIds = (history.events ?? []).flatMap((e) => {
      const payload = e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data;
      return payload ? [(JSON.parse(new TextDecoder().decode(payload)) as { eventId: string }).eventId] : [];
    });
    expect(signalledIds.filter((id) => id === chosen!.eventId)).toHaveLength(2);
    const { fees, payments } = await settledOnce(applicationId, customerId);
    expect(fees).toHaveLength(1);
    expect(payments).toHaveLength(1);
  });

  it('parks a poison event with its reason and keeps consuming the events behind it', async () => {
    const subject = 'kundval.billing.month.approved.v1';
    await tap.publishRaw(subject, '{ this is not json');
    await tap.publishRaw(subject, JSON.stringify({ eventId: crypto.randomUUID(), subject, occurredAt: new Date().toISOString(), correlationId: null, payload: { month: '2026-13' } }));

    const parked = await eventually(async () => {
      const all = await tap.parked();
      return all.length >= 2 ? all : undefined;
    }, 'both poison events to be parked');
    expect(parked.map((p) => p.subject)).toEqual([`parked.${subject}`, `parked.${subject}`]);
    expect(parked[0]!.reason).toMatch(/not JSON/);
    expect(parked[1]!.reason).toMatch(/payload/);

    // The consumer is not stuck: a journey behind the poison events still moves.
    const { applicationId } = await journeyToOrder(nextIdentityNumber(1944));
    expect((await journeyReaches(platform, applicationId, ['awaiting-acceptance'])).providerId).toBe('trygga-hander');
  });
});
