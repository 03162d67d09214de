/**
 * Calendar arithmetic on `YYYY-MM-DD` dates and `YYYY-MM` months, safe in workflow code. Deadlines
 * computed from them are days apart, so a day's start is taken in UTC: the hour or two between UTC
 * and Stockholm midnight does not change which day a deadline falls on in any way that matters.
 */

/** The calendar months (YYYY-MM) that a period from `from` to `to` (inclusive dates) touches. */
export function monthsCovered(from: string, to: string): string[] {
  const months: string[] = [];
  let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const [endY, endM] = [Number(to.slice(0, 4)), Number(to.slice(5, 7))];
  while (y < endY || (y === endY && m <= endM)) {
    months.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m === 13) [y, m] = [y + 1, 1];
  }
  return months;
}

export const monthOf = (date: string) => date.slice(0, 7);

export function addDays(date: string, days: number): string {
  return new Date(startOfDayMs(date) + days * 86_400_000).toISOString().slice(0, 10);
}

export function lastDayOfMonth(month: string): string {
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

export function startOfDayMs(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}
