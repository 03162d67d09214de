import { accessSync, constants, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Go-built tools that `scripts/ensure-tools.sh` installs into `.tools/bin`; the cluster
 * topology's (ADR 0025) only with `ensure-tools.sh cluster`.
 */
export type ToolName = 'temporal' | 'nats-server' | ClusterToolName;
export type ClusterToolName = 'temporal-server' | 'temporal-sql-tool' | 'temporal-ui-server' | 'helm';
const CLUSTER_TOOLS: readonly string[] = ['temporal-server', 'temporal-sql-tool', 'temporal-ui-server', 'helm'] satisfies ClusterToolName[];
/** The Temporal server release the cluster tools are pinned to; its schema files are copied beside them. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

const INSTALL_HINT = 'run `bash scripts/ensure-tools.sh` from the repository root';

/**
 * The monorepo root: the nearest folder at or above `from` that holds `turbo.json`.
 * Defaults to this file's folder, so it works from `src/` (tests) and `dist/` (built code) alike.
 */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'turbo.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No turbo.json found at or above ${from}; set KUNDVAL_TOOLS_DIR to the tools folder.`);
    dir = parent;
  }
}

/** The folder whose `bin/` holds the pinned binaries: `$KUNDVAL_TOOLS_DIR`, else `<repo>/.tools`. */
export function toolsDir(): string {
  return process.env['KUNDVAL_TOOLS_DIR'] || join(findRepoRoot(), '.tools');
}

/**
 * Absolute path of `temporal` or `nats-server`: the pinned copy in `.tools/bin` first, then PATH.
 * Throws an error telling how to install it when neither has it.
 */
export function resolveTool(name: ToolName): string {
  const cached = join(toolsDir(), 'bin', name);
  if (isExecutable(cached)) return cached;
  const onPath = findOnPath(name);
  if (onPath) return onPath;
  const hint = CLUSTER_TOOLS.includes(name) ? INSTALL_HINT.replace('ensure-tools.sh', 'ensure-tools.sh cluster') : INSTALL_HINT;
  throw new Error(`${name} is not installed (looked in ${dirname(cached)} and PATH): ${hint}.`);
}

/** The Temporal server's PostgreSQL schema folder (`v12/temporal/versioned`, `v12/visibility/versioned`), as ensure-tools copies it. */
export function temporalPostgresSchemaDir(): string {
  const dir = join(toolsDir(), 'share', `temporal-server-${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql');
  if (!existsSync(join(dir, 'v12', 'temporal', 'versioned'))) throw new Error(`The Temporal schema files are missing from ${dir}: run \`bash scripts/ensure-tools.sh cluster\` from the repository root.`);
  return dir;
}

/**
 * The folder holding PostgreSQL's server binaries (initdb, postgres, pg_isready, psql).
 * Debian keeps them in /usr/lib/postgresql/<major>/bin and only links some into PATH, so a hit on
 * PATH is followed to its real folder, where the siblings live.
 */
export function findPostgresBinDir(): string {
  const initdb = findOnPath('initdb');
  if (initdb && findOnPath('postgres')) {
    const dir = dirname(realpathSync(initdb));
    if (isExecutable(join(dir, 'postgres'))) return dir;
  }
  const debianRoot = '/usr/lib/postgresql';
  const majors = existsSync(debianRoot)
    ? readdirSync(debianRoot).filter((entry) => /^\d+$/.test(entry)).sort((a, b) => Number(b) - Number(a))
    : [];
  for (const major of majors) {
    const dir = join(debianRoot, major, 'bin');
    if (isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres'))) return dir;
  }
  throw new Error(`PostgreSQL (initdb, postgres) is not installed: ${INSTALL_HINT}.`);
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
