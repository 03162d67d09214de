import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second for /proc's CPU times (USER_HZ, 100 on every common kernel build). */
const TICKS_PER_SECOND = 100;

type Stat = { pid: number; ppid: number; ticks: number };

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in brackets and may hold spaces: fields are counted after its closing one.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14–17 of proc(5); children's times once they are reaped.
    return { pid, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU milliseconds (user + system) that a process and all its living descendants have used so far,
 * from /proc: a database server's backends, a runuser wrapper's child. Undefined off Linux. The
 * difference of two readings is the CPU a stretch of work cost every process of that tree.
 */
export function processTreeCpuMs(rootPid: number): number | undefined {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return undefined;
  }
  const stats = pids.map(stat).filter((s): s is Stat => s !== undefined);
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const root = stats.find((s) => s.pid === rootPid);
  if (!root) return undefined;
  let ticks = 0;
  const queue = [root];
  while (queue.length > 0) {
    const s = queue.pop()!;
    ticks += s.ticks;
    queue.push(...(children.get(s.pid) ?? []));
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** The pid of the process whose command line holds every one of `parts` (a server found by its port), if one does. */
export function findProcess(parts: string[]): number | undefined {
  for (const dir of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const args = readFileSync(`/proc/${dir}/cmdline`, 'utf8').split('\0');
      if (parts.every((p) => args.includes(p))) return Number(dir);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
