/**
 * Öre as kronor with exactly two decimals and a leading minus for credits, the amount notation of
 * both the payment file and SIE. Integer arithmetic only: a float would turn 0.29 into 0.28999….
 */
export function formatOre(ore: number): string {
  if (!Number.isSafeInteger(ore)) throw new RangeError(`${ore} is not a whole number of öre`);
  const abs = Math.abs(ore);
  return `${ore < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The inverse of `formatOre`, for amounts read back from a file: `-1234.5` → -123450. */
export function parseOre(kronor: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(kronor);
  if (!match) throw new RangeError(`${kronor} is not an amount in kronor with at most two decimals`);
  const [, sign, whole, fraction = ''] = match;
  const ore = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return sign === '-' && ore !== 0 ? -ore : ore;
}
