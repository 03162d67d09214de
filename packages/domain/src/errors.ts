import type { z } from 'zod';

/**
 * Every stable code a {@link DomainError} can carry. Codes are part of the public contract:
 * services map them to HTTP responses and operators search logs by them, so a code is never
 * renamed or reused for a different meaning.
 */
export const DOMAIN_ERROR_CODES = [
  'DOMAIN.INVALID_INPUT',
  'DOMAIN.INVALID_DATE',
  'DOMAIN.INVALID_MONTH',
  'DOMAIN.YEAR_OUT_OF_RANGE',
  'DOMAIN.IDENTITY_NUMBER_FORMAT',
  'DOMAIN.IDENTITY_NUMBER_CHECK_DIGIT',
  'DOMAIN.IDENTITY_NUMBER_DATE',
  'DOMAIN.IDENTITY_NUMBER_REFERENCE_DATE_REQUIRED',
  'DOMAIN.IDENTITY_NUMBER_BIRTH_AFTER_REFERENCE',
  'DOMAIN.INVALID_TIME_BAND_CONFIG',
  'DOMAIN.TIME_BAND_OVERLAP',
  'DOMAIN.INVALID_TIME_ZONE',
  'DOMAIN.INVALID_VISIT',
  'DOMAIN.VISIT_ENDS_BEFORE_START',
  'DOMAIN.VISIT_EMPTY',
  'DOMAIN.VISIT_NOT_WHOLE_MINUTES',
  'DOMAIN.VISIT_OVERLAP',
  'DOMAIN.DUPLICATE_VISIT_ID',
  'DOMAIN.INVALID_RATE_TABLE',
  'DOMAIN.RATE_TABLE_OVERLAP',
  'DOMAIN.RATE_TABLE_GAP',
  'DOMAIN.RATE_TABLE_DUPLICATE_RATE',
  'DOMAIN.RATE_TABLES_AMBIGUOUS',
  'DOMAIN.NO_RATE_TABLE',
  'DOMAIN.RATE_MISSING',
  'DOMAIN.PRICE_BASE_AMOUNT_UNKNOWN',
  'DOMAIN.INVALID_FEE_INPUT',
  'DOMAIN.OCR_INVALID_BASE',
  'DOMAIN.UNKNOWN_AREA',
  'DOMAIN.DUPLICATE_AREA',
  'DOMAIN.INVALID_AREA_DEFINITION',
  'DOMAIN.AREA_DELIVERY_UNIT_MISMATCH',
  'DOMAIN.UNKNOWN_LEVEL',
  'DOMAIN.LEVEL_MAPPING_INVALID',
  'DOMAIN.CARE_NEED_POINTS_OUT_OF_RANGE',
  'DOMAIN.INVALID_DELIVERY',
  'DOMAIN.DUPLICATE_DELIVERY_ID',
  'DOMAIN.DUPLICATE_DAY_DELIVERY',
  'DOMAIN.INVALID_PLACEMENT',
  'DOMAIN.PLACEMENT_ENDS_BEFORE_START',
  'DOMAIN.PLACEMENT_OVERLAP',
  'DOMAIN.AMOUNT_NOT_SAFE_INTEGER',
] as const;

/** A stable, machine-readable reason why the domain refused an input. */
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/**
 * An expected refusal of an input: malformed data, a configuration that would give a wrong
 * amount, an unknown area. Carries a stable {@link DomainErrorCode} and optional structured
 * details (which visit, which dates). Broken internal invariants throw a plain `Error` instead.
 *
 * @example
 * ```ts
 * try { registry.get('chiropody'); } catch (e) { if (isDomainError(e)) console.log(e.code); }
 * ```
 */
export class DomainError extends Error {
  /** The stable code; safe to branch on. */
  readonly code: DomainErrorCode;
  /** Structured context (ids, dates, validation issues); never contains personal data beyond what was passed in. */
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(code: DomainErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  /** A plain object for logs and HTTP problem bodies. */
  toJSON(): { name: string; code: DomainErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** True when `error` is a {@link DomainError} (also across bundles, by shape). */
export function isDomainError(error: unknown): error is DomainError {
  return (
    error instanceof DomainError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'DomainError' &&
      typeof (error as { code?: unknown }).code === 'string')
  );
}

/** The outcome of a rule that refuses some inputs as a value instead of throwing. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** Turns zod issues into a small serialisable list for {@link DomainError.details}. */
export function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** Parses `input` with `schema`, or throws a {@link DomainError} with `code` and the zod issues. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  code: DomainErrorCode,
  what: string,
  details?: Record<string, unknown>,
): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new DomainError(code, `Invalid ${what}.`, { ...details, issues: issuesOf(parsed.error) });
  }
  return parsed.data;
}
