// `llmux-bench report --merge`: the NDJSON points of a run split in two make the result the whole
// run's points make, with exact percentiles; inputs that are not one split test are refused.
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadMergedResult, mergePoints } from './merge-points.ts';
import { main as report } from './report-cli.ts';
import type { Result } from './schema.ts';
import { msToNs } from './time.ts';

const fixturePath = (name: string) => fileURLToPath(new URL(`./fixtures/engine/${name}`, import.meta.url));
/** A real engine run (streaming, a quarter of the requests answered 503): its points and its summary. */
const WHOLE = fixturePath('streaming-failures.ndjson.gz');
const SUMMARY = JSON.parse(readFileSync(fixturePath('engine-streaming-failures.summary.json'), 'utf8'));
const LINES = gunzipSync(readFileSync(WHOLE)).toString('utf8').split('\n').filter(Boolean);

interface Line {
  type: string;
  metric: string;
  data: { time: string; value: number; tags: Record<string, string> };
}

/**
 * Splits the run's points over `parts` files as --execution-segment parts would hold them: every
 * point in exactly one file, each file declaring a metric (its Metric line) before its first point.
 * The VU gauges are each part's share of the VUs, in every part.
 */
function split(parts: number, pick: (index: number) => number): string[] {
  const declarations = new Map<string, string>();
  const out: string[][] = Array.from({ length: parts }, () => []);
  const declared = Array.from({ length: parts }, () => new Set<string>());
  const write = (part: number, line: Line, text: string) => {
    if (!declared[part].has(line.metric)) {
      declared[part].add(line.metric);
      out[part].push(declarations.get(line.metric)!);
    }
    out[part].push(text);
  };
  LINES.forEach((text, index) => {
    const line = JSON.parse(text) as Line;
    if (line.type === 'Metric') return void declarations.set(line.metric, text);
    if (line.metric !== 'vus' && line.metric !== 'vus_max') return write(pick(index), line, text);
    for (let part = 0; part < parts; part++) {
      const share = Math.floor((line.data.value * (part + 1)) / parts) - Math.floor((line.data.value * part) / parts);
      write(part, line, JSON.stringify({ ...line, data: { ...line.data, value: share } }));
    }
  });
  return out.map((lines) => lines.join('\n') + '\n');
}

/** A fixed pseudo-random part for each line index, so every metric has points in every part. */
const scatter = (parts: number) => (index: number) => (Math.imul(index + 1, 2654435761) >>> 16) % parts;

/** k6's percentile (metrics/sink.go) of the points' values, sorted here independently. */
function k6Percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = fraction * (sorted.length - 1);
  return sorted[Math.floor(i)] + (sorted[Math.ceil(i)] - sorted[Math.floor(i)]) * (i - Math.floor(i));
}

function valuesOf(metric: string, tag?: [string, string]): number[] {
  return LINES.map((text) => JSON.parse(text) as Line)
    .filter((l) => l.type === 'Point' && l.metric === metric && (!tag || l.data.tags[tag[0]] === tag[1]))
    .map((l) => l.data.value);
}

let dir: string;
let out: string;
let err: string;

async function run(argv: string[]): Promise<number> {
  out = '';
  err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    return await report(argv);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** Writes the parts as part1.ndjson.gz (gzipped, as k6 writes a .gz name), part2.ndjson, ... */
async function writeParts(parts: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const [i, text] of parts.entries()) {
    const file = path.join(dir, i === 0 ? 'part1.ndjson.gz' : `part${i + 1}.ndjson`);
    await writeFile(file, i === 0 ? gzipSync(text) : text);
    files.push(file);
  }
  return files;
}

/** What may differ between the merged parts and the whole: where it came from. */
const comparable = ({ source, points_file, warnings, concurrency, ...rest }: Result) => rest;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'llmux-merge-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('report --merge', () => {
  it('makes from two parts the result of the whole run: counts of its summary, exact percentiles of its points', async () => {
    const files = await writeParts(split(2, scatter(2)));
    const merged = (await loadMergedResult(files, { scenario: 'streaming' })).result;
    const whole = (await loadMergedResult([WHOLE], { scenario: 'streaming' })).result;
    expect(comparable(merged)).toEqual(comparable(whole));

    // Counts: exactly the engine's own summary of the unsplit run.
    expect(merged.total_requests).toBe(SUMMARY.metrics.http_reqs.values.count);
    expect(merged.failed_requests).toBe(SUMMARY.metrics.llm_errors.values.count);
    expect(merged.failed_requests).toBe(19);
    expect(merged.errors).toMatchObject({ http_5xx: 19 });
    expect(merged.checks).toMatchObject({ passes: SUMMARY.metrics.checks.values.passes, fails: SUMMARY.metrics.checks.values.fails });
    expect(merged.checks!.by_name).toEqual(
      SUMMARY.root_group.checks.map((c: { name: string; passes: number; fails: number }) => ({ name: c.name, group: '', passes: c.passes, fails: c.fails })),
    );
    expect(merged.streaming!.output_tokens).toBe(SUMMARY.metrics.output_tokens.values.count);
    expect(merged.streaming!.stream_ok_rate).toBe(SUMMARY.metrics.stream_ok.values.rate);

    // Percentiles: exact, from every point of the unsplit file (not the engine's HDR estimate).
    const ok = valuesOf('http_req_duration', ['expected_response', 'true']);
    const failed = valuesOf('http_req_duration', ['expected_response', 'false']);
    expect(ok).toHaveLength(61);
    const ns = (values: number[], f: number) => msToNs(k6Percentile(values, f));
    expect([merged.latency_p50, merged.latency_p90, merged.latency_p95, merged.latency_p99]).toEqual([0.5, 0.9, 0.95, 0.99].map((f) => ns(ok, f)));
    expect([merged.latency_min, merged.latency_max]).toEqual([msToNs(Math.min(...ok)), msToNs(Math.max(...ok))]);
    expect([merged.failed_latency_p50, merged.failed_latency_p99]).toEqual([ns(failed, 0.5), ns(failed, 0.99)]);
    const ttft = valuesOf('ttft');
    const itl = valuesOf('itl');
    expect([merged.streaming!.ttft_p50, merged.streaming!.ttft_p95, merged.streaming!.ttft_p99]).toEqual([0.5, 0.95, 0.99].map((f) => ns(ttft, f)));
    expect([merged.streaming!.itl_p50, merged.streaming!.itl_p99]).toEqual([ns(itl, 0.5), ns(itl, 0.99)]);

    // The run's times: first and last point across the files; the thresholds of the Metric lines.
    expect(merged.start_time).toBe('2026-11-29T08:39:45.320486000Z');
    expect(merged.end_time).toBe('2026-11-29T08:39:45.671489000Z');
    expect(merged.duration).toBe(351_003_000);
    expect(merged.rps).toBe(61 / 0.351003);
    expect(merged.thresholds).toEqual([
      { metric: 'checks', expression: 'rate>0.99', ok: false },
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false },
    ]);
    expect(merged.source).toEqual({ format: 'k6-ndjson', file: files.join(', ') });
    expect(merged.points_file).toBeNull();
  });

  it('is indifferent to how the points were split and to the order of the files', async () => {
    // Contiguous halves of the time line, then three parts: the same result each time.
    const half = Math.floor(LINES.length / 2);
    const [a, b] = await writeParts(split(2, (index) => (index < half ? 0 : 1)));
    const byHalves = (await loadMergedResult([b, a])).result;
    await rm(a);
    await rm(b);
    const three = await writeParts(split(3, scatter(3)));
    const byThree = (await loadMergedResult(three)).result;
    const whole = (await loadMergedResult([WHOLE])).result;
    expect(comparable(byHalves)).toEqual(comparable(whole));
    expect(comparable(byThree)).toEqual(comparable(whole));
  });

  it('writes one result file from the command line; one file merged is that run, its points recorded', async () => {
    const files = await writeParts(split(2, scatter(2)));
    const output = path.join(dir, 'results');
    expect(await run(['--merge', ...files, '--name', 'split', '--target', 'http://127.0.0.1:18931', '--scenario', 'streaming', '--output', output])).toBe(0);
    expect(out).toBe(`${path.join(output, 'split_20261129_083945.json')}\n`);
    const written = JSON.parse(await readFile(out.trim(), 'utf8')) as Result;
    expect([written.name, written.target, written.total_requests, written.failed_requests]).toEqual(['split', 'http://127.0.0.1:18931', 80, 19]);
    expect(err).toBe(
      'warning: thresholds: those of submetrics (http_req_duration{expected_response:false}) are not in k6 --out json; only whole-metric thresholds are listed\n' +
        "warning: concurrency: 6, the sum of each file's vus_max peak (3 + 3)\n" +
        'warning: requests: unknown (not in the summary; pass it from the runner)\n',
    );
    expect(written.concurrency).toBe(6);

    const html = path.join(dir, 'whole.html');
    expect(await run(['--merge', WHOLE, '--output', output, '--html', html, '-q'])).toBe(0);
    const single = JSON.parse(await readFile(out.trim(), 'utf8')) as Result;
    expect(single.points_file).toBe(WHOLE);
    expect(single.concurrency).toBe(6); // vus_max of the one run
    expect(await readFile(html, 'utf8')).toContain('<html');
  });

  it('merges each metric type as one run would: gauges by latest time, counters over the merged span, checks by group', async () => {
    const metric = (name: string, type: string, extra = '') => `{"type":"Metric","data":{"name":"${name}","type":"${type}","contains":"default","thresholds":[${extra}],"submetrics":null},"metric":"${name}"}`;
    const point = (name: string, time: string, value: number, tags = '{}') => `{"type":"Point","data":{"time":"${time}","value":${value},"tags":${tags}},"metric":"${name}"}`;
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    await writeFile(a, [
      metric('vus', 'gauge'), point('vus', '2026-11-28T06:00:10Z', 5), point('vus', '2026-11-28T07:00:12.5+01:00', 2),
      metric('hits', 'counter', '"count>6"'), point('hits', '2026-11-28T06:00:10.5Z', 3),
      metric('checks', 'rate'), point('checks', '2026-11-28T06:00:11Z', 0, '{"check":"ok","group":"::g"}'),
    ].join('\n'));
    await writeFile(b, [
      metric('vus', 'gauge'), point('vus', '2026-11-28T06:00:11Z', 9),
      metric('hits', 'counter', '"count>6"'), point('hits', '2026-11-28T06:00:11.5Z', 4),
      metric('checks', 'rate'), point('checks', '2026-11-28T06:00:10.25Z', 1, '{"check":"ok","group":"::g"}'), point('checks', '2026-11-28T06:00:12Z', 1, '{"check":"first","group":""}'),
    ].join('\n'));
    const run = await mergePoints([a, b]);
    expect([run.start_time, run.end_time, run.summary.state.testRunDurationMs]).toEqual(['2026-11-28T06:00:10.000000000Z', '2026-11-28T06:00:12.500000000Z', 2500]);
    expect(run.summary.metrics.vus.values).toEqual({ value: 2, min: 2, max: 9 }); // the latest point is file a's
    expect(run.summary.metrics.hits).toEqual({ type: 'counter', contains: 'default', values: { count: 7, rate: 7 / 2.5 }, thresholds: { 'count>6': { ok: true } } });
    expect(run.summary.metrics.checks.values).toEqual({ rate: 2 / 3, passes: 2, fails: 1 });
    expect(run.summary.root_group.checks.map((c) => [c.name, c.passes, c.fails])).toEqual([['first', 1, 0]]);
    expect(run.summary.root_group.groups.map((g) => [g.path, g.checks.map((c) => [c.name, c.passes, c.fails])])).toEqual([['::g', [['ok', 1, 1]]]]);
    expect(run.points).toEqual([4, 4]);
    expect(run.warnings).toEqual([]);

    // A part that starts after another ended was not run beside it.
    const later = path.join(dir, 'later.ndjson');
    await writeFile(later, [metric('hits', 'counter', '"count>6"'), point('hits', '2026-11-28T06:01:00Z', 1)].join('\n'));
    expect((await mergePoints([a, later])).warnings).toEqual([
      `${later} starts 47.5 s after ${a} ends: parts of one test run at the same time (are the machines' clocks in sync?)`,
    ]);
  });

  describe('refuses inputs that are not one split test, writing nothing', () => {
    const expectRefused = async (argv: string[], code: number, message: string) => {
      const output = path.join(dir, 'results');
      expect(await run([...argv, '--output', output])).toBe(code);
      expect(err).toBe(message);
      expect(out).toBe('');
      await expect(readdir(output)).rejects.toThrow(/ENOENT/);
    };

    it('a missing file, a directory, a file with no points, a file that is not NDJSON, a broken gzip', async () => {
      const [part] = await writeParts(split(1, () => 0));
      const missing = path.join(dir, 'missing.ndjson');
      await expectRefused(['--merge', part, missing], 1, `llmux-bench report: ${missing}: no such file\n`);
      await expectRefused(['--merge', part, dir], 1, `llmux-bench report: ${dir}: is a directory\n`);
      const empty = path.join(dir, 'empty.ndjson');
      await writeFile(empty, LINES.filter((l) => l.includes('"type":"Metric"')).join('\n') + '\n');
      await expectRefused(['--merge', part, empty], 1,
        `llmux-bench report: ${empty}: no points (not the output of k6 run --out json=FILE, or a run that recorded nothing)\n`);
      const summary = fixturePath('engine-streaming-failures.summary.json');
      await expectRefused(['--merge', summary], 1,
        `llmux-bench report: ${summary}: line 1: not a k6 --out json line (not JSON)\n`);
      const other = path.join(dir, 'other.ndjson');
      await writeFile(other, '{"type":"Metric","data":{"name":"hits","type":"counter"},"metric":"hits"}\n{"level":"info","msg":"hello"}\n');
      await expectRefused(['--merge', other], 1, `llmux-bench report: ${other}: line 2: not a k6 --out json line (no "type": "Metric" or "Point")\n`);
      const orphan = path.join(dir, 'orphan.ndjson');
      await writeFile(orphan, LINES.find((l) => l.includes('"type":"Point"') && l.includes('"metric":"http_reqs"'))! + '\n');
      await expectRefused(['--merge', orphan], 1, `llmux-bench report: ${orphan}: line 1: a point of "http_reqs" before its Metric line\n`);
      const cut = path.join(dir, 'cut.ndjson.gz');
      await writeFile(cut, gzipSync(LINES.join('\n')).subarray(0, 2000));
      await expectRefused(['--merge', cut], 1, `llmux-bench report: ${cut}: not a readable gzip file (unexpected end of file)\n`);
    });

    it('metrics declared differently by two files (type, submetrics, thresholds)', async () => {
      const [a, b] = await writeParts(split(2, scatter(2)));
      const text = await readFile(b, 'utf8');
      const retyped = path.join(dir, 'retyped.ndjson');
      await writeFile(retyped, text.replace('{"name":"ttft","type":"trend"', '{"name":"ttft","type":"counter"'));
      const lineNo = text.split('\n').findIndex((l) => l.includes('{"name":"ttft"')) + 1;
      await expectRefused(['--merge', a, retyped], 1,
        `llmux-bench report: ${retyped}: line ${lineNo}: metric "ttft" is a counter here but a trend in ${a}: not parts of one test\n`);
      const other = path.join(dir, 'other-thresholds.ndjson');
      await writeFile(other, text.replace('"thresholds":["rate<0.01"]', '"thresholds":["rate<0.05"]'));
      const failedLine = text.split('\n').findIndex((l) => l.includes('"name":"http_req_failed"')) + 1;
      await expectRefused(['--merge', a, other], 1,
        `llmux-bench report: ${other}: line ${failedLine}: metric "http_req_failed" has thresholds rate<0.05 here but rate<0.01 in ${a}: not parts of one test\n`);
    });

    it('usage: no file, the same file twice, --points beside --merge, several files without --merge (exit 2)', async () => {
      const usage = (line: string) => `llmux-bench report: ${line}\nRun 'llmux-bench report --help' for usage.\n`;
      await expectRefused(['--merge'], 2, usage('--merge needs the NDJSON points files of the run'));
      await expectRefused(['--merge', WHOLE, WHOLE], 2, usage(`--merge: ${WHOLE} given twice`));
      await expectRefused(['--merge', WHOLE, '--points', WHOLE], 2, usage('--merge reads the points from its input files; --points does not apply'));
      await expectRefused([WHOLE, WHOLE], 2, usage('expected one input file, got 2 (several NDJSON points files need --merge)'));
    });
  });
});
