import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { affinityOf, cpuCount, describePinning, embeddedWorkers, loadgenCores, pinPids, planPinning, tasksetPath } from './pinning.ts';
import { killTree } from '../processes/process-tree.ts';

describe('planPinning', () => {
  it('gives the target cores of its own (half of them from 4), the mock one, the load generator the rest', () => {
    expect(planPinning(1)).toBeNull();
    expect(planPinning(2)).toEqual({ target: '0', mock: '1', loadgen: '1' });
    expect(planPinning(3)).toEqual({ target: '0', mock: '1', loadgen: '2' });
    expect(planPinning(4)).toEqual({ target: '0-1', mock: '2', loadgen: '3' });
    expect(planPinning(8)).toEqual({ target: '0-3', mock: '4', loadgen: '5-7' });
    expect(describePinning(planPinning(8)!)).toBe('target:0-3 mock:4 loadgen:5-7');
  });
});

const taskset = tasksetPath();
describe('load generator cores', () => {
  it('counts the CPUs of a taskset list', () => {
    expect([cpuCount('1'), cpuCount('2-7'), cpuCount('0,2-3'), cpuCount('')]).toEqual([1, 6, 3, 0]);
  });
  it('k6 gets the cores it is pinned to, not the whole machine; the embedded engine one per worker thread', () => {
    expect(loadgenCores({ kind: 'k6' }, 8, planPinning(8))).toBe(3);
    expect(loadgenCores({ kind: 'k6' }, 2, planPinning(2))).toBe(1);
    expect(loadgenCores({ kind: 'k6' }, 8, null)).toBe(8);
    expect(loadgenCores({ kind: 'embedded' }, 8, planPinning(8))).toBe(1);
    expect(loadgenCores({ kind: 'embedded', workers: 3 }, 8, planPinning(8))).toBe(3);
  });
  it('gives the embedded engine a worker thread per core the load generator has alone', () => {
    expect(embeddedWorkers(planPinning(2))).toBe(1); // shares its core with the mock
    expect(embeddedWorkers(planPinning(3))).toBe(1);
    expect(embeddedWorkers(planPinning(8))).toBe(3);
    expect(embeddedWorkers(planPinning(16))).toBe(7);
    expect(embeddedWorkers(null)).toBe(1);
  });
});

describe.skipIf(!taskset || availableParallelism() < 2)('pinPids', () => {
  it('pins a running process and puts it back as found', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const original = await affinityOf(taskset!, child.pid!);
      expect(original).not.toBeNull();
      const restore = await pinPids(taskset!, [child.pid!], '1');
      expect(await affinityOf(taskset!, child.pid!)).toBe('1');
      await restore();
      expect(await affinityOf(taskset!, child.pid!)).toBe(original);
    } finally {
      await killTree(child.pid!, { graceMs: 500 });
    }
  });
});
