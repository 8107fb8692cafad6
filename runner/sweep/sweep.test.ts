// `bench --sweep` on the command line: flags that fix the load are refused, naming them. The
// known-capacity check is in known-capacity.alone.test.ts (it needs the machine to itself).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newMark, runBench } from '../bench-test-helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-sweep-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench --sweep', () => {
  it('refuses flags that fix the load, naming them', async () => {
    for (const [args, message] of [
      [['--sweep', '--rate', '100'], /--rate does not apply with --sweep/],
      [['--sweep', '--scenario', 'concurrency'], /--sweep: the concurrency scenario ramps VUs/],
      [['--slo-p99', '200ms'], /--slo-p99 only applies with --sweep/],
      [['--sweep', '--slo-errors', '120%'], /--slo-errors: expected an error rate like 1% or 0\.01/],
      [['--sweep', '--start-rate', '500', '--max-rate', '100'], /--start-rate 500 is above --max-rate 100/],
    ] as const) {
      const run = await runBench([...args, '--output', join(dir, 'never')], newMark());
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });
});
