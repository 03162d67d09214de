/**
 * An expected refusal of a command, with a stable code (`ORDERS.OVER_CAPACITY`) that clients can
 * rely on. The HTTP layer maps `kind` to a status; domain code never names HTTP statuses.
 */
export class AppError extends Error {
  constructor(
    readonly kind: 'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'unavailable',
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (code: string, message: string) => new AppError('not-found', code, message);
export const forbidden = (message = 'You may not do this.') => new AppError('forbidden', 'AUTH.FORBIDDEN', message);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError('conflict', code, message, details);
export const invalid = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError('invalid', code, message, details);

/** True when a database error is a unique-constraint violation (PostgreSQL SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
