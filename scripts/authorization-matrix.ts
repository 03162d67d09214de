/**
 * Writes docs/authorization.md from the services' registered routes (method, path, roles, the scope a
 * machine needs). `npm run docs:authorization`; tests/src/security/authorization-matrix.test.ts
 * fails while the committed file differs from what this writes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findRepoRoot } from '@kundval/infra';
import { registeredRoutes, renderAuthorizationMatrix } from '@kundval/tests/security';

const rows = await registeredRoutes();
const file = join(findRepoRoot(), 'docs', 'authorization.md');
await writeFile(file, renderAuthorizationMatrix(rows));
console.log(`${file}: ${rows.length} routes`);
