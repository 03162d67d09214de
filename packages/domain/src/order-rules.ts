/**
 * Pure rules about an order's life that no database is needed to decide. The orders service's use
 * cases apply them; roles are the token roles of `@kundval/contracts` (kept as strings here so the
 * domain depends on no contract package).
 */

/** Why an order ends: a switch, its decision changed or ended, a resident moved out, or one of several providers was left. */
export type OrderEndReason = 'switched' | 'decision-ended' | 'decision-changed' | 'moved-out' | 'left';

/**
 * Who may end an order for which reason. The journey (`system`) sends every one; the case handler
 * all but a move-out, which comes from the home's occupancy report through the journey; the citizen
 * may only leave one of several providers, on their own order.
 */
const END_REASONS: Readonly<Record<string, readonly OrderEndReason[]>> = {
  system: ['switched', 'decision-ended', 'decision-changed', 'moved-out', 'left'],
  'case-handler': ['switched', 'decision-ended', 'decision-changed', 'left'],
  citizen: ['left'],
};

/** Whether a caller in `role` may end an order for `reason` (see {@link END_REASONS}). */
export function mayEndOrder(role: string, reason: OrderEndReason): boolean {
  return Object.hasOwn(END_REASONS, role) && (END_REASONS[role] ?? []).includes(reason);
}

/**
 * A provider at capacity may refuse an order (DOMAIN.md §8): the customers (or places) it holds
 * besides this order's already reach the capacity it declared.
 */
export function isAtCapacity(heldBesidesThisOrder: number, declaredCapacity: number): boolean {
  return heldBesidesThisOrder >= declaredCapacity;
}

/** An authorization's status in a voucher area (DOMAIN.md §8). */
export type AuthorizationStatus = 'applied' | 'approved' | 'suspended' | 'revoked';
/** What the administrator decides about an authorization. */
export type AuthorizationDecision = 'approve' | 'suspend' | 'reinstate' | 'revoke';

/** The lifecycle (DOMAIN.md §8): applied → approved → (suspended ↔ approved) → revoked; an application may be turned down (revoked). */
const AUTHORIZATION_STEPS: Readonly<Record<AuthorizationDecision, { from: readonly AuthorizationStatus[]; to: AuthorizationStatus }>> = {
  approve: { from: ['applied'], to: 'approved' },
  suspend: { from: ['approved'], to: 'suspended' },
  reinstate: { from: ['suspended'], to: 'approved' },
  revoke: { from: ['applied', 'approved', 'suspended'], to: 'revoked' },
};

/** The status `decision` moves an authorization in `from` to, or null when the lifecycle has no such step. */
export function authorizationStep(from: AuthorizationStatus, decision: AuthorizationDecision): AuthorizationStatus | null {
  const step = AUTHORIZATION_STEPS[decision];
  return step.from.includes(from) ? step.to : null;
}
