import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/activity';
import { ChoiceAnswer } from '@kundval/contracts';
import { verifyToken } from '@kundval/platform';
import { createServiceClient, failureTypeOf, idempotencyKey, refusalOf, refusedWith, type Command } from './service-client.js';
import { createOrdersActivities } from './orders.activities.js';
import { createBillingActivities } from './billing.activities.js';

const auth = { secret: 'a-test-secret-of-at-least-32-characters', issuer: 'kundval-test' };
const choice = { choiceId: '3f1b2c4d-0000-4000-8000-000000000001', decisionId: 'd-1', providerId: 'trygga-hander', chosenBy: 'customer' };

/** A client whose service answers `status` and `body`, recording every request it sends. */
function clientAnswering(status: number, body: unknown, workflowId = 'journey-a1') {
  const sent: Array<{ url: string; headers: Record<string, string>; body: unknown }> = [];
  const fake: typeof fetch = async (url, init) => {
    sent.push({ url: String(url), headers: init?.headers as Record<string, string>, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  };
  const call = createServiceClient('http://orders.test', auth, { fetch: fake, activity: () => ({ workflowId, activityType: 'recordChoice' }) });
  return { call, sent };
}

const recordChoice: Command<ChoiceAnswer> = { command: 'recordChoice', key: 'd-1:trygga-hander#0', method: 'POST', path: '/decisions/d-1/choice', body: { providerId: 'trygga-hander' }, answer: ChoiceAnswer };

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('the Idempotency-Key of a command', () => {
  it('is the same for every retry of one command, whoever sends it', () => {
    expect(idempotencyKey('journey-a1', 'placeOrder', 'd-1:-:-#0')).toBe(idempotencyKey('journey-a1', 'placeOrder', 'd-1:-:-#0'));
  });

  it('differs between journeys, commands and business keys', () => {
    const keys = new Set([
      idempotencyKey('journey-a1', 'placeOrder', 'd-1:-:-#0'),
      idempotencyKey('journey-a2', 'placeOrder', 'd-1:-:-#0'),
      idempotencyKey('journey-a1', 'recordChoice', 'd-1:-:-#0'),
      idempotencyKey('journey-a1', 'placeOrder', 'd-1:-:-#1'),
    ]);
    expect(keys.size).toBe(4);
  });

  it('fits the services\' Idempotency-Key header (8 to 100 characters)', () => {
    const key = idempotencyKey(`journey-${'f'.repeat(36)}`, 'correctPayment', 'x'.repeat(300));
    expect(key.length).toBeGreaterThanOrEqual(8);
    expect(key.length).toBeLessThanOrEqual(100);
  });

  it('is sent with the command, derived from the workflow id, the command and its business key', async () => {
    const { call, sent } = clientAnswering(201, choice);
    await call(recordChoice);
    expect(sent[0]!.headers['idempotency-key']).toBe(idempotencyKey('journey-a1', 'recordChoice', 'd-1:trygga-hander#0'));
    expect(sent[0]!.headers['x-correlation-id']).toBe('journey-a1');
  });

  it('is a new key for the same provider chosen again after a refused order (a new round), and the same body', async () => {
    const { call, sent } = clientAnswering(201, choice);
    const orders = createOrdersActivities(call);
    await orders.recordChoice({ decisionId: 'd-1', providerId: 'trygga-hander' });
    await orders.recordChoice({ decisionId: 'd-1', providerId: 'trygga-hander' });
    await orders.recordChoice({ decisionId: 'd-1', providerId: 'trygga-hander', round: 1 });
    const keys = sent.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(sent.map((s) => s.body)).toEqual([{ providerId: 'trygga-hander' }, { providerId: 'trygga-hander' }, { providerId: 'trygga-hander' }]);
  });

  it('does not send the round to the service: it only separates the commands', async () => {
    const order = { orderId: 'o-1', decisionId: 'd-1', providerId: 'trygga-hander', status: 'placed', validFrom: '2026-03-01', validTo: '2026-03-31', endDate: null };
    const { call, sent } = clientAnswering(201, order);
    await createOrdersActivities(call).placeOrder({ decisionId: 'd-1', round: 2 });
    expect(sent[0]!.body).toEqual({ decisionId: 'd-1' });
  });

  it('keys a payment by order, month, basis and the amendment it must be priced on', async () => {
    const payment = { paymentId: 'p-1', orderId: 'o-1', month: '2026-03', amountOre: 100, unpricedMinutes: 0 };
    const { call, sent } = clientAnswering(201, payment);
    const billing = createBillingActivities(call);
    await billing.payProvider({ orderId: 'o-1', month: '2026-03' });
    await billing.payProvider({ orderId: 'o-1', month: '2026-03', basis: 'approval' });
    await billing.payProvider({ orderId: 'o-1', month: '2026-03', expectedAmendment: { effectiveFrom: '2026-03-10', validTo: '2026-06-30', level: 3 } });
    const keys = sent.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
  });
});

describe('the answer of a command', () => {
  it('is parsed with its schema, dropping fields the worker does not read', async () => {
    const { call } = clientAnswering(201, { ...choice, createdAt: '2026-03-01T10:00:00Z' });
    expect(await call(recordChoice)).toEqual(choice);
  });

  it('that does not match its schema fails the command for good, naming the field', async () => {
    const { call } = clientAnswering(201, { ...choice, chosenBy: 'neighbour' });
    const failure = await failureOf(call(recordChoice));
    expect([failure.type, failure.nonRetryable, failure.details?.[0]]).toEqual(['UnexpectedAnswer', true, 'UNEXPECTED_ANSWER']);
    expect(failure.details?.[1]).toMatch(/^chosenBy: /);
  });

  it('that is not JSON fails the command for good', async () => {
    const { call } = clientAnswering(200, '<html>proxy error</html>');
    const failure = await failureOf(call(recordChoice));
    expect([failure.type, failure.nonRetryable]).toEqual(['UnexpectedAnswer', true]);
  });
});

describe('a refusal', () => {
  it.each([
    [400, 'CommandRefused'],
    [401, 'CommandRefused'],
    [403, 'CommandRefused'],
    [422, 'CommandRefused'],
    [410, 'CommandRefused'],
    [404, 'NotYetValid'],
    [409, 'NotYetValid'],
    [408, 'ServiceUnavailable'],
    [429, 'ServiceUnavailable'],
    [500, 'ServiceUnavailable'],
    [503, 'ServiceUnavailable'],
  ])('answered %i is a %s failure', (status, type) => {
    expect(failureTypeOf(status)).toBe(type);
  });

  it('that retrying cannot cure is not retried, and carries the service code, reason and status', async () => {
    const { call } = clientAnswering(403, { error: 'AUTH.FORBIDDEN', message: 'The role system may not do this.' });
    const failure = await failureOf(call(recordChoice));
    expect([failure.type, failure.nonRetryable]).toEqual(['CommandRefused', true]);
    expect(failure.details).toEqual(['AUTH.FORBIDDEN', 'The role system may not do this.', 403]);
    expect(refusedWith(failure, 'AUTH.FORBIDDEN')).toBe(true);
  });

  it('of a command not valid yet (409) is retried, with its code', async () => {
    const { call } = clientAnswering(409, { error: 'ORDERS.NO_DEFAULT_PROVIDER', message: 'No default provider is registered for home-care.' });
    const failure = await failureOf(call(recordChoice));
    expect([failure.type, failure.nonRetryable, failure.details?.[0]]).toEqual(['NotYetValid', false, 'ORDERS.NO_DEFAULT_PROVIDER']);
  });

  it('of a 409 the command names final is not retried, and carries the code; another 409 to it is', async () => {
    const { call } = clientAnswering(409, { error: 'BILLING.NO_VISITS', message: 'No visits, sessions or attendance days are reported for 2026-04.' });
    const approve = createBillingActivities(call).approveMonth({ orderId: 'o-1', month: '2026-04', disputedVisitIds: [] });
    const failure = await failureOf(approve);
    expect([failure.type, failure.nonRetryable, failure.details]).toEqual(['CommandRefused', true, ['BILLING.NO_VISITS', 'No visits, sessions or attendance days are reported for 2026-04.', 409]]);
    const other = clientAnswering(409, { error: 'BILLING.MONTH_APPROVED', message: '2026-04 is already approved.' });
    const notYet = await failureOf(createBillingActivities(other.call).approveMonth({ orderId: 'o-1', month: '2026-04', disputedVisitIds: [] }));
    expect([notYet.type, notYet.nonRetryable, notYet.details?.[0]]).toEqual(['NotYetValid', false, 'BILLING.MONTH_APPROVED']);
  });

  it('names the fields of a validation refusal in its reason', () => {
    expect(refusalOf(400, JSON.stringify({ error: 'VALIDATION', message: 'Invalid request', issues: [{ field: 'body.month', reason: 'expected YYYY-MM' }] }))).toEqual({
      code: 'VALIDATION',
      reason: 'Invalid request — body.month: expected YYYY-MM',
    });
  });

  it('without an error body is named by its status', () => {
    expect(refusalOf(502, 'Bad Gateway')).toEqual({ code: 'HTTP_502', reason: 'Bad Gateway' });
  });

  it('that never arrives (network) is retried', async () => {
    const call = createServiceClient('http://orders.test', auth, {
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
      activity: () => ({ workflowId: 'journey-a1', activityType: 'recordChoice' }),
    });
    const failure = await failureOf(call(recordChoice));
    expect([failure.type, failure.nonRetryable, failure.details?.[0]]).toEqual(['ServiceUnavailable', false, 'NETWORK']);
  });
});

describe('a command carried out on behalf of a person (ADR 0022)', () => {
  async function principalSent(actingFor: () => { sub: string; role: 'citizen' | 'operator'; customerId?: string } | undefined) {
    const sent: Array<Record<string, string>> = [];
    const fake: typeof fetch = async (_url, init) => {
      sent.push(init?.headers as Record<string, string>);
      return new Response(JSON.stringify(choice), { status: 201 });
    };
    const call = createServiceClient('http://orders.test', auth, { fetch: fake, activity: () => ({ workflowId: 'journey-a1', activityType: 'recordChoice' }), actingFor });
    await call(recordChoice);
    return verifyToken(auth, sent[0]!.authorization!.slice('Bearer '.length));
  }

  it("names the person in the worker's system token, with the same Idempotency-Key as the worker's own", async () => {
    const customer = { sub: 'citizen-c-1', role: 'citizen' as const, customerId: 'c-1' };
    expect(await principalSent(() => customer)).toEqual({ sub: 'journey-worker', role: 'system', onBehalfOf: customer });
  });

  it('sends the journey\'s own commands as the worker alone', async () => {
    expect(await principalSent(() => undefined)).toEqual({ sub: 'journey-worker', role: 'system' });
  });
});
