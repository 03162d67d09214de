/**
 * Runs one component on its own until Ctrl-C, e.g. to poke at it by hand:
 *
 *   node infra/dist/cli.js temporal [--port 7233] [--ui-port 8233] [--data-dir .data/temporal] [--namespace kundval]
 *   node infra/dist/cli.js nats [--port 4222] [--monitor-port 8222] [--store-dir .data/nats]
 *   node infra/dist/cli.js postgres [--port 5432]
 *
 * Add `--verbose` to see the server's own output.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { startNatsServer } from './nats.js';
import { startPostgres } from './postgres.js';
import { startTemporalDevServer } from './temporal.js';

const USAGE = 'usage: node infra/dist/cli.js <temporal|nats|postgres> [--port N] [--ui-port N] [--monitor-port N] [--data-dir DIR] [--store-dir DIR] [--namespace NS] [--verbose]';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      'monitor-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'store-dir': { type: 'string' },
      namespace: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const port = (flag: string | undefined): number | undefined => (flag === undefined ? undefined : Number(flag));
  const log = values.verbose ? (line: string) => console.error(line) : undefined;
  const common = { ...(log ? { log } : {}) };

  switch (positionals[0]) {
    case 'temporal': {
      const server = await startTemporalDevServer({
        ...common,
        port: port(values.port),
        uiPort: port(values['ui-port']),
        dataDir: values['data-dir'],
        namespace: values.namespace,
      });
      console.log(`Temporal ${server.address} (namespace ${server.namespace}), UI ${server.uiUrl}`);
      break;
    }
    case 'nats': {
      const server = await startNatsServer({ ...common, port: port(values.port), monitorPort: port(values['monitor-port']), storeDir: values['store-dir'] });
      console.log(`NATS ${server.url}, monitoring ${server.monitorUrl}`);
      break;
    }
    case 'postgres': {
      const server = await startPostgres({ ...common, port: port(values.port) });
      console.log(`PostgreSQL ${server.url}`);
      break;
    }
    default:
      console.error(USAGE);
      process.exitCode = 2;
      return;
  }
  // The server keeps this process alive; Ctrl-C stops it cleanly (see the exit hooks in process.ts).
  console.log('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
