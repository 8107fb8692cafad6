// The started proxy's own output (--target-cmd): stdout and stderr, line by line with secrets
// redacted, into `<output>/<name>_<stamp>.target.log`, named in the result as `target_log`, so a
// run full of 5xx can be read next to what the proxy said about them.
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sanitizeName } from '../reporter/write.ts';
import { fileStamp } from '../reporter/time.ts';
import type { GroupProcess } from './processes/process-tree.ts';

export interface TargetLog {
  path: string;
  /** Copies the process's stdout and stderr into the log. */
  attach(proc: GroupProcess): void;
  close(): Promise<void>;
}

/** Creates the log file (never over an existing one: `_2`, `_3`, ... as result files do). */
export function createTargetLog(outputDir: string, name: string, redact: (text: string) => string, now = new Date()): TargetLog {
  const base = `${sanitizeName(name)}_${fileStamp(now)}`;
  let path = '';
  let out: WriteStream | null = null;
  for (let n = 1; !out; n++) {
    path = join(outputDir, `${base}${n === 1 ? '' : `_${n}`}.target.log`);
    try {
      out = createWriteStream('', { fd: openSync(path, 'wx') });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n > 1000) throw error;
    }
  }
  const stream = out;
  return {
    path,
    attach(proc) {
      for (const source of [proc.child.stdout, proc.child.stderr]) {
        if (!source) continue;
        createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => {
          if (!stream.writableEnded) stream.write(`${redact(line)}\n`);
        });
      }
    },
    close: () => new Promise<void>((resolve) => stream.end(resolve)),
  };
}
