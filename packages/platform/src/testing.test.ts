import { describe, expect, it } from 'vitest';
import { authorizationCases } from './testing.js';

const outcomes = (route: Parameters<typeof authorizationCases>[0][number]) =>
  authorizationCases([route]).map((c) => `${c.role ?? 'anonymous'}/${c.owner}: ${c.expected === 'allowed' ? 'allowed' : c.status}`);

describe('authorizationCases', () => {
  it('answers a role whose scope hides another\'s record 404 for another\'s record and for a token without the id claim', () => {
    expect(outcomes({ route: 'GET /orders/:orderId', roles: ['provider', 'operator'], hidesOthers: ['provider'] })).toEqual([
      'anonymous/none: 401',
      'citizen/own: 403',
      'case-handler/own: 403',
      'provider/own: allowed',
      'provider/other: 404',
      'provider/none: 404',
      'finance/own: 403',
      'operator/own: allowed',
      'administrator/own: 403',
      'system/own: 403',
    ]);
  });

  it('refuses an own-only role 403 on another\'s record, and lets a role that lists its own see an empty list of another\'s', () => {
    const own = outcomes({ route: 'GET /providers/:providerId/payments', roles: ['provider'], ownOnly: ['provider'] });
    expect(own.filter((o) => o.startsWith('provider/'))).toEqual(['provider/own: allowed', 'provider/other: 403', 'provider/none: 403']);
    const lists = outcomes({ route: 'GET /orders', roles: ['provider'], listsOwn: ['provider'] });
    expect(lists.filter((o) => o.startsWith('provider/'))).toEqual(['provider/own: allowed', 'provider/other: allowed', 'provider/none: 403']);
  });

  it('throws on a row that holds a role to its own records the route does not allow, or in two ways', () => {
    expect(() => authorizationCases([{ route: 'GET /x', roles: ['finance'], hidesOthers: ['citizen'] }])).toThrow('citizen is held to its own records but not among');
    expect(() => authorizationCases([{ route: 'GET /x', roles: ['citizen'], ownOnly: ['citizen'], hidesOthers: ['citizen'] }])).toThrow('more than one way');
  });
});
