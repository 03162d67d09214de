import { describe, expect, it } from 'vitest';
import { onBehalfOfFrom } from './auth.js';

describe('the person the worker carries (ADR 0022)', () => {
  it('is named by their token subject, as a direct call records them, with their role and scope ids', () => {
    expect(onBehalfOfFrom({ sub: 'operator-7', role: 'operator' })).toEqual({ sub: 'operator-7', role: 'operator' });
    expect(onBehalfOfFrom({ sub: 'citizen-c-1', role: 'citizen', customerId: 'c-1', municipality: 'nacka' })).toEqual({ sub: 'citizen-c-1', role: 'citizen', customerId: 'c-1' });
  });

  it('names a citizen whose subject is an identity number by the pseudonymous customer id, so no identity number enters the history', () => {
    expect(onBehalfOfFrom({ sub: '19121212-1212', role: 'citizen', customerId: 'c-1' })).toEqual({ sub: 'citizen:c-1', role: 'citizen', customerId: 'c-1' });
  });

  it('has no person to carry for the system itself', () => {
    expect(() => onBehalfOfFrom({ sub: 'journey-worker', role: 'system' })).toThrow(/no person/);
  });
});
