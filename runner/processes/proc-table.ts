// A snapshot of every process on Linux from /proc/<pid>/stat: parent, CPU time and resident memory.
// One pass per sample serves every tree the runner watches (target, mock, load generator) and sees
// children that appear mid-run, without spawning `ps` every 250 ms on a machine under load.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcEntry {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** Start time after boot, in clock ticks: tells a reused pid from the old process. */
  start: number;
  rssBytes: number;
}

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 2000 }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

let units: { clockTicks: number; pageSize: number } | undefined;
/** USER_HZ and the page size, read once (100 and 4096 on practically every Linux). */
export function procUnits(): { clockTicks: number; pageSize: number } {
  units ??= { clockTicks: getconf('CLK_TCK', 100), pageSize: getconf('PAGESIZE', 4096) };
  return units;
}

/** Parses one /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseStat(text: string, pageSize: number): ProcEntry | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // Fields after "(comm)": state(3) ppid(4) ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24).
  const f = text.slice(close + 2).split(' ');
  if (f.length < 22 || f[0] === 'Z') return null;
  return {
    pid,
    ppid: Number(f[1]),
    ticks: Number(f[11]) + Number(f[12]),
    start: Number(f[19]),
    rssBytes: Number(f[21]) * pageSize,
  };
}

export function readProcTable(): Map<number, ProcEntry> {
  const { pageSize } = procUnits();
  const table = new Map<number, ProcEntry>();
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) > 57) continue; // not a pid
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited between readdir and read
    }
    const entry = parseStat(text, pageSize);
    if (entry) table.set(entry.pid, entry);
  }
  return table;
}

/** `root` and all its descendants present in `table` (empty when root is gone). */
export function treeOf(table: Map<number, ProcEntry>, root: number): number[] {
  if (!table.has(root)) return [];
  const children = new Map<number, number[]>();
  for (const entry of table.values()) {
    const list = children.get(entry.ppid);
    if (list) list.push(entry.pid);
    else children.set(entry.ppid, [entry.pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    for (const child of children.get(pid) ?? []) stack.push(child);
  }
  return out;
}

/** Machine-wide CPU time from the first line of /proc/stat, in clock ticks (steal counts as busy). */
export function readMachineCpu(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + (steal || 0);
    return { busy, total: busy + idle + iowait };
  } catch {
    return null;
  }
}
