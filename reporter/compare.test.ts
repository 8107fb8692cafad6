import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareResults } from './compare.ts';
import { resultFromSummary } from './from-summary.ts';
import { evaluateGate, parseGates } from './gates.ts';
import { formatDelta, formatValue, metricByName } from './metrics.ts';
import { renderJson, renderMarkdown, renderTable } from './render.ts';
import type { Result } from './schema.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const go: Result = fixture('constructed/go-runner-result.json');
const streaming = resultFromSummary(fixture('constructed/handle-summary-streaming.json')).result;

/** A copy of the Go-runner result with some fields changed. */
const variant = (changes: Partial<Result>): Result => ({ ...go, ...changes });

describe('compareResults', () => {
  const slower = variant({ name: 'new', latency_p99: 101_000_000, rps: 1800, failed_requests: 20, success_requests: 9980 });
  const c = compareResults([{ result: go, file: 'old.json' }, { result: slower, file: 'new.json' }]);
  const row = (key: string) => c.rows.find((r) => r.key === key)!;

  it('is aware of direction: lower latency and higher rps are better', () => {
    expect(row('latency_p99').values).toEqual([91_710_000, 101_000_000]);
    expect(row('latency_p99').best).toBe(0);
    expect(row('latency_p99').delta).toBe(9_290_000);
    expect(row('latency_p99').ratio).toBeCloseTo(101 / 91.71, 12);
    expect(row('latency_p99').verdict).toBe('worse');
    expect(row('rps').best).toBe(0);
    expect(row('rps').verdict).toBe('worse');
    expect(row('rps').delta).toBeCloseTo(1800 - 1954.5652162, 9);
    expect(row('failed_requests').verdict).toBe('worse');
    expect(row('latency_p50').verdict).toBe('same');
    expect(row('latency_p50').best).toBeNull(); // a tie marks nothing
  });

  it('marks a faster run as better', () => {
    const faster = compareResults([{ result: go }, { result: variant({ name: 'fast', latency_p99: 50_000_000, rps: 2500 }) }]);
    const p99 = faster.rows.find((r) => r.key === 'latency_p99')!;
    const rps = faster.rows.find((r) => r.key === 'rps')!;
    expect([p99.best, p99.verdict]).toEqual([1, 'better']);
    expect([rps.best, rps.verdict]).toEqual([1, 'better']);
  });

  it('derives the error rate of Go-runner results and leaves out rows nobody measured', () => {
    expect(row('error_rate').values).toEqual([0.001, 0.002]);
    expect(c.rows.map((r) => r.key)).not.toContain('ttft_p50');
    expect(c.rows.map((r) => r.key)).not.toContain('memory_peak');
  });

  it('measures overhead and gates against --baseline, shown first', () => {
    const base = variant({ name: 'direct', latency_p50: 50_000_000, latency_p95: 55_000_000, latency_p99: 60_000_000 });
    const withBase = compareResults([{ result: go }, { result: slower }], { baseline: { result: base }, failOn: parseGates('p99:+10%') });
    expect(withBase.runs.map((r) => [r.label, r.is_baseline])).toEqual([['direct', true], ['llmux', false], ['new', false]]);
    const overhead = withBase.rows.find((r) => r.key === 'overhead_p99')!;
    expect(overhead.values).toEqual([null, 31_710_000, 41_000_000]);
    expect(withBase.gates[0].ok).toBe(false);
    expect(withBase.gates[0].from).toBe(60_000_000);
  });

  it('gates overhead against --baseline as the last run\'s own overhead (the baseline\'s is 0)', () => {
    const base = variant({ name: 'direct', latency_p50: 50_000_000, latency_p95: 55_000_000, latency_p99: 60_000_000 });
    const gate = (text: string, items: Result[] = [slower]) => compareResults(items, { baseline: { result: base }, failOn: text }).gates[0];
    expect(gate('overhead_p99:+41ms')).toMatchObject({ ok: true, from: 0, to: 41_000_000 });
    expect(gate('overhead_p99:+40ms')).toMatchObject({ ok: false, from: 0, to: 41_000_000 });
    expect(gate('overhead_p99:+40ms').message).toContain('FAILED, overhead_p99 +41.00 ms');
    // A run against itself as baseline has no overhead at all.
    expect(compareResults([base], { baseline: base, failOn: 'overhead_p99:+1ms' }).gates[0]).toMatchObject({ ok: true, from: 0, to: 0 });
    const relative = gate('overhead_p99:+10%');
    expect(relative.ok).toBe(false);
    expect(relative.message).toBe('overhead_p99:+10%: cannot evaluate, overhead over --baseline starts at 0: give a time limit (e.g. overhead_p99:+5ms)');
  });

  it('reads each result’s own overhead block without a baseline', () => {
    const a = variant({ name: 'a', overhead: { latency_p50: 1_000_000, latency_p95: 2_000_000, latency_p99: 4_000_000, ttft_p50: null } });
    const b = variant({ name: 'b', overhead: { latency_p50: 1_500_000, latency_p95: 2_000_000, latency_p99: 3_000_000, ttft_p50: null } });
    const cmp = compareResults([{ result: a }, { result: b }]);
    expect(cmp.rows.find((r) => r.key === 'overhead_p99')).toMatchObject({ values: [4_000_000, 3_000_000], best: 1, verdict: 'better' });
    expect(cmp.rows.map((r) => r.key)).not.toContain('overhead_ttft_p50');
  });

  it('warns about runs whose settings differ', () => {
    const other = { ...streaming, name: 'other', concurrency: 50, mock: { latency: 1, itl: 2, tokens: 3, seed: 1 } };
    const mixed = compareResults([{ result: { ...streaming, mock: { latency: 1, itl: 2, tokens: 3, seed: 2 } } }, { result: other }]);
    expect(mixed.mismatches.map((m) => m.setting)).toEqual(['concurrency', 'mock settings']);
    expect(mixed.warnings).toEqual([
      'llmux-stream: error rate 1.20% above 1.00% (--max-error-rate): not ranked',
      'other: error rate 1.20% above 1.00% (--max-error-rate): not ranked',
      'runs differ in concurrency (llmux-stream: 25, other: 50): the diff may mislead',
      'runs differ in mock settings (llmux-stream: {"itl":2,"latency":1,"seed":2,"tokens":3}, other: {"itl":2,"latency":1,"seed":1,"tokens":3}): the diff may mislead',
    ]);
    const goVsStreaming = compareResults([{ result: go }, { result: streaming }]);
    expect(goVsStreaming.mismatches.map((m) => m.setting)).toEqual(['concurrency', 'requests']); // Go results have no scenario: not compared
    expect(compareResults([{ result: go }, { result: slower }]).mismatches).toEqual([]);
  });

  it('takes plain results and --fail-on text too', () => {
    const plain = compareResults([go, slower], { failOn: 'p99:+10%', baseline: go });
    expect(plain.runs.map((r) => r.label)).toEqual(['llmux #1', 'llmux #2', 'new']);
    expect(plain.gates[0]).toMatchObject({ gate: 'p99:+10%', ok: false });
  });

  it('labels runs with the same name by file', () => {
    const same = compareResults([{ result: go, file: 'results/llmux_1.json' }, { result: go, file: 'results/llmux_2.json' }]);
    expect(same.runs.map((r) => r.label)).toEqual(['llmux_1', 'llmux_2']);
  });
});

describe('--fail-on gates', () => {
  it('parses the documented syntax', () => {
    const gates = parseGates('p99:+10%, rps:-5%,error_rate:+0.5pp,ttft_p95:+5ms,memory_peak:+20MiB,cpu_avg:10,p50:2ms');
    expect(gates.map((g) => [g.metric.key, g.side, g.kind, g.limit])).toEqual([
      ['latency_p99', 'up', 'relative', 0.1],
      ['rps', 'down', 'relative', 0.05],
      ['error_rate', 'up', 'absolute', 0.005],
      ['ttft_p95', 'up', 'absolute', 5_000_000],
      ['memory_peak', 'up', 'absolute', 20 * 1048576],
      ['cpu_avg', 'up', 'absolute', 10], // no sign: the worse direction
      ['latency_p50', 'up', 'absolute', 2_000_000],
    ]);
  });

  it('names the gate at fault', () => {
    expect(() => parseGates('p99')).toThrow("'p99' is not a gate (expected metric:[+|-]N[%|pp|ms|...], e.g. p99:+10%)");
    expect(() => parseGates('p42:+10%')).toThrow("'p42:+10%': unknown metric 'p42'");
    expect(() => parseGates('p99:+1pp')).toThrow("'p99:+1pp': pp (percentage points) only applies to rates such as error_rate");
    expect(() => parseGates('rps:-5ms')).toThrow("'rps:-5ms': a time unit only applies to latencies, not rps");
    expect(() => parseGates('p99:+5')).toThrow("'p99:+5': give a unit for a latency (%, ms, us, s or ns)");
    expect(() => parseGates(' , ')).toThrow(/^expected gates/);
  });

  it('fails on a regression beyond the limit and passes within it', () => {
    const [p99] = parseGates('p99:+10%');
    expect(evaluateGate(p99, 100_000_000, 110_000_000, 'a', 'b').ok).toBe(true);
    const failed = evaluateGate(p99, 100_000_000, 112_750_000, 'old', 'new');
    expect(failed.ok).toBe(false);
    expect(failed.message).toBe('p99:+10%: FAILED, latency_p99 +12.75% (100.00 ms → 112.75 ms), new vs old');
    const [rps] = parseGates('rps:-5%');
    expect(evaluateGate(rps, 1000, 951, 'a', 'b').ok).toBe(true);
    expect(evaluateGate(rps, 1000, 940, 'a', 'b').ok).toBe(false);
    expect(evaluateGate(rps, 1000, 5000, 'a', 'b').ok).toBe(true); // a rise is no regression
    const [errors] = parseGates('error_rate:+0.5pp');
    expect(evaluateGate(errors, 0.001, 0.006, 'a', 'b').ok).toBe(true);
    expect(evaluateGate(errors, 0.001, 0.0061, 'a', 'b').message).toBe('error_rate:+0.5pp: FAILED, error_rate +0.51 pp (0.10% → 0.61%), b vs a');
    const [ttft] = parseGates('ttft_p95:+5ms');
    expect(evaluateGate(ttft, 51_000_000, 56_000_001, 'a', 'b').ok).toBe(false);
    expect(evaluateGate(ttft, 51_000_000, 56_000_000, 'a', 'b').ok).toBe(true);
    const [failedReqs] = parseGates('failed:+0%');
    expect(evaluateGate(failedReqs, 0, 1, 'a', 'b').ok).toBe(false); // from 0, any rise is infinite
    expect(evaluateGate(failedReqs, 0, 0, 'a', 'b').ok).toBe(true);
  });

  it('fails a gate whose metric was not measured', () => {
    const [ttft] = parseGates('ttft_p95:+5ms');
    const c = compareResults([{ result: go, file: 'a.json' }, { result: streaming }], { failOn: [ttft], maxErrorRate: 0.05 });
    expect(c.ok).toBe(false);
    expect(c.gates[0].message).toBe('ttft_p95:+5ms: cannot evaluate, ttft_p95 was not measured in llmux');
    const single = compareResults([{ result: go }], { failOn: parseGates('p99:+10%') });
    expect(single.gates[0]).toMatchObject({ ok: false, message: 'p99:+10%: cannot evaluate, one result and no --baseline' });
  });
});

describe('renderers', () => {
  const slower = variant({ name: 'new|run', latency_p99: 101_000_000, rps: 1800 });
  const c = compareResults([{ result: go }, { result: slower }], { failOn: parseGates('p99:+5%') });

  it('table: one row per metric, better value marked, Δ with its verdict, gate lines', () => {
    const text = renderTable(c);
    const p99 = text.split('\n').find((l) => l.startsWith('latency p99'))!;
    expect(p99.split(/\s{2,}/)).toEqual(['latency p99', '91.71 ms *', '101.00 ms', '+9.29 ms worse', '1.101x']);
    expect(text).toContain('Δ and ratio: new|run against llmux; better value marked.');
    expect(text).toContain('regression: p99:+5%: FAILED, latency_p99 +10.13% (91.71 ms → 101.00 ms), new|run vs llmux');
  });

  it('markdown: a table with the better value bold and names escaped', () => {
    const md = renderMarkdown(c);
    expect(md).toContain('| metric | llmux | new\\|run | Δ | ratio |');
    expect(md).toContain('| latency p99 | **91.71 ms** | 101.00 ms | +9.29 ms worse | 1.101x |');
  });

  it('json: the model without the embedded results', () => {
    const json = JSON.parse(renderJson(c));
    expect(json.ok).toBe(false);
    expect(json.results).toBeUndefined();
    expect(json.rows.find((r: { key: string }) => r.key === 'rps')).toMatchObject({ better: 'higher', values: [1954.5652162, 1800], best: 0, verdict: 'worse' });
  });

  it('formats units', () => {
    expect(formatValue(51_000_000, 'ns')).toBe('51.00 ms');
    expect(formatValue(850_000, 'ns')).toBe('850.0 µs');
    expect(formatValue(2_500_000_000, 'ns')).toBe('2.500 s');
    expect(formatValue(0.0123, 'ratio')).toBe('1.23%');
    expect(formatValue(125_829_120, 'bytes')).toBe('120.0 MiB');
    expect(formatDelta(-0.011, 'ratio')).toBe('−1.10 pp');
    expect(formatDelta(0, 'ns')).toBe('±0.00 ms');
    expect(metricByName('p99')?.key).toBe('latency_p99');
  });
});

describe('open-model runs', () => {
  const open = variant({ name: 'open', load: { model: 'open', offered_rps: 100, achieved_rps: 80, dropped_iterations: 40, warmup_seconds: 0 } });

  it('table: a dropped-iterations row and the offered and achieved rate under it', () => {
    const text = renderTable(compareResults([{ result: open }]));
    expect(text.split('\n').find((l) => l.startsWith('dropped iterations'))!.split(/\s{2,}/)).toEqual(['dropped iterations', '40', '—', '—']);
    expect(text).toContain('open model: open offered 100.00/s, achieved 80.00/s (80%), 40 dropped iterations');
    expect(renderMarkdown(compareResults([{ result: open }]))).toContain('- open model: open offered 100.00/s, achieved 80.00/s (80%), 40 dropped iterations');
  });

  it('closed-model runs show neither', () => {
    const text = renderTable(compareResults([{ result: go }]));
    expect(text).not.toContain('dropped iterations');
    expect(text).not.toContain('open model');
  });
});

describe('plateaus of the concurrency scenario', () => {
  const plateauRun = resultFromSummary(fixture('engine/engine-concurrency-plateaus.summary.json')).result;
  const withErrors: Result = {
    ...plateauRun,
    name: 'overloaded',
    plateaus: plateauRun.plateaus!.map((p) => (p.vus === 20 ? { ...p, failed_requests: 40, error_rate: 0.01, rps: 2000, latency_p99: 250_000_000 } : p)),
  };
  const c = compareResults([{ result: plateauRun }, { result: go }, { result: withErrors }]);

  it('the model lists each run that has plateaus, in column order', () => {
    expect(c.plateaus.map((p) => p.label)).toEqual(['engine-concurrency-plateaus', 'overloaded']);
    expect(c.plateaus[1].plateaus.map((p) => p.vus)).toEqual([2, 5, 10, 20]);
    expect(JSON.parse(renderJson(c)).plateaus[1].plateaus[3]).toMatchObject({ vus: 20, failed_requests: 40, rps: 2000 });
    expect(compareResults([{ result: go }]).plateaus).toEqual([]);
  });

  it('table and markdown show latency and errors against concurrency', () => {
    const text = renderTable(c);
    expect(text).toContain('Plateaus of overloaded:');
    const p20 = plateauRun.plateaus![3];
    const row = text.split('\n').filter((l) => /^20\s/.test(l));
    expect(row).toHaveLength(2);
    expect(row[0].split(/\s{2,}/)).toEqual([
      '20', String(p20.total_requests), '0', '0.00%', formatValue(p20.rps!, 'rps'),
      formatValue(p20.latency_p50, 'ns'), formatValue(p20.latency_p95, 'ns'), formatValue(p20.latency_p99, 'ns'),
    ]);
    expect(row[1].split(/\s{2,}/).slice(2, 5)).toEqual(['40', '1.00%', '2000.00/s']);
    expect(row[1].endsWith('250.00 ms')).toBe(true);
    const md = renderMarkdown(c);
    expect(md).toContain('Plateaus of **overloaded**:');
    expect(md).toContain('| VUs | requests | failed | error rate | requests/s | p50 | p95 | p99 |');
    expect(md).toMatch(/\n\| 20 \| \d+ \| 40 \| 1\.00% \| 2000\.00\/s \| [^|]+ \| [^|]+ \| 250\.00 ms \|\n/);
    expect(renderTable(compareResults([{ result: go }]))).not.toContain('Plateaus');
  });
});
