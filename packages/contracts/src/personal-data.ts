import { z } from 'zod';

/**
 * Personal identity numbers may be stored by the decisions service alone (DOMAIN.md §1); everything
 * else carries a pseudonymous customer id. Free text that people type — a provider's refusal
 * explanation, a case handler's reason, a task's text — may still hold one, and such text leaves
 * its service in events, in journey histories and in logs. It is masked where it enters.
 */

/** The text put in place of each identity number found in free text. */
export const MASKED_IDENTITY_NUMBER = '[identity-number]';

// Any 10- or 12-digit run shaped like a personnummer or samordningsnummer (day + 60): a plausible
// month and day, an optional separator (-, + or a space) before the last four digits. The check
// digit is not required: a mistyped number is as personal as a correct one.
const IDENTITY_NUMBER_SHAPE = /(?<!\d)(?:\d{2})?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])[-+ ]?\d{4}(?!\d)/g;

/**
 * `text` with every identity number in it replaced by {@link MASKED_IDENTITY_NUMBER}: the one rule for
 * free text, events and log lines alike (the platform's logger uses it too).
 */
export function scrubIdentityNumbers(text: string): string {
  // The platform's own ids are UUIDs, whose groups can be all digits shaped like a number
  // (`…-652603099260`, `19121212-1212-…`): digits inside a UUID are never masked.
  const uuids = [...text.matchAll(UUID)].map((m) => [m.index, m.index + m[0].length] as const);
  return text.replace(IDENTITY_NUMBER_SHAPE, (found, at: number) =>
    uuids.some(([start, end]) => at >= start && at < end) ? found : MASKED_IDENTITY_NUMBER,
  );
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * Free text as it may cross a boundary: trimmed, bounded, and with identity numbers masked. Use it
 * for every free-text field of a request body that is stored or published.
 */
export const FreeText = (max: number) => z.string().trim().min(1).max(max).overwrite(scrubIdentityNumbers);
