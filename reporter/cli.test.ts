// `llmux-bench report` and `llmux-bench compare` in-process: exit codes, messages, files written.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main as compare } from './compare-cli.ts';
import { main as bench } from '../runner/cli.ts';
import { main as report } from './report-cli.ts';

const fixturePath = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const bin = fileURLToPath(new URL('../bin/llmux-bench.mjs', import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(fixturePath(name), 'utf8'));

let dir: string;
let out: string;
let err: string;

async function run(command: (argv: string[]) => Promise<number>, argv: string[]): Promise<number> {
  out = '';
  err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    return await command(argv);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'llmux-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('llmux-bench report', () => {
  it('writes <name>_<UTC stamp>.json, prints the path, warnings on stderr, never overwrites', async () => {
    const input = fixturePath('constructed/handle-summary-concurrency-open.json');
    expect(await run(report, [input, '--output', dir])).toBe(0);
    expect(out).toBe(`${path.join(dir, 'plateaus_20261128_060000.json')}\n`);
    expect(err).toBe(
      'warning: warm-up: llmux.warmup_s is 2 but the summary has no {phase:measure} submetrics; the numbers include the warm-up\n' +
        'warning: plateaus[].rps: null (plateaus 10, 100 are not the plan for concurrency 100: 10, 25, 50, 100)\n',
    );
    const written = JSON.parse(await readFile(out.trim(), 'utf8'));
    expect(written.schema_version).toBe(1);
    expect(written.source.format).toBe('k6-handle-summary');
    expect(await run(report, [input, '--output', dir, '--name', 'a b/c', '--target', 'http://proxy:4000', '--scenario', 'custom'])).toBe(0);
    expect(path.basename(out.trim())).toBe('a-b-c_20261128_060000.json');
    const renamed = JSON.parse(await readFile(out.trim(), 'utf8'));
    expect([renamed.name, renamed.target, renamed.scenario]).toEqual(['a b/c', 'http://proxy:4000', 'custom']);
    expect(await run(report, [input, '--output', dir])).toBe(0);
    expect(path.basename(out.trim())).toBe('plateaus_20261128_060000_2.json');
  });

  it('--engine and --engine-version record the load generator; else the input\'s, else null', async () => {
    const summary = fixturePath('engine/engine-basic.summary.json');
    const written = async () => JSON.parse(await readFile(out.trim(), 'utf8'));
    expect(await run(report, [summary, '--output', dir, '--engine', 'embedded', '--engine-version', '0.1.0'])).toBe(0);
    expect((await written()).engine).toEqual({ name: 'embedded', version: '0.1.0' });
    expect(await run(report, [summary, '--output', dir, '--engine', 'k6'])).toBe(0);
    expect((await written()).engine).toEqual({ name: 'k6', version: null });
    expect(await run(report, [summary, '--output', dir])).toBe(0);
    expect((await written()).engine).toBeNull();
    const machine = fixturePath('constructed/machine-readable-v1.json');
    expect(await run(report, [machine, '--output', dir])).toBe(0);
    expect((await written()).engine).toEqual({ name: 'k6', version: '1.5.0' });
    expect(await run(report, [machine, '--output', dir, '--engine', 'embedded', '--engine-version', '2.0.0'])).toBe(0);
    expect((await written()).engine).toEqual({ name: 'embedded', version: '2.0.0' });
    const go = fixturePath('constructed/go-runner-result.json');
    expect(await run(report, [go, '--output', dir, '--engine', 'k6', '--engine-version', '1.4.2'])).toBe(0);
    expect((await written()).engine).toEqual({ name: 'k6', version: '1.4.2' });
  });

  it('--engine accepts only k6 or embedded; --engine-version needs it', async () => {
    const summary = fixturePath('engine/engine-basic.summary.json');
    expect(await run(report, [summary, '--output', dir, '--engine', 'gatling'])).toBe(2);
    expect(err).toContain('--engine: expected k6 or embedded (got "gatling")');
    expect(await run(report, [summary, '--output', dir, '--engine-version', '1.0.0'])).toBe(2);
    expect(err).toContain('--engine-version needs --engine');
    expect(await readdir(dir)).toEqual([]);
  });

  it('prints what could not be measured', async () => {
    expect(await run(report, [fixturePath('summary-export-legacy.json'), '--output', dir])).toBe(0);
    expect(err).toContain('warning: latency_p99: null (http_req_duration has no p(99); add it to summaryTrendStats)\n');
    expect(JSON.parse(await readFile(out.trim(), 'utf8')).latency_p99).toBeNull();
  });

  it('names the file and JSON path of bad input, and writes nothing', async () => {
    const data = fixture('handle-summary-p9999.json');
    data.metrics.http_reqs.values.count = 'many';
    const bad = path.join(dir, 'x.json');
    await writeFile(bad, JSON.stringify(data));
    expect(await run(report, [bad, '--output', path.join(dir, 'out')])).toBe(1);
    expect(err).toBe(`llmux-bench report: ${bad}: metrics.http_reqs.values.count: expected number, received string\n`);
    await writeFile(bad, '{"metrics": ');
    expect(await run(report, [bad, '--output', path.join(dir, 'out')])).toBe(1);
    expect(err).toMatch(new RegExp(`^llmux-bench report: ${bad}: not valid JSON`));
    expect(await run(report, [path.join(dir, 'missing.json')])).toBe(1);
    expect(err).toContain('missing.json: no such file');
    expect(await readdir(dir)).toEqual(['x.json']);
  });

  it('an output path that cannot be written is one line naming the flag', async () => {
    const summary = fixturePath('engine/engine-basic.summary.json');
    const file = path.join(dir, 'plain-file');
    await writeFile(file, 'x');
    expect(await run(report, [summary, '--output', file])).toBe(1);
    expect(err).toBe(`llmux-bench report: --output: ${file}: exists and is not a directory\n`);
    expect(await run(report, [summary, '--output', path.join(file, 'sub')])).toBe(1);
    expect(err).toBe(`llmux-bench report: --output: ${path.join(file, 'sub')}: a part of the path is not a directory\n`);
    expect(await run(report, [summary, '--output', path.join(dir, 'out'), '--html', path.join(file, 'r.html')])).toBe(1);
    expect(err).toBe(`llmux-bench report: --html: ${file}: exists and is not a directory\n`);
    expect(await readdir(dir)).toEqual(['plain-file']);
  });

  it('--points without --html must name a readable file, since the result records it', async () => {
    const summary = fixturePath('engine/engine-basic.summary.json');
    const missing = path.join(dir, 'gone.ndjson');
    expect(await run(report, [summary, '--output', path.join(dir, 'out'), '--points', missing])).toBe(1);
    expect(err).toBe(`llmux-bench report: --points: ${missing}: no such file\n`);
    expect(await run(report, [summary, '--output', path.join(dir, 'out'), '--points', dir])).toBe(1);
    expect(err).toBe(`llmux-bench report: --points: ${dir}: is a directory\n`);
    expect(await readdir(dir)).toEqual([]);
    const points = fixturePath('engine/basic.ndjson.gz');
    expect(await run(report, [summary, '--output', path.join(dir, 'out'), '--points', points])).toBe(0);
    expect(JSON.parse(await readFile(out.trim(), 'utf8')).points_file).toBe(points);
  });

  it('--html writes a report of the run, and refuses to replace one', async () => {
    const html = path.join(dir, 'run.html');
    const args = [fixturePath('engine/engine-basic.summary.json'), '--output', path.join(dir, 'out'), '--html', html, '--points', fixturePath('engine/basic.ndjson.gz')];
    expect(await run(report, args)).toBe(0);
    expect(err).toBe(`wrote ${html}\n`);
    const text = await readFile(html, 'utf8');
    expect(text).toContain('<title>LLMux benchmark: engine-basic</title>');
    expect(text).toContain('id="chart-ts-rps"');
    expect(JSON.parse(await readFile(out.trim(), 'utf8')).points_file).toBe(fixturePath('engine/basic.ndjson.gz'));
    expect(await run(report, args)).toBe(2);
    expect(err).toContain(`--html: ${html} exists`);
    expect(await readdir(path.join(dir, 'out'))).toHaveLength(1);
  });

  it('usage errors exit 2', async () => {
    expect(await run(report, [])).toBe(2);
    expect(err).toContain('missing the input <file>');
    expect(await run(report, ['a.json', 'b.json'])).toBe(2);
    expect(await run(report, ['a.json', '--bogus'])).toBe(2);
    expect(err).toContain("unknown flag '--bogus'");
  });
});

describe('llmux-bench compare', () => {
  let a: string;
  let b: string;
  beforeEach(async () => {
    a = path.join(dir, 'old.json');
    b = path.join(dir, 'new.json');
    copyFileSync(fixturePath('constructed/go-runner-result.json'), a);
    await writeFile(b, JSON.stringify({ ...fixture('constructed/go-runner-result.json'), name: 'new', latency_p99: 101_000_000, rps: 1900 }));
  });

  it('prints the table and exits 0 without gates', async () => {
    expect(await run(compare, [a, b])).toBe(0);
    expect(out).toMatch(/^metric\s+llmux\s+new\s+Δ\s+ratio\n/);
    expect(out).toContain('latency p99');
  });

  it('exits 1 naming each failed gate, 0 when they hold', async () => {
    expect(await run(compare, [a, b, '--fail-on', 'p99:+10%,rps:-5%'])).toBe(1);
    expect(out).toContain('regression: p99:+10%: FAILED, latency_p99 +10.13% (91.71 ms → 101.00 ms), new vs llmux');
    expect(out).toContain('gate rps:-5%: ok');
    expect(await run(compare, [a, b, '--fail-on', 'p99:+15%,rps:-5%'])).toBe(0);
    expect(await run(compare, [a, b, '--fail-on', 'p99:+10%', '--format', 'json'])).toBe(1);
    expect(JSON.parse(out).gates[0].ok).toBe(false);
    expect(err).toContain('regression: p99:+10%: FAILED');
  });

  it('gates against --baseline when given', async () => {
    // new vs old as baseline: one run is enough.
    expect(await run(compare, [b, '--baseline', a, '--fail-on', 'p99:+10%'])).toBe(1);
    expect(await run(compare, [b, '--baseline', a, '--fail-on', 'p99:+11%'])).toBe(0);
    expect(out).toContain('llmux (baseline)');
    expect(out).toContain('overhead p99');
  });

  it('an overhead gate with --baseline limits the run\'s overhead over the baseline', async () => {
    const summary = fixturePath('engine/engine-basic.summary.json');
    expect(await run(compare, [summary, '--baseline', summary, '--fail-on', 'overhead_p99:+1000ms,p99:+1000ms'])).toBe(0);
    expect(out).toContain('gate overhead_p99:+1000ms: ok, overhead_p99 ±0.00 ms (0.00 ms → 0.00 ms)');
    expect(await run(compare, [b, '--baseline', a, '--fail-on', 'overhead_p99:+9ms'])).toBe(1);
    expect(out).toContain('regression: overhead_p99:+9ms: FAILED, overhead_p99 +9.29 ms');
    expect(await run(compare, [b, '--baseline', a, '--fail-on', 'overhead_p99:+10ms'])).toBe(0);
  });

  it('an --out path that cannot be written is one line and exit 2 (never the exit of a failed gate)', async () => {
    const out = path.join(dir, 'old.json', 'x.md');
    expect(await run(compare, [a, b, '--format', 'md', '--out', out])).toBe(2);
    expect(err).toBe(`llmux-bench compare: --out: ${path.join(dir, 'old.json')}: exists and is not a directory\n`);
    expect(await run(compare, [a, b, '--out', dir, '--force'])).toBe(2);
    expect(err).toBe(`llmux-bench compare: --out: ${dir}: is a directory\n`);
  });

  it('usage errors exit 2 and name the flag', async () => {
    expect(await run(compare, [a, b, '--fail-on', 'p99+10%'])).toBe(2);
    expect(err).toContain("llmux-bench compare: --fail-on: 'p99+10%' is not a gate");
    expect(await run(compare, [a, b, '--format', 'pdf'])).toBe(2);
    expect(err).toContain('--format: expected table, md, json or html (got "pdf")');
    expect(await run(compare, [])).toBe(2);
    expect(await run(compare, [a, path.join(dir, 'nope.json')])).toBe(2);
    expect(err).toContain('nope.json: no such file');
  });

  it('--strict turns a settings mismatch into exit 2', async () => {
    const stream = fixturePath('constructed/handle-summary-streaming.json');
    expect(await run(compare, [a, stream])).toBe(0);
    expect(out).toContain('⚠ runs differ in concurrency (llmux: 100, llmux-stream: 25): the diff may mislead');
    expect(await run(compare, [a, stream, '--strict'])).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('llmux-bench compare: runs differ in concurrency (llmux: 100, llmux-stream: 25) (--strict)');
    expect(await run(compare, [a, b, '--strict'])).toBe(0);
  });

  it('--out writes atomically and never replaces a file without --force', async () => {
    const file = path.join(dir, 'reports', 'cmp.md');
    expect(await run(compare, [a, b, '--format', 'md', '--out', file, '--title', 'nightly'])).toBe(0);
    expect(out).toBe('');
    const first = await readFile(file, 'utf8');
    expect(first).toMatch(/^## nightly\n\n\| metric \| llmux \| new \| Δ \| ratio \|/);
    expect(await run(compare, [b, a, '--format', 'md', '--out', file])).toBe(2);
    expect(err).toContain(`--out: ${file} exists (use --force to replace it)`);
    expect(await readFile(file, 'utf8')).toBe(first);
    expect(await run(compare, [b, a, '--format', 'md', '--out', file, '--force'])).toBe(0);
    expect(await readFile(file, 'utf8')).not.toBe(first);
    expect((await readdir(path.dirname(file))).sort()).toEqual(['cmp.md']);
  });

  it('writes a self-contained HTML report with time series from --points', async () => {
    const file = path.join(dir, 'r.html');
    const summary = fixturePath('engine/engine-basic.summary.json');
    expect(await run(compare, [summary, '--format', 'html', '--points', fixturePath('engine/basic.ndjson.gz'), '--out', file])).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html).toContain('id="chart-ts-rps"');
    expect(html).toContain('id="chart-latency"');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(await run(compare, [a, b, '--points', 'x', '--points', 'y', '--points', 'z'])).toBe(2);
    expect(err).toContain('--points: 3 files for 2 runs');
  });

  it('a missing --points file is one line and exit 2, in a real process', async () => {
    const missing = path.join(dir, 'nonexist.ndjson');
    const summary = fixturePath('engine/engine-basic.summary.json');
    const child = spawnSync(process.execPath, [bin, 'compare', summary, '--format', 'html', '--points', missing, '--out', path.join(dir, 'c.html')], { encoding: 'utf8', timeout: 30_000 });
    expect([child.status, child.stderr]).toEqual([2, `llmux-bench compare: ${missing}: no such file\n`]);
    const reported = spawnSync(process.execPath, [bin, 'report', summary, '--points', missing, '--html', path.join(dir, 'r.html'), '--output', dir], { encoding: 'utf8', timeout: 30_000 });
    expect([reported.status, reported.stderr]).toEqual([1, `llmux-bench report: --points: ${missing}: no such file\n`]);
    expect((await readdir(dir)).sort()).toEqual(['new.json', 'old.json']); // no report, no result
  });
});

describe('llmux-bench bench --compare', () => {
  let a: string;
  let b: string;
  beforeEach(async () => {
    a = path.join(dir, 'old.json');
    b = path.join(dir, 'new.json');
    const go = fixture('constructed/go-runner-result.json');
    await writeFile(a, JSON.stringify(go));
    await writeFile(b, JSON.stringify({ ...go, name: 'new', latency_p99: 101_000_000 }));
  });

  it('passes compare\'s flags through, exit codes included', async () => {
    expect(await run(bench, ['--compare', a, b, '--format', 'md'])).toBe(0);
    expect(out).toMatch(/^\| metric \| llmux \| new \| Δ \| ratio \|/);
    const direct = out;
    expect(await run(compare, [a, b, '--format', 'md'])).toBe(0);
    expect(out).toBe(direct);
    expect(await run(bench, [`--compare=${a}`, b, '--fail-on', 'p99:+10%', '--format', 'json'])).toBe(1);
    expect(JSON.parse(out).gates[0].ok).toBe(false);
    // compare's --baseline takes a file (bench's is a switch).
    expect(await run(bench, ['--compare', b, '--baseline', a, '--fail-on', 'p99:+11%'])).toBe(0);
    expect(out).toContain('llmux (baseline)');
    expect(await run(bench, ['--compare', a, b, '--format', 'pdf'])).toBe(2);
    expect(err).toContain('llmux-bench compare: --format: expected table, md, json or html (got "pdf")');
  });
});
