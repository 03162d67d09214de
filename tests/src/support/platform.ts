import { createWriteStream } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot, startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from '@kundval/infra';
import { SEARCH_ATTRIBUTE_TYPES } from '@kundval/workflows';
import type { Principal } from '@kundval/contracts';
import { loadDemoData, type Tokens } from '../driver/index.js';

/** How long a customer has to choose in the tests, so the default-provider path runs in seconds. */
export const TEST_CHOICE_DEADLINE_MS = 4_000;
/** The journey's other durations run at one second a day in the tests (reminders, escalations, care-plan deadlines). */
export const TEST_JOURNEY_TIME_SCALE = 86_400;

/**
 * People's tokens from the platform's identity provider: each principal is enrolled in its directory
 * and signs in through the console's client for the service a URL belongs to.
 */
export function identityTokens(platform: LocalPlatform): Tokens {
  const idp = platform.identity!.provider;
  const serviceOf = (url: string) => Object.entries(platform.urls).find(([, base]) => url.startsWith(base))![0];
  return async (principal: Principal, url: string) => {
    idp.enrol({ sub: principal.sub, role: principal.role, ...(principal.providerId ? { providerId: principal.providerId } : {}), ...(principal.customerId ? { customerId: principal.customerId } : {}) });
    return idp.personToken(principal.sub, serviceOf(url));
  };
}

/**
 * Starts the whole platform for one test file, with demo data loaded. Every process's output goes
 * to `.data/test-logs/<name>.log` (git-ignored) so a failure can be read after the fact.
 */
export async function startTestPlatform(name: string, options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const logDir = join(findRepoRoot(), '.data', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = createWriteStream(join(logDir, `${name}.log`), { flags: 'w' });
  const platform = await startLocalPlatform({
    searchAttributes: SEARCH_ATTRIBUTE_TYPES,
    logLevel: 'warn',
    log: (source, line) => logFile.write(`[${source}] ${line}\n`),
    ...options,
    env: { CHOICE_DEADLINE_MS: String(TEST_CHOICE_DEADLINE_MS), JOURNEY_TIME_SCALE: String(TEST_JOURNEY_TIME_SCALE), ...options.env },
  });
  await loadDemoData(platform.urls, platform.identity ? identityTokens(platform) : platform.auth);
  const stop = platform.stop;
  platform.stop = async () => {
    await stop();
    logFile.end();
  };
  return platform;
}
