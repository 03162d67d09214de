import type { FastifyInstance } from 'fastify';
import { scrubIdentityNumbers } from '@kundval/platform';

/** One refused field of a request: where (`body.level`) and why. */
export type FieldIssue = { field: string; reason: string };

/**
 * A request whose fields pass their schemas but break a rule that needs data (the voucher area's
 * definition, the decision's current terms). Answered like a schema failure: 400 with every field.
 */
export class InvalidFields extends Error {
  constructor(readonly issues: readonly FieldIssue[]) {
    super(`Invalid request: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`);
    this.name = 'InvalidFields';
  }
}

/** The refusal of `issues`, each field put under `prefix` (`level` → `body.level`). */
export function invalidFields(issues: readonly FieldIssue[], prefix = 'body'): InvalidFields {
  return new InvalidFields(issues.map((i) => ({ field: `${prefix}.${i.field}`, reason: i.reason })));
}

/**
 * Answers {@link InvalidFields} in a route group; everything else goes on to the platform's error
 * handler (a handler that throws hands the error to its parent's).
 */
export function answerInvalidFields(app: FastifyInstance): void {
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof InvalidFields) return reply.code(400).send({ error: 'VALIDATION', message: err.message, issues: err.issues });
    throw err;
  });
}

/** True when free text carries something shaped like an identity number (DOMAIN.md §1: they stay in `customers`). */
export function carriesIdentityNumber(text: string): boolean {
  return scrubIdentityNumbers(text) !== text;
}
