import { describe, expect, it } from 'vitest';
import { authorizationStep, isAtCapacity, mayEndOrder, type OrderEndReason } from './order-rules.js';

const ALL: OrderEndReason[] = ['switched', 'decision-ended', 'decision-changed', 'moved-out', 'left'];

describe('who may end an order for which reason', () => {
  it('lets the journey end an order for every reason', () => {
    expect(ALL.filter((r) => mayEndOrder('system', r))).toEqual(ALL);
  });
  it('lets the case handler end one for every reason but a move-out, which comes from the home through the journey', () => {
    expect(ALL.filter((r) => mayEndOrder('case-handler', r))).toEqual(['switched', 'decision-ended', 'decision-changed', 'left']);
  });
  it('lets the citizen only leave one of several providers', () => {
    expect(ALL.filter((r) => mayEndOrder('citizen', r))).toEqual(['left']);
  });
  it('lets a provider, finance, an operator or an unknown role end nothing, not even through an inherited property name', () => {
    for (const role of ['provider', 'finance', 'operator', 'constructor', 'toString']) expect(ALL.filter((r) => mayEndOrder(role, r))).toEqual([]);
  });
});

describe('a provider at capacity', () => {
  it('is at capacity when the customers it holds besides this order reach what it declared', () => {
    expect(isAtCapacity(10, 10)).toBe(true);
    expect(isAtCapacity(11, 10)).toBe(true);
  });
  it('is within capacity one customer below it', () => {
    expect(isAtCapacity(9, 10)).toBe(false);
  });
});

describe("an authorization's lifecycle", () => {
  const statuses = ['applied', 'approved', 'suspended', 'revoked'] as const;
  const table = (decision: Parameters<typeof authorizationStep>[1]) => Object.fromEntries(statuses.map((s) => [s, authorizationStep(s, decision)]));
  it('approves only an application', () => {
    expect(table('approve')).toEqual({ applied: 'approved', approved: null, suspended: null, revoked: null });
  });
  it('suspends only an approved authorization and reinstates only a suspended one', () => {
    expect(table('suspend')).toEqual({ applied: null, approved: 'suspended', suspended: null, revoked: null });
    expect(table('reinstate')).toEqual({ applied: null, approved: null, suspended: 'approved', revoked: null });
  });
  it('revokes anything not revoked already, an application included (turned down)', () => {
    expect(table('revoke')).toEqual({ applied: 'revoked', approved: 'revoked', suspended: 'revoked', revoked: null });
  });
});
