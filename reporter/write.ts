// Result files: `<dir>/<name>_<YYYYMMDD_HHMMSS>.json`, the stamp in UTC from the run's start_time
// (the current time when the run has none). Written atomically (temp file + rename in the same
// directory) and never over an existing file: a taken name gets `_2`, `_3`, ...
import { randomBytes } from 'node:crypto';
import { access, link, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ResultSchema, type Result } from './schema.ts';
import { fileStamp } from './time.ts';

/** A name safe on every common file system: letters, digits, `.`, `-`, `_`; at most 100 chars. */
export function sanitizeName(name: string): string {
  const clean = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 100);
  return clean || 'benchmark';
}

export function resultFileBase(result: Pick<Result, 'name' | 'start_time'>, now: Date = new Date()): string {
  const start = result.start_time ? new Date(result.start_time) : now;
  return `${sanitizeName(result.name)}_${fileStamp(Number.isNaN(start.getTime()) ? now : start)}`;
}

/** Writes the result (validated) and returns the path written. */
export async function writeResultFile(result: Result, outputDir: string): Promise<string> {
  const valid = ResultSchema.parse(result);
  const base = resultFileBase(valid);
  return asOutputError(outputDir, async () => {
    await mkdir(outputDir, { recursive: true });
    return writeNew(outputDir, base, '.json', JSON.stringify(valid, null, 2) + '\n');
  });
}

/** A file or directory that cannot be written: one line naming the path and the reason. */
export class OutputError extends Error {
  override name = 'OutputError';
  constructor(readonly file: string, readonly code: string | undefined, reason: string) {
    super(`${file}: ${reason}`);
  }
}

const REASONS: Record<string, string> = {
  EEXIST: 'exists and is not a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ENOENT: 'no such directory',
};

/** File system errors of `fn` (mkdir, open, write, link) become an OutputError for `file`. */
async function asOutputError<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (typeof e.code !== 'string' || typeof e.syscall !== 'string') throw error;
    const reason = REASONS[e.code] ?? e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
    throw new OutputError(e.code === 'EEXIST' && e.path ? e.path : file, e.code, reason);
  }
}

/**
 * Writes `text` to `<dir>/<base><ext>` or the first free `<base>_<n><ext>`. The content goes to a
 * temp file in the same directory first, then takes its final name in one step.
 */
export async function writeNew(dir: string, base: string, ext: string, text: string): Promise<string> {
  const temp = await writeTemp(dir, base, text);
  try {
    for (let n = 1; n < 10_000; n++) {
      const target = path.join(dir, `${base}${n === 1 ? '' : `_${n}`}${ext}`);
      if (await claim(temp, target)) return target;
    }
    throw new Error(`no free file name for ${path.join(dir, base + ext)}`);
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Atomic write of `file` (temp file + rename in its directory). Without `force`, an existing file
 * is an error rather than silently replaced.
 */
export async function writeFileAtomic(file: string, text: string, force = false): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  await asOutputError(file, async () => {
    await mkdir(dir, { recursive: true });
    const temp = await writeTemp(dir, path.basename(file), text);
    try {
      if (force) await rename(temp, file);
      else if (!(await claim(temp, file))) throw new FileExistsError(file);
    } finally {
      await unlink(temp).catch(() => {});
    }
  });
}

export class FileExistsError extends Error {
  override name = 'FileExistsError';
  constructor(readonly file: string) {
    super(`${file} exists (use --force to replace it)`);
  }
}

async function writeTemp(dir: string, base: string, text: string): Promise<string> {
  const temp = path.join(dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    // A full disk or a failing device: no half-written temp file stays behind.
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  return temp;
}

/**
 * Gives the temp file the name `target` unless that name exists. link() fails on an existing name,
 * so two writers never replace each other; where hard links are unsupported, check then rename.
 */
async function claim(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
  }
  try {
    await access(target);
    return false;
  } catch {
    await rename(temp, target);
    return true;
  }
}
