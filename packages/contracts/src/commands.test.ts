import { describe, expect, it } from 'vitest';
import { CloseTasksRequest, OrderAnswer, PaymentBasis, ProviderPaymentAnswer, ServiceErrorBody, TaskKind } from './index.js';

describe('the command shapes', () => {
  it('reads an order answer and drops the fields the worker does not need', () => {
    const answer = OrderAnswer.parse({
      orderId: 'o-1',
      decisionId: 'd-1',
      providerId: 'trygga-hander',
      status: 'placed',
      validFrom: '2026-03-01',
      validTo: '2026-03-31',
      endDate: null,
      carePlanOverdue: false,
    });
    expect(answer).not.toHaveProperty('carePlanOverdue');
  });

  it('refuses a payment answer whose amount is not whole öre', () => {
    expect(ProviderPaymentAnswer.safeParse({ paymentId: 'p', orderId: 'o', month: '2026-03', amountOre: 12.5, unpricedMinutes: 0 }).success).toBe(false);
  });

  it('takes a decision-change basis with its date, and no other free-text basis', () => {
    expect(PaymentBasis.safeParse('decision-change:2026-04-01').success).toBe(true);
    expect(PaymentBasis.safeParse('goodwill').success).toBe(false);
  });

  it('knows the task a failed command raises', () => {
    expect(TaskKind.parse('command-failed')).toBe('command-failed');
  });

  it('closes tasks only with a reason', () => {
    expect(CloseTasksRequest.safeParse({ applicationId: 'a' }).success).toBe(false);
  });

  it("reads a service's refusal with its code, message and field issues", () => {
    expect(ServiceErrorBody.parse({ error: 'VALIDATION', message: 'bad', issues: [{ field: 'body.month', reason: 'expected YYYY-MM' }] }).issues).toHaveLength(1);
  });
});
