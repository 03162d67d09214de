import { startPostgres } from '@kundval/infra';
import { postgresGlobalSetup } from '../testing-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's PostgreSQL server; absent when KUNDVAL_TEST_ENGINES leaves PostgreSQL out. */
    postgresUrl?: string;
  }
}

/** One throwaway PostgreSQL server for the whole run; each suite makes a database of its own on it. */
export default postgresGlobalSetup(() => startPostgres());
