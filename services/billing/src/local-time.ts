/**
 * Calendar position of an instant in Europe/Stockholm, where visits are billed (DOMAIN.md §2: time
 * bands and months are local). Uses the runtime's time-zone database through Intl.
 */
const formatter = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' });

/** `YYYY-MM` (or `YYYY-MM-DD` with 'day') of the instant in Stockholm. */
export function localMonthOf(instant: string | Date, precision: 'month' | 'day' = 'month'): string {
  const date = formatter.format(typeof instant === 'string' ? new Date(instant) : instant);
  return precision === 'day' ? date : date.slice(0, 7);
}
