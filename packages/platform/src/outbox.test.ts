import { describe, expect, it } from 'vitest';
import { auditRow } from './outbox.js';

/** The audit row's columns, as `audit()` inserts them and as a statement that writes the row with its change takes them (ADR 0054). */
describe('auditRow', () => {
  it('names the actor and its role, the change as JSON text, and no agent for a direct change', () => {
    expect(auditRow({ sub: 'provider-user', role: 'provider' }, { action: 'visits.reported', entity: 'order', entityId: 'o-1', after: [{ externalId: 'v-1' }], correlationId: 'c-1' })).toEqual({
      actor: 'provider-user',
      actor_role: 'provider',
      action: 'visits.reported',
      entity: 'order',
      entity_id: 'o-1',
      before: null,
      after: '[{"externalId":"v-1"}]',
      correlation_id: 'c-1',
    });
  });

  it('names the person as actor and the principal as agent for a change on their behalf, and keeps a before', () => {
    const row = auditRow({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: 'citizen-1', role: 'citizen' } }, { action: 'month.approved', entity: 'order', entityId: 'o-2', before: { status: 'reported' } });
    expect(row).toEqual({ actor: 'citizen-1', actor_role: 'citizen', agent: 'journey-worker', action: 'month.approved', entity: 'order', entity_id: 'o-2', before: '{"status":"reported"}', after: null, correlation_id: null });
  });
});
