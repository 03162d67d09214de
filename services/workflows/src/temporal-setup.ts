import { isGrpcServiceError, type Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Logger } from '@kundval/platform';
import { SEARCH_ATTRIBUTE_TYPES } from './contracts.js';

/** gRPC's NOT_FOUND: the namespace does not exist (yet). */
const GRPC_NOT_FOUND = 5;
// The generated protobuf classes are a CommonJS module: its namespaces come off the default export.
const { google, temporal } = proto;
const DAY_SECONDS = 86_400;

/**
 * The project's own Temporal setup, run once per deployment before the workers and bridges start
 * (the cluster launcher runs it; so does the Helm chart's migrations job): registers the namespace
 * with its history retention and the journeys' search attributes. Each step is skipped when already
 * done, so running it again is harmless. A namespace just registered takes the server a few seconds
 * to see everywhere; this returns only once its search attributes are usable.
 */
export async function ensureTemporalNamespace(
  connection: Connection,
  options: { namespace: string; retentionDays: number; logger: Logger; timeoutMs?: number },
): Promise<{ registered: boolean; addedSearchAttributes: string[] }> {
  const { namespace, logger } = options;
  let registered = false;
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (!isGrpcServiceError(err) || err.code !== GRPC_NOT_FOUND) throw err;
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: google.protobuf.Duration.fromObject({ seconds: options.retentionDays * DAY_SECONDS }) });
    registered = true;
    logger.info({ namespace, retentionDays: options.retentionDays }, 'Temporal namespace registered');
  }

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let added: string[] = [];
  for (;;) {
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = Object.keys(SEARCH_ATTRIBUTE_TYPES).filter((name) => !(name in (customAttributes ?? {})));
      if (missing.length === 0) break;
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
      });
      added = missing;
      logger.info({ namespace, searchAttributes: missing }, 'Temporal search attributes added');
    } catch (err) {
      // A namespace registered a moment ago is unknown to the server's caches for a few seconds.
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return { registered, addedSearchAttributes: added };
}
