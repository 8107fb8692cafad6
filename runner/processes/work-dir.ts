// The runner's temporary directory (load generator summaries while the runs last). It carries its
// owner's pid and start time, so a directory left by a runner that died without cleaning up (power
// cut, SIGKILL of runner and watcher together) is recognised and removed by the next run.
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guardDirectory, releaseDirectory } from './lifeline.ts';

const OWNER = '.owner';

/** "<pid> <start time in clock ticks after boot>"; the start time is empty off Linux. */
function ownerOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return `${pid} `;
  }
}

/** Whether the process that wrote `owner` still runs (the same process, not a reused pid). */
function ownerAlive(owner: string): boolean {
  const [pidText, start] = owner.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (process.platform === 'linux') {
    const now = ownerOf(pid).split(' ')[1];
    return now !== '' && (!start || now === start);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `<root>/<prefix>*` directories whose owner is gone; returns the ones removed. */
export async function sweepStaleWorkDirs(prefix: string, root = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(root, name);
    let owner: string;
    try {
      owner = await readFile(join(dir, OWNER), 'utf8');
    } catch {
      continue; // not marked (or not ours): left alone
    }
    if (ownerAlive(owner)) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    removed.push(dir);
  }
  return removed;
}

export interface WorkDir {
  path: string;
  remove(): Promise<void>;
}

/** A fresh `<tmp>/<prefix>XXXXXX`, marked with this process, removed by the lifeline if we die. */
export async function createWorkDir(prefix: string): Promise<WorkDir> {
  await sweepStaleWorkDirs(prefix);
  const path = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(path, OWNER), `${ownerOf(process.pid)}\n`);
  guardDirectory(path);
  return {
    path,
    remove: async () => {
      await rm(path, { recursive: true, force: true });
      releaseDirectory(path);
    },
  };
}
