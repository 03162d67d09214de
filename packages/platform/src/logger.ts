import { scrubIdentityNumbers } from '@kundval/contracts';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { activeTraceIds } from './tracing.js';

/** Replaces every identity number in a text with a marker (the rule lives with the contracts). */
export { scrubIdentityNumbers };

/** Field names whose value is an identity number wherever they appear in a logged object. */
const REDACTED_PATHS = [
  'personnummer',
  'identityNumber',
  '*.personnummer',
  '*.identityNumber',
  '*.*.personnummer',
  '*.*.identityNumber',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * The platform's logger: pino, JSON lines, identity numbers redacted by field name and scrubbed
 * from every message and string field, so a careless `log.info(body)` cannot leak one. A line
 * written inside a trace carries its `trace_id` and `span_id` (ADR 0038), unless the logger is a
 * request's, which is bound to its request's trace already (http.ts).
 *
 * Lines go to stdout buffered and asynchronously (ADR 0048): a write per line was two system calls
 * per request and a tenth of the visit report's CPU. They are written in blocks of 4 KiB, or 200 ms
 * after the last write at the latest; pino flushes what is left synchronously when the process
 * exits (an uncaught error included), so only a SIGKILL can lose the last 200 ms of lines.
 */
export function createLogger(name: string, options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const config: LoggerOptions = {
    name,
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: (_object, _level, logger) => (boundToTrace(logger) ? {} : (activeTraceIds() ?? {})),
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => scrubValue(arg, 0)) as typeof args;
        method.apply(this, scrubbed);
      },
    },
    ...options,
  };
  return pino(config, destination ?? pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS }));
}

/** Lines are written to stdout in blocks of about this many bytes (a dozen request lines)… */
const LOG_BUFFER_BYTES = 4096;
/** …or after this long at the latest, so a quiet service's lines are not held back. */
const LOG_FLUSH_MS = 200;

/** Whether a (child) logger carries a trace id among its bindings; read from pino's serialised bindings, not parsed per line. */
function boundToTrace(logger: Logger): boolean {
  const bindings = (logger as unknown as Record<symbol, unknown>)[pino.symbols.chindingsSym];
  return typeof bindings === 'string' && bindings.includes('"trace_id":');
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubIdentityNumbers(value);
  if (depth > 4 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  // Only plain objects are copied: requests, responses and errors have their own serializers.
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, depth + 1)]));
}

export type { Logger };
