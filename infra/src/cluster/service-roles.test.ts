import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../postgres.js';
import { setupServiceRoles } from './service-roles.js';

describe('a role and a schema per service, on a PostgreSQL kept in a data folder', () => {
  it('lets a service use its own schema only, survives a restart on the same folder, and sets up again without change', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kundval-roles-'));
    try {
      const first = await startPostgres({ dataDir, database: 'kundval' });
      const urls = await setupServiceRoles(first, 'kundval');
      expect(urls.orders).toBe(`postgres://orders@127.0.0.1:${first.port}/kundval`);
      const asOrders = (sql: string) => first.psql(`SET ROLE orders; ${sql}`);
      await asOrders('CREATE TABLE orders.kept (x int); INSERT INTO orders.kept VALUES (7)');
      await expect(asOrders('CREATE TABLE billing.stolen (x int)')).rejects.toThrow(/permission denied for schema billing/);
      await expect(asOrders('CREATE SCHEMA other')).rejects.toThrow(/permission denied for database kundval/);
      await first.stop();

      const again = await startPostgres({ dataDir, database: 'kundval' });
      try {
        await setupServiceRoles(again, 'kundval');
        expect((await again.psql('SELECT x FROM orders.kept')).trim()).toBe('7');
        expect((await again.psql(`SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'billing'`)).trim()).toBe('billing');
      } finally {
        await again.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
