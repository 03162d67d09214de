/**
 * An expected refusal of a command, with a stable code (`ORDERS.OVER_CAPACITY`) that clients can
 * rely on. The HTTP layer maps `kind` to a status; domain code never names HTTP statuses.
 */
export class AppError extends Error {
  constructor(
    readonly kind: 'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'unprocessable' | 'unavailable',
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
/** A request that is well formed but cannot be honoured as sent (an Idempotency-Key reused for another request). */
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError('unprocessable', code, message, details);

/** One refused field of a request: where (`body.level`) and why. */
export type FieldIssue = { field: string; reason: string };

/** The HTTP status of each kind of refusal: the one place a domain refusal meets HTTP. */
export const REFUSAL_STATUS: Record<AppError['kind'], number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
};

/**
 * The answer to a refusal, as the error handler sends it and as an idempotency key stores it: a
 * stable code, the message, and the fields refused (`details.issues`, or the one `details.field`).
 */
export function refusalAnswer(err: AppError): { status: number; body: { error: string; message: string; issues?: FieldIssue[] } } {
  const listed = err.details?.['issues'];
  const issues = Array.isArray(listed)
    ? (listed as FieldIssue[])
    : err.details?.['field']
      ? [{ field: String(err.details['field']), reason: err.message }]
      : undefined;
  return { status: REFUSAL_STATUS[err.kind], body: { error: err.code, message: err.message, ...(issues ? { issues } : {}) } };
}

/** True when a database error is a unique-constraint violation (PostgreSQL SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
