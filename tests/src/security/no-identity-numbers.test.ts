import { jetstreamManager } from '@nats-io/jetstream';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_STREAM, MASKED_IDENTITY_NUMBER, PARKED_STREAM } from '@kundval/contracts';
import { parseIdentityNumber } from '@kundval/domain';
import type { LocalPlatform } from '@kundval/infra';
import { connectEventBus } from '@kundval/platform';
import { Actor, actors, eventually, homeCareSteps, journeyState, nextIdentityNumber, runHomeCareJourney } from '../driver/index.js';
import { startTestPlatform } from '../support/platform.js';

/**
 * Personal identity numbers stay in the decisions service's customer register (DOMAIN.md §1): a
 * home-care journey run to payment, and a provider's refusal whose explanation names the customer by
 * identity number (12 and 10 digits, as the issue's probe did), must leave none of the customers'
 * numbers — in any written form — in any line any process printed, any event on the stream (and the
 * parked stream), or any workflow history Temporal recorded.
 */

/** Every way a person's number is written: 12 digits with and without the dash, 10 with `-`, `+` or nothing. */
function writtenForms(identityNumber: string): string[] {
  const parsed = parseIdentityNumber(identityNumber, { referenceDate: '2026-12-07' });
  if (!parsed.ok) throw new Error(`not an identity number: ${identityNumber}`);
  const d = parsed.value.digits;
  const [date12, date10, last4] = [d.slice(0, 8), d.slice(2, 8), d.slice(8)];
  return [`${date12}${last4}`, `${date12}-${last4}`, `${date10}-${last4}`, `${date10}+${last4}`, `${date10}${last4}`];
}

/** The strings of a Temporal history: every payload's bytes as text, and the rest as JSON. */
function historyText(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) value.forEach((v) => historyText(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => historyText(v, out));
  else if (value !== undefined && value !== null) out.push(String(value));
  return out;
}

const PROVIDER = 'liten-omsorg';

describe('no identity number leaves the customer register: logs, events, workflow histories', () => {
  let platform: LocalPlatform;
  const lines: string[] = [];
  beforeAll(async () => {
    // Debug level: the most any process writes, so that nothing is searched less than production would print.
    platform = await startTestPlatform('no-identity-numbers', { logLevel: 'debug', log: (source, line) => void lines.push(`[${source}] ${line}`) });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('finds none of the customers’ numbers after a journey to payment and a refusal that typed one', async () => {
    const steps = homeCareSteps(platform);
    const people = actors(platform);
    const customers = { paid: nextIdentityNumber(1939), filler: nextIdentityNumber(1944), refused: nextIdentityNumber(1947) };

    // A journey to payment, its customer registered by the 10-digit form.
    const paid = await runHomeCareJourney(platform, {
      identityNumber: customers.paid,
      careHoursPerMonth: 4,
      serviceHoursPerMonth: 0,
      validFrom: '2026-02-01',
      validTo: '2026-02-28',
      choose: 'saltsjo-omsorg',
      month: '2026-02',
      visits: [{ externalId: 'v-1', kind: 'care', start: '2026-02-02T08:00:00+01:00', end: '2026-02-02T09:00:00+01:00' }],
    });
    expect(paid.settled.paymentOre).toBe(31_000);

    // A provider with room for one customer, filled by another customer's accepted order.
    await new Actor(platform.auth, { sub: 'demo-admin', role: 'administrator' }).ok('POST', `${platform.urls.orders}/providers`, {
      providerId: PROVIDER,
      name: 'Liten Omsorg AB',
      kind: 'private',
      organisationNumber: '556999-0001',
      languages: ['sv'],
      satisfactionScore: 4.0,
      authorizations: [{ areaId: 'home-care', capacityCustomers: 1, isDefault: false }],
    });
    const filler = await steps.apply(customers.filler);
    await steps.assess(filler.applicationId);
    // Valid today and ahead, so that the accepted order takes the provider's one place now.
    const current = { careHoursPerMonth: 4, serviceHoursPerMonth: 0, validFrom: '2026-12-01', validTo: '2027-11-30' };
    const fillerDecision = await steps.decide(filler.applicationId, current);
    await steps.choose(filler.customerId, fillerDecision.decisionId, PROVIDER);
    await steps.acceptAndPlan(PROVIDER, fillerDecision.decisionId);

    // The next customer, registered by the 12-digit form, is refused with their number typed into the explanation.
    const twelve = writtenForms(customers.refused)[1]!;
    const refused = await steps.apply(twelve);
    await steps.assess(refused.applicationId);
    const refusedDecision = await steps.decide(refused.applicationId, current);
    await steps.choose(refused.customerId, refusedDecision.decisionId, PROVIDER);
    const orderId = await steps.placedOrder(PROVIDER, refusedDecision.decisionId);
    const explanation = `Kunden ${twelve} (${customers.refused}) bor utanför vårt område och vi är fulla.`;
    const answer = await people.provider(PROVIDER).ok<{ status: string }>('POST', `${platform.urls.orders}/orders/${orderId}/refuse`, { reason: 'over-capacity', explanation });
    expect(answer.status).toBe('refused');
    const afterRefusal = await eventually(async () => {
      const state = await journeyState(platform, refused.applicationId);
      return state?.stage === 'awaiting-choice' && state.escalations?.some((e) => e.kind === 'order-refused') ? state : undefined;
    }, 'the journey to take the refusal');
    expect(afterRefusal.escalations!.find((e) => e.kind === 'order-refused')?.message).toContain(MASKED_IDENTITY_NUMBER);

    // Everything the platform recorded.
    const temporal = new Client({ connection: await Connection.connect({ address: platform.temporal.address }), namespace: platform.temporal.namespace });
    const histories: Array<{ workflowId: string; text: string }> = [];
    try {
      for await (const wf of temporal.workflow.list()) {
        const history = await temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
        histories.push({ workflowId: wf.workflowId, text: historyText(history).join('\n') });
      }
    } finally {
      await temporal.connection.close();
    }
    const bus = await connectEventBus(platform.nats.url, 'personal-data-search');
    const events: Array<{ stream: string; seq: number; text: string }> = [];
    try {
      const jsm = await jetstreamManager(bus.nc);
      for (const stream of [EVENT_STREAM.name, PARKED_STREAM.name]) {
        const { state } = await jsm.streams.info(stream);
        for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
          const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
          if (msg) events.push({ stream, seq, text: `${msg.subject}\n${JSON.stringify(msg.header ? [...msg.header.keys()].map((k) => [k, msg.header.get(k)]) : [])}\n${msg.string()}` });
        }
      }
    } finally {
      await bus.close();
    }

    // The search reads what the journeys left: their customers are in the events, histories and logs (by pseudonymous id).
    const customerIds = [paid.customerId, filler.customerId, refused.customerId];
    for (const id of customerIds) {
      expect(events.some((e) => e.text.includes(id)), `events name ${id}`).toBe(true);
      expect(histories.some((h) => h.text.includes(id)), `histories name ${id}`).toBe(true);
    }
    expect(histories.length).toBeGreaterThanOrEqual(3);
    expect(events.length).toBeGreaterThan(20);
    expect(lines.length).toBeGreaterThan(100);

    const forms = Object.values(customers).flatMap(writtenForms);
    expect(forms).toHaveLength(15);
    // The forms are the numbers the register holds: its one reader (a case handler) gets them back.
    const register = await people.caseHandler.ok<Record<string, unknown>>('GET', `${platform.urls.decisions}/customers/${refused.customerId}`);
    expect(writtenForms(customers.refused).some((f) => JSON.stringify(register).includes(f))).toBe(true);
    const found = [
      ...lines.filter((l) => forms.some((f) => l.includes(f))).map((l) => `log: ${l.slice(0, 300)}`),
      ...events.filter((e) => forms.some((f) => e.text.includes(f))).map((e) => `event ${e.stream}#${e.seq}: ${e.text.slice(0, 300)}`),
      ...histories.filter((h) => forms.some((f) => h.text.includes(f))).map((h) => `history ${h.workflowId}`),
    ];
    console.log(`personal-data search: ${lines.length} log lines, ${events.length} events, ${histories.length} workflow histories, ${forms.length} written forms of ${customerIds.length} customers`);
    expect(found).toEqual([]);
  });
});
