// runScript, the programmatic entry, in a plain Node process that must exit on its own afterwards.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMock } from '../mock/server.ts';
import { PROBE, ROOT, tempDir } from './test-helpers.ts';

const run = promisify(execFile);
let mock: RunningMock;
const tmp = tempDir();

beforeAll(async () => {
  mock = await startMockServer({ port: 0, latencyMs: 0, itlMs: 0, tokens: 3 });
});
afterAll(async () => {
  await mock.close();
  tmp.cleanup();
});

async function runScriptInChild(options: unknown, abortAfterMs?: number) {
  const args = ['--import', 'tsx', join(ROOT, 'engine/testdata/run-script.ts'), PROBE, JSON.stringify(options), ...(abortAfterMs ? [String(abortAfterMs)] : [])];
  // The 20 s timeout also proves the process exits by itself once runScript resolved.
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 20_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { exitCode: number; iterations: number | null; stdout: string };
}

describe('runScript', () => {
  it('resolves with the exit code and the summary data, leaving nothing running', async () => {
    const out = join(tmp.dir, 'in-process.json');
    const result = await runScriptInChild({ env: { TARGET: mock.url, OUT: out, OPTIONS: JSON.stringify({ vus: 2 }) }, iterations: 5, quiet: true });
    expect(result).toEqual({ exitCode: 0, iterations: 5, stdout: 'summary handled\n' });
    expect(JSON.parse(readFileSync(out, 'utf8')).seen).toHaveLength(5);
  });

  it('stops like Ctrl-C when its signal aborts (exit 105, summary of what ran)', async () => {
    const out = join(tmp.dir, 'aborted.json');
    const options = { scenarios: { cv: { executor: 'constant-vus', vus: 2, duration: '60s' } } };
    const started = Date.now();
    const result = await runScriptInChild({ env: { TARGET: mock.url, OUT: out, OPTIONS: JSON.stringify(options), MODE: 'wait', WAIT_MS: '20' }, quiet: true }, 1500);
    expect(result.exitCode).toBe(105);
    expect(result.iterations).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
