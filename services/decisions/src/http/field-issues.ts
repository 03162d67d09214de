import { invalid, scrubIdentityNumbers, type AppError, type FieldIssue } from '@kundval/platform';

/** One refused field of a request: where (`body.level`) and why. */
export type { FieldIssue };

/**
 * The refusal of a request whose fields pass their schemas but break a rule that needs data (the
 * voucher area's definition, the decision's current terms): answered like a schema failure, 400
 * `VALIDATION` with every field, each put under `prefix` (`level` → `body.level`). A refusal the
 * platform's error handler answers and an Idempotency-Key keeps, like every definite 400.
 */
export function invalidFields(issues: readonly FieldIssue[], prefix = 'body'): AppError {
  const placed = issues.map((i) => ({ field: `${prefix}.${i.field}`, reason: i.reason }));
  return invalid('VALIDATION', `Invalid request: ${placed.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, { issues: placed });
}

/** True when free text carries something shaped like an identity number (DOMAIN.md §1: they stay in `customers`). */
export function carriesIdentityNumber(text: string): boolean {
  return scrubIdentityNumbers(text) !== text;
}
