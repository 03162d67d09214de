import { Connection } from '@temporalio/client';
import { z } from 'zod';
import { createLogger, loadConfig } from '@kundval/platform';
import { ensureTemporalNamespace } from './temporal-setup.js';

/**
 * One-off setup of a deployment's Temporal namespace (ADR 0025): `node dist/setup.js`, run before
 * the bridge and the workers, by `npm run start:cluster` and by the Helm chart's migrations job.
 */
const SetupConfig = z.object({
  TEMPORAL_ADDRESS: z.string().min(1),
  TEMPORAL_NAMESPACE: z.string().regex(/^[a-z0-9-]+$/),
  /** Days a closed journey's history is kept in Temporal; 30 unless set. */
  TEMPORAL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
const config = loadConfig(SetupConfig);
const logger = createLogger('temporal-setup', { level: config.LOG_LEVEL });
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
try {
  const result = await ensureTemporalNamespace(connection, { namespace: config.TEMPORAL_NAMESPACE, retentionDays: config.TEMPORAL_RETENTION_DAYS, logger });
  logger.info({ namespace: config.TEMPORAL_NAMESPACE, ...result }, 'Temporal setup done');
} finally {
  await connection.close();
}
