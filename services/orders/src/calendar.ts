/** Where the service reads the time: the real clock in production, a fixed one in tests. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

const STOCKHOLM = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * The calendar date in Europe/Stockholm at an instant: deadlines (care plan, offer answers) and
 * "tomorrow" for a switch are the municipality's local days, not UTC days.
 */
export function stockholmDate(at: Date): string {
  const parts = Object.fromEntries(STOCKHOLM.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']}`;
}
