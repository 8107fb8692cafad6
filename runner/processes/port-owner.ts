// Which process listens on a local TCP port (Linux): the LISTEN rows of /proc/net/tcp and tcp6 give
// the socket inodes, and /proc/<pid>/fd/* links ("socket:[inode]") give the processes holding them.
// Used to measure a target started outside the runner (`--target http://127.0.0.1:4000`).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readProcTable } from './proc-table.ts';

const LISTEN = '0A';

/** Socket inodes listening on `port` in a /proc/net/tcp{,6} table. */
export function listeningInodes(table: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10 || cols[3] !== LISTEN) continue;
    const localPort = parseInt(cols[1].slice(cols[1].lastIndexOf(':') + 1), 16);
    if (localPort === port && cols[9] !== '0') inodes.push(cols[9]);
  }
  return inodes;
}

/**
 * Pids at the top of the process trees that hold a socket listening on `port` (nginx's master
 * rather than each worker, since the workers share its socket). Empty when none is visible: not
 * Linux, nothing listens, or the process belongs to another user.
 */
export function findListeningPids(port: number): number[] {
  if (process.platform !== 'linux') return [];
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const inode of listeningInodes(readFileSync(file, 'utf8'), port)) inodes.add(inode);
    } catch {
      // No IPv6 table on this kernel.
    }
  }
  if (inodes.size === 0) return [];
  const wanted = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  const holders = new Set<number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${name}/fd/${fd}`))) {
          holders.add(Number(name));
          break;
        }
      } catch {
        // fd closed meanwhile
      }
    }
  }
  const table = readProcTable();
  return [...holders].filter((pid) => !holders.has(table.get(pid)?.ppid ?? -1)).sort((a, b) => a - b);
}
