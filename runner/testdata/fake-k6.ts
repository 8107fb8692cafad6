// Test helper: a scratch folder with the fake k6 (testdata/fake-k6) reachable as `k6` on a PATH
// of its own, a record folder, an empty HOME/XDG config (no real k6 login leaks in) and a work dir.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findK6 } from '../engines/engine-select.ts';

export const FAKE_K6 = fileURLToPath(new URL('./fake-k6', import.meta.url));

/** A real k6 found in K6_BIN or PATH (not the stand-in), for tests that need one; null when absent. */
export function realK6(): string | null {
  try {
    const found = findK6(process.env);
    return found && realpathSync(found) !== realpathSync(FAKE_K6) ? found : null;
  } catch {
    return null;
  }
}

export const SUMMARY_FIXTURES = fileURLToPath(new URL('./summaries', import.meta.url));

export interface FakeK6 {
  root: string;
  /** Folder holding the `k6` symlink. */
  binDir: string;
  bin: string;
  record: string;
  work: string;
  /** PATH with the fake k6 and node, HOME and XDG_CONFIG_HOME inside root, FAKE_K6_RECORD set. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Same, but no k6 anywhere on PATH. */
  envWithoutK6(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  calls(): { argv: string[]; cwd: string }[];
  envRecords(): { env: Record<string, string> }[];
  /** Raw text of the argv record (for leak checks). */
  argvText(): string;
  cleanup(): void;
}

export function makeFakeK6(): FakeK6 {
  const root = mkdtempSync(join(tmpdir(), 'llmux-fake-k6-'));
  const binDir = join(root, 'bin');
  const record = join(root, 'record');
  const work = join(root, 'work');
  for (const dir of [binDir, record, work, join(root, 'home'), join(root, 'config')]) mkdirSync(dir, { recursive: true });
  const bin = join(binDir, 'k6');
  symlinkSync(FAKE_K6, bin);
  const base = (path: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    PATH: path,
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'config'),
    FAKE_K6_RECORD: record,
    ...extra,
  });
  // Only node on PATH (via a symlink of its own), so a k6 installed in /usr/bin never interferes.
  const nodeDir = join(root, 'node-bin');
  mkdirSync(nodeDir);
  symlinkSync(process.execPath, join(nodeDir, 'node'));
  const readJsonl = <T>(file: string): T[] =>
    existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as T) : [];
  return {
    root,
    binDir,
    bin,
    record,
    work,
    env: (extra = {}) => base(`${binDir}:${nodeDir}`, extra),
    envWithoutK6: (extra = {}) => base(nodeDir, extra),
    calls: () => readJsonl(join(record, 'argv.jsonl')),
    envRecords: () => readJsonl(join(record, 'env.jsonl')),
    argvText: () => (existsSync(join(record, 'argv.jsonl')) ? readFileSync(join(record, 'argv.jsonl'), 'utf8') : ''),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
