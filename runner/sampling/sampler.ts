// Samples, every 250 ms, the resident memory and CPU of whole process trees (the target proxy with
// its workers, the mock, the load generator). On Linux it reads /proc directly (see proc-table.ts);
// elsewhere it asks pidtree + pidusage.
import { performance } from 'node:perf_hooks';
import pidtree from 'pidtree';
import pidusage from 'pidusage';
import { procUnits, readMachineCpu, readProcTable, treeOf, type ProcEntry } from '../processes/proc-table.ts';

export interface UsageSample {
  /** ms since the sampler started. */
  t: number;
  /** Wall clock (epoch ms), to cut the series to the load's own window. */
  at: number;
  rssBytes: number;
  /** Percent of one core over the interval since the previous sample; null for the first one. */
  cpuPercent: number | null;
  /** Length of the interval cpuPercent covers, ms (absent in older series: taken from `t`). */
  intervalMs?: number;
  pids: number;
}

export interface UsageSummary {
  peak_rss_bytes: number;
  avg_rss_bytes: number;
  samples: number;
  /** Time-weighted mean over the run, percent of one core. */
  avg_cpu_percent: number | null;
  /** Highest 1-second average (four 250 ms samples), so one GC burst is not read as saturation; never below avg_cpu_percent. */
  peak_cpu_percent: number | null;
}

export interface MachineSummary {
  /** Busy share of all cores over the run, percent (100 = every core busy). */
  avg_busy_percent: number;
  peak_busy_percent: number;
}

export const SAMPLE_INTERVAL_MS = 250;
const PEAK_WINDOW = 4;

export class ResourceSampler {
  readonly series = new Map<string, UsageSample[]>();
  private roots = new Map<string, number>();
  private previous = new Map<number, { ticks: number; start: number }>();
  private previousAt = 0;
  /** Machine-wide busy percent per interval (Linux only). */
  readonly machine: Array<{ at: number; busyPercent: number }> = [];
  private previousMachine: { busy: number; total: number } | null = null;
  private started = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly linux = process.platform === 'linux';

  constructor(private readonly intervalMs = SAMPLE_INTERVAL_MS) {}

  /** Watches the tree rooted at `pid` under `role` (call again to move the role to another pid). */
  track(role: string, pid: number | null | undefined): void {
    if (pid && pid > 0) this.roots.set(role, pid);
    else this.roots.delete(role);
    if (!this.series.has(role)) this.series.set(role, []);
  }

  start(): void {
    this.started = performance.now();
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Takes a last sample and stops. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.tick();
  }

  /**
   * Summarises each role (null for a role never seen alive) over the samples taken between
   * `fromMs` and `toMs` (epoch ms; the load's own start and end, so the load generator's start-up
   * is not averaged in), or over all samples when that window holds fewer than two.
   */
  summary(fromMs = -Infinity, toMs = Infinity): Record<string, UsageSummary | null> {
    const out: Record<string, UsageSummary | null> = {};
    for (const [role, samples] of this.series) {
      const inside = samples.filter((s) => s.at >= fromMs - this.intervalMs && s.at <= toMs + this.intervalMs);
      out[role] = summarise(inside.length >= 2 ? inside : samples);
    }
    return out;
  }

  /** How busy the whole machine was between `fromMs` and `toMs`; null off Linux or with no sample. */
  machineSummary(fromMs = -Infinity, toMs = Infinity): MachineSummary | null {
    const inside = this.machine.filter((s) => s.at >= fromMs - this.intervalMs && s.at <= toMs + this.intervalMs);
    const samples = inside.length >= 2 ? inside : this.machine;
    if (samples.length === 0) return null;
    const avg = samples.reduce((a, s) => a + s.busyPercent, 0) / samples.length;
    return { avg_busy_percent: Math.round(avg * 10) / 10, peak_busy_percent: Math.round(Math.max(...samples.map((s) => s.busyPercent)) * 10) / 10 };
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (this.linux) this.tickProc();
      else await this.tickPidusage();
    } catch {
      // A failed sample is a gap, not a failed run.
    } finally {
      this.busy = false;
    }
  }

  private tickProc(): void {
    const now = performance.now();
    const table = readProcTable();
    const seconds = (now - this.previousAt) / 1000;
    const first = this.previousAt === 0;
    const { clockTicks } = procUnits();
    for (const [role, root] of this.roots) {
      const pids = treeOf(table, root);
      if (pids.length === 0) continue;
      let rss = 0;
      let ticks = 0;
      for (const pid of pids) {
        const entry = table.get(pid) as ProcEntry;
        rss += entry.rssBytes;
        const before = this.previous.get(pid);
        // A pid seen for the first time contributes from the next interval on.
        if (before && before.start === entry.start) ticks += entry.ticks - before.ticks;
      }
      const cpu = first || seconds <= 0 ? null : (ticks / clockTicks / seconds) * 100;
      this.series.get(role)!.push({ t: now - this.started, at: Date.now(), rssBytes: rss, cpuPercent: cpu, intervalMs: seconds * 1000, pids: pids.length });
    }
    const cpu = readMachineCpu();
    if (cpu && this.previousMachine && cpu.total > this.previousMachine.total) {
      const busyPercent = (100 * (cpu.busy - this.previousMachine.busy)) / (cpu.total - this.previousMachine.total);
      this.machine.push({ at: Date.now(), busyPercent });
    }
    this.previousMachine = cpu;
    this.previous.clear();
    for (const entry of table.values()) this.previous.set(entry.pid, { ticks: entry.ticks, start: entry.start });
    this.previousAt = now;
  }

  private async tickPidusage(): Promise<void> {
    const now = performance.now();
    const first = this.previousAt === 0;
    for (const [role, root] of this.roots) {
      const pids = await pidtree(root, { root: true }).catch(() => [] as number[]);
      if (pids.length === 0) continue;
      const stats = await pidusage(pids).catch(() => ({}) as Record<string, pidusage.Status>);
      let rss = 0;
      let cpu = 0;
      for (const stat of Object.values(stats)) {
        rss += stat.memory;
        cpu += stat.cpu;
      }
      this.series.get(role)!.push({ t: now - this.started, at: Date.now(), rssBytes: rss, cpuPercent: first ? null : cpu, intervalMs: now - this.previousAt, pids: pids.length });
    }
    this.previousAt = now;
  }
}

export function summarise(samples: UsageSample[]): UsageSummary | null {
  if (samples.length === 0) return null;
  let peak = 0;
  let rssSum = 0;
  for (const s of samples) {
    peak = Math.max(peak, s.rssBytes);
    rssSum += s.rssBytes;
  }
  // Average and peak weigh each CPU sample by the interval it covers, the same way for both.
  const cpu: Array<{ percent: number; weight: number }> = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (s.cpuPercent === null) continue;
    const weight = s.intervalMs ?? (i > 0 ? s.t - samples[i - 1].t : SAMPLE_INTERVAL_MS);
    if (weight > 0) cpu.push({ percent: s.cpuPercent, weight });
  }
  let avg: number | null = null;
  let peakCpu: number | null = null;
  if (cpu.length > 0) {
    const mean = (from: number, to: number) => {
      let weighted = 0;
      let span = 0;
      for (let j = from; j < to; j++) {
        weighted += cpu[j].percent * cpu[j].weight;
        span += cpu[j].weight;
      }
      return weighted / span;
    };
    avg = mean(0, cpu.length);
    const width = Math.min(PEAK_WINDOW, cpu.length);
    for (let i = 0; i + width <= cpu.length; i++) peakCpu = Math.max(peakCpu ?? 0, mean(i, i + width));
    // The aligned windows, the last one stretched to the end, split the whole series: one of
    // them is at least the average, so the peak never reads below it.
    const lastAligned = Math.floor(cpu.length / width - 1) * width;
    peakCpu = Math.max(peakCpu ?? 0, mean(lastAligned, cpu.length));
  }
  const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
  return {
    peak_rss_bytes: peak,
    avg_rss_bytes: Math.round(rssSum / samples.length),
    samples: samples.length,
    avg_cpu_percent: round(avg),
    peak_cpu_percent: round(peakCpu),
  };
}
