import { join } from 'node:path';
import { findRepoRoot } from '@kundval/infra';

/** Where `npm start` keeps its data, and the file through which `npm run demo` finds the running platform. */
export const LOCAL_DATA_DIR = join(findRepoRoot(), '.data', 'local');
export const PLATFORM_FILE = join(LOCAL_DATA_DIR, 'platform.json');

/** How long a customer has to choose locally before the default provider is assigned: short, so the demo shows it. Production: 14 days. */
export const LOCAL_CHOICE_DEADLINE_MS = 30_000;
