// --output is checked before anything starts: a directory that cannot take the result files would
// otherwise be found out after the whole benchmark ran, and the measurements lost with it.
import { randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BenchError } from './errors.ts';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'exists and is not a directory',
};

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e.code && REASONS[e.code]) ?? e.message;
}

/**
 * Creates the directory if needed and writes (then removes) a small file in it, as a result file
 * would be written. Throws a BenchError (exit 2) naming the flag and the reason.
 */
export async function checkOutputWritable(dir: string, flag = '--output'): Promise<string> {
  const path = resolve(dir);
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw new BenchError(`${flag} ${dir}: cannot create the directory (${reason(error)})`, 2);
  }
  const probe = join(path, `.llmux-write-check.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(probe, 'wx');
    try {
      // A few KB, as a result file: a full disk fails here, not after the run.
      await handle.writeFile(Buffer.alloc(8192, 32));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new BenchError(`${flag} ${dir}: cannot write result files there (${reason(error)})`, 2);
  } finally {
    await unlink(probe).catch(() => {});
  }
  return path;
}
