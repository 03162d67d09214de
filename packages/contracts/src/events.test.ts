import { describe, expect, it } from 'vitest';
import { eventCatalog, parseEvent, eventNameOf } from './events.js';

const envelope = (subject: string, payload: unknown) => ({
  eventId: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
  subject,
  occurredAt: '2026-03-01T10:00:00+01:00',
  correlationId: null,
  payload,
});

describe('the event catalog', () => {
  it('names every subject in the kundval.<context>.<entity>.<verb>.v<major> shape, each once', () => {
    const subjects = Object.values(eventCatalog).map((e) => e.subject);
    for (const s of subjects) expect(s).toMatch(/^kundval\.[a-z]+\.[a-z-]+\.[a-z-]+\.v\d+$/);
    expect(new Set(subjects).size).toBe(subjects.length);
  });

  it('parses a valid event into its catalog name and typed payload', () => {
    const result = parseEvent(
      envelope(eventCatalog.orderAccepted.subject, { orderId: 'o1', applicationId: 'a1', customerId: 'c1', providerId: 'p1' }),
    );
    expect(result).toMatchObject({ ok: true, event: { name: 'orderAccepted', payload: { orderId: 'o1' } } });
  });

  it('refuses an event whose payload breaks its schema, naming the field', () => {
    const result = parseEvent(envelope(eventCatalog.orderAccepted.subject, { orderId: 'o1' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('applicationId');
  });

  it('announces sessions on a subject of their own, refusing a report without sessions', () => {
    expect(eventCatalog.sessionsReported.subject).toBe('kundval.billing.sessions.reported.v1');
    const payload = { orderId: 'o1', applicationId: 'a1', customerId: 'c1', providerId: 'p1', areaId: 'family-counselling', sessions: [{ sessionId: 's1', externalId: 'fr-1', date: '2026-10-06' }] };
    expect(parseEvent(envelope(eventCatalog.sessionsReported.subject, payload))).toMatchObject({ ok: true, event: { name: 'sessionsReported', payload } });
    const empty = parseEvent(envelope(eventCatalog.sessionsReported.subject, { ...payload, sessions: [] }));
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.reason).toContain('sessions');
  });

  it('refuses an unknown subject and a broken envelope', () => {
    expect(parseEvent(envelope('kundval.nope.thing.happened.v1', {})).ok).toBe(false);
    expect(parseEvent({ subject: 'x' }).ok).toBe(false);
    expect(eventNameOf('kundval.nope')).toBeUndefined();
  });
});
