import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { findListeningPids, listeningInodes } from './port-owner.ts';
import { descendants, isAlive, killTree, spawnGroup, type GroupProcess } from './process-tree.ts';
import { parseStat, readProcTable, treeOf } from './proc-table.ts';
import { ResourceSampler, summarise } from '../sampling/sampler.ts';

const started: GroupProcess[] = [];
afterEach(async () => {
  for (const proc of started.splice(0)) await killTree(proc.pid, { graceMs: 500 });
});

function node(code: string): GroupProcess {
  const proc = spawnGroup(process.execPath, ['-e', code]);
  started.push(proc);
  return proc;
}

async function firstLine(proc: GroupProcess): Promise<string> {
  const [chunk] = (await once(proc.child.stdout!, 'data')) as [Buffer];
  return chunk.toString().trim();
}

describe('proc-table', () => {
  it('parses a stat line whose command name holds spaces and parentheses', () => {
    const fields = ['S', '42', ...Array(9).fill('0'), '150', '50', ...Array(6).fill('0'), '777', '0', '1000'];
    const entry = parseStat(`1234 (my (odd) name) ${fields.join(' ')}`, 4096);
    expect(entry).toEqual({ pid: 1234, ppid: 42, ticks: 200, start: 777, rssBytes: 1000 * 4096 });
    expect(parseStat(`9 (z) Z ${fields.slice(1).join(' ')}`, 4096)).toBeNull();
  });

  it('finds this process and its parent chain in the table', () => {
    const table = readProcTable();
    expect(table.get(process.pid)?.ppid).toBe(process.ppid);
    expect(table.get(process.pid)!.rssBytes).toBeGreaterThan(1_000_000);
    expect(treeOf(table, process.ppid)).toContain(process.pid);
    expect(treeOf(table, 999_999_999)).toEqual([]);
  });
});

describe('process groups', () => {
  it('kills a whole tree, grandchildren included, and reports it gone', async () => {
    const proc = spawnGroup('sh', ['-c', 'sleep 30 & sleep 30 & echo up; wait']);
    started.push(proc);
    await once(proc.child.stdout!, 'data');
    const kids = await descendants(proc.pid);
    expect(kids.length).toBe(2);
    expect([proc.pid, ...kids].every(isAlive)).toBe(true);
    await killTree(proc.pid, { graceMs: 2000 });
    expect([proc.pid, ...kids].some(isAlive)).toBe(false);
    const exit = await proc.exited;
    expect(exit.signal ?? exit.code).toBeTruthy();
  });

  it('escalates to SIGKILL when a process ignores SIGTERM', async () => {
    const proc = node("process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)");
    await firstLine(proc);
    const t0 = Date.now();
    await killTree(proc.pid, { graceMs: 300 });
    expect(isAlive(proc.pid)).toBe(false);
    expect((await proc.exited).signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('resource sampler', () => {
  it('measures the memory and CPU of a busy process tree', async () => {
    // A shell whose child spins and holds ~60 MB: the tree sum must see the grandchild's usage.
    const code = "const a = Buffer.alloc(60e6, 1); console.log('up'); const end = Date.now() + 1500; while (Date.now() < end) a[0]++;";
    const proc = spawnGroup('sh', ['-c', `${process.execPath} -e "${code}"`]);
    started.push(proc);
    const sampler = new ResourceSampler(100);
    sampler.track('busy', proc.pid);
    sampler.track('absent', null);
    await once(proc.child.stdout!, 'data');
    sampler.start();
    await sleep(1000);
    await sampler.stop();
    const usage = sampler.summary();
    expect(usage.absent).toBeNull();
    const busy = usage.busy!;
    expect(busy.samples).toBeGreaterThanOrEqual(3);
    expect(busy.peak_rss_bytes).toBeGreaterThan(60e6);
    expect(busy.avg_rss_bytes).toBeLessThanOrEqual(busy.peak_rss_bytes);
    // A spinning loop on a shared 2-core machine: well above zero, at most the whole machine.
    expect(busy.avg_cpu_percent!).toBeGreaterThan(10);
    expect(busy.peak_cpu_percent!).toBeGreaterThanOrEqual(busy.avg_cpu_percent!);
    expect(sampler.series.get('busy')!.at(-1)!.pids).toBe(2);
    // The machine was at least as busy as the spinning process (percent of all cores).
    const machine = sampler.machineSummary()!;
    expect(machine.avg_busy_percent).toBeGreaterThan(0);
    expect(machine.peak_busy_percent).toBeLessThanOrEqual(100);
  });

  it('summarises a series: peak of 1-second windows, time-weighted average', () => {
    const series = [0, 10, 10, 90, 90, 90, 90, 10].map((cpu, i) => ({ t: i * 250, at: i * 250, rssBytes: 100 + i, cpuPercent: i === 0 ? null : cpu, pids: 1 }));
    const summary = summarise(series)!;
    expect(summary.peak_rss_bytes).toBe(107);
    expect(summary.peak_cpu_percent).toBe(90);
    expect(summary.avg_cpu_percent).toBeCloseTo((10 + 10 + 90 * 4 + 10) / 7, 1);
    expect(summarise([])).toBeNull();
  });

  it('never reports an average above the peak, also for a series cut out of a longer one', () => {
    // A window cut from the middle: its first sample carries CPU for the interval before it.
    const cut = [10, 90, 10, 10, 10, 10, 90].map((cpu, i) => ({ t: 1000 + i * 250, at: i * 250, rssBytes: 1, cpuPercent: cpu, intervalMs: 250, pids: 1 }));
    const summary = summarise(cut)!;
    expect(summary.avg_cpu_percent).toBeCloseTo(230 / 7, 1);
    expect(summary.peak_cpu_percent!).toBeGreaterThanOrEqual(summary.avg_cpu_percent!);
    // Unequal intervals weigh the same way in both numbers: one long busy interval dominates.
    const uneven = [null, 100, 0, 0, 0].map((cpu, i) => ({ t: [0, 2000, 2250, 2500, 2750][i], at: 0, rssBytes: 1, cpuPercent: cpu, pids: 1 }));
    const weighted = summarise(uneven)!;
    expect(weighted.avg_cpu_percent).toBeCloseTo((100 * 2000) / 2750, 1);
    expect(weighted.peak_cpu_percent!).toBeGreaterThanOrEqual(weighted.avg_cpu_percent!);
  });
});

describe('port owner', () => {
  it('parses LISTEN rows of /proc/net/tcp', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1',
      '   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 12346 1',
      '   2: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 22222 1',
    ].join('\n');
    expect(listeningInodes(table, 8080)).toEqual(['12345']);
    expect(listeningInodes(table, 3000)).toEqual(['22222']);
    expect(listeningInodes(table, 9)).toEqual([]);
  });

  it('finds the process listening on a port, not the shell above it', async () => {
    const code = "require('http').createServer().listen(0, '127.0.0.1', function () { console.log(this.address().port) })";
    const proc = spawnGroup('sh', ['-c', `${process.execPath} -e "${code}"; true`]);
    started.push(proc);
    const port = Number(await firstLine(proc));
    const [server] = await descendants(proc.pid);
    expect(findListeningPids(port)).toEqual([server]);
    await killTree(proc.pid);
    expect(findListeningPids(port)).toEqual([]);
  });
});
