import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@kundval/contracts';
import { findRepoRoot, type LocalPlatform, type ServiceName } from '@kundval/infra';
import { issueToken } from '@kundval/platform';
import { startTestPlatform } from '../support/platform.js';

const run = promisify(execFile);

/**
 * API fuzzing with a real peer tool: schemathesis (PyPI, pinned in scripts/ensure-schemathesis.sh)
 * generates requests from each service's OpenAPI document and sends them with a valid token of the
 * role that may call most of that service's routes. Every answer must be below 500 and match the
 * schema the document gives for its status. The number of examples per operation is bounded so
 * that `npm test` stays minutes, not hours (SCHEMATHESIS_MAX_EXAMPLES raises it).
 */
const MAX_EXAMPLES = process.env['SCHEMATHESIS_MAX_EXAMPLES'] ?? '10';
const CALLERS: Record<ServiceName, { sub: string; role: Role }> = {
  decisions: { sub: 'fuzz-case-handler', role: 'case-handler' },
  orders: { sub: 'fuzz-administrator', role: 'administrator' },
  billing: { sub: 'fuzz-finance', role: 'finance' },
  workflows: { sub: 'fuzz-operator', role: 'operator' },
};

describe('schemathesis against every service’s OpenAPI document', () => {
  let platform: LocalPlatform;
  let st: string;
  beforeAll(async () => {
    const root = findRepoRoot();
    st = (await run('bash', [join(root, 'scripts', 'ensure-schemathesis.sh')], { cwd: root, maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
    platform = await startTestPlatform('schemathesis');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it.each(Object.keys(CALLERS) as ServiceName[])('%s answers no 5xx and only what its document says', async (service) => {
    const token = await issueToken(platform.auth, CALLERS[service]);
    const args = [
      '--no-color',
      'run',
      `${platform.urls[service]}/docs/json`,
      '--url',
      platform.urls[service],
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      'not_a_server_error,response_schema_conformance',
      '--max-examples',
      MAX_EXAMPLES,
      '--phases',
      'examples,fuzzing',
      '--seed',
      '20261207',
    ];
    const result = await run(st, args, { maxBuffer: 64 * 1024 * 1024, timeout: 600_000, env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    const summary = result.out.split('\n').filter((l) => /operations|test cases|failures|passed|failed|errors?\b/i.test(l)).slice(-8);
    console.log(`schemathesis ${service}:\n${summary.join('\n')}`);
    expect(result.code, result.out.slice(-20_000)).toBe(0);
  }, 900_000);
});
