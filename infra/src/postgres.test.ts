import { describe, expect, it } from 'vitest';
import { startPostgres } from './postgres.js';
import { canConnect, runCommand } from './process.js';
import { findPostgresBinDir } from './tools.js';
import { join } from 'node:path';

describe('startPostgres', () => {
  it('starts a throwaway cluster with the kundval database, then stops it', async () => {
    const postgres = await startPostgres();
    const url = new URL(postgres.url);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toBe('/kundval');

    const psql = join(findPostgresBinDir(), 'psql');
    const result = await runCommand(psql, [postgres.url, '-tA', '-c', 'select 1']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('1');
    const database = await runCommand(psql, [postgres.url, '-tA', '-c', 'select current_database()']);
    expect(database.stdout.trim()).toBe('kundval');

    await postgres.stop();
    await postgres.stop(); // idempotent
    expect(await canConnect('127.0.0.1', Number(url.port))).toBe(false);
  });
});
