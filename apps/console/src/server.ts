import { createLogger, loadConfig } from '@kundval/platform';
import { buildConsole } from './app.js';
import { ConsoleConfig } from './config.js';

/** The console process: listens, and closes gracefully on SIGINT/SIGTERM. */
const config = loadConfig(ConsoleConfig);
const logger = createLogger('console', { level: config.LOG_LEVEL });
const app = await buildConsole(config, logger);
await app.listen({ host: config.HOST, port: config.PORT });
logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'console listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
