/** Workflow code that reads a file: the bundle test proves the sandbox build refuses it. */
import { readFileSync } from 'node:fs';

export async function forbiddenWorkflow(): Promise<string> {
  return readFileSync('/etc/hostname', 'utf8');
}
