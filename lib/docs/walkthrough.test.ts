// The README's first ten minutes and the tested gateway recipes, run as written: the shell blocks
// are taken from the pages and run with bash against Debian's nginx. Only what a test must change
// is changed: the fixed ports become free ones, /tmp/<dir> and results/ become temporary folders,
// and each bench run is cut to a few requests.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, newMark, processesWithMark } from '../../runner/bench-test-helpers.ts';
import { ROOT } from './generate.ts';

const LIGHT_LOAD = '--requests 40 --concurrency 4 --warmup 0 --quiet';

/** The fenced sh blocks of a page, in order. */
const shellBlocks = (page: string): string[] =>
  [...readFileSync(join(ROOT, page), 'utf8').matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]);

const blockWith = (page: string, needle: string): string => {
  const block = shellBlocks(page).find((b) => b.includes(needle));
  if (!block) throw new Error(`${page}: no sh block contains ${needle}`);
  return block;
};

interface Localized {
  dir: string;
  out: string;
  mark: string;
}

async function localize(script: string, extra = ''): Promise<{ script: string } & Localized> {
  const dir = mkdtempSync(join(tmpdir(), 'docs-walkthrough-'));
  chmodSync(dir, 0o755); // nginx workers run as an unprivileged user when the master is root
  const out = join(dir, 'results');
  let text = script.replace(/\/tmp\/([\w-]+)/g, (_, name: string) => join(dir, name)).replace(/(?<![\w/])results\//g, `${out}/`);
  for (const port of new Set([...text.matchAll(/127\.0\.0\.1:(80\d\d)\b/g)].map((m) => m[1]))) {
    text = text.replaceAll(`127.0.0.1:${port}`, `127.0.0.1:${await freePort()}`);
  }
  text = text.replaceAll('npm run bench --', `npm run -s bench -- ${LIGHT_LOAD} ${extra} --output ${out}/`);
  return { script: text, dir, out, mark: newMark() };
}

function bash(script: string, mark: string) {
  const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LLMUX_TEST_MARK: mark, NO_COLOR: '1' },
    timeout: 300_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const results = (out: string) => readdirSync(out).filter((f) => f.endsWith('.json')).sort();
const read = (out: string, prefix: string) => JSON.parse(readFileSync(join(out, results(out).find((f) => f.startsWith(prefix))!), 'utf8'));

describe('the README walkthrough, run as written', { timeout: 600_000 }, () => {
  it('benchmarks nginx with one and two workers, compares them and writes the HTML report', async () => {
    const step2 = await localize(blockWith('README.md', "worker_processes 2;"));
    const bench = bash(step2.script, step2.mark);
    expect(bench.err, 'step 2').not.toMatch(/llmux-bench bench: /);
    expect(bench.code, bench.err).toBe(0);
    expect(results(step2.out).map((f) => f.replace(/_\d{8}_\d{6}(_\d+)?\.json$/, ''))).toEqual(['baseline', 'baseline', 'nginx-1w', 'nginx-2w']);
    for (const name of ['nginx-1w', 'nginx-2w']) {
      const result = read(step2.out, `${name}_`);
      expect(result.total_requests, name).toBe(40);
      expect(result.failed_requests, name).toBe(0);
      expect(result.memory.source, name).toBe('target-cmd');
      expect(result.memory.peak_rss_bytes, name).toBeGreaterThan(1_000_000);
    }
    expect(processesWithMark(step2.mark)).toEqual([]);

    // Steps 3 and 4 run against step 2's results.
    const steps34 = [blockWith('README.md', '--fail-on'), blockWith('README.md', '--format html')]
      .join('\n')
      .replace(/(?<![\w/])results\//g, `${step2.out}/`)
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('xdg-open'));
    expect(steps34).toHaveLength(3);
    const table = bash(steps34[0], step2.mark);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/^metric +nginx-1w +nginx-2w +Δ +ratio$/m);
    // The gate may hold or fail on a busy machine; either way it is named, and nothing else goes wrong.
    const gate = bash(steps34[1], step2.mark);
    expect([0, 1], gate.err).toContain(gate.code);
    expect(gate.out).toMatch(/^\| metric \| nginx-1w \| nginx-2w \|/m);
    // Markdown carries the gate lines in its footer.
    if (gate.code === 1) expect(gate.out).toMatch(/^- regression: (p99:\+10%|rps:-5%): FAILED, /m);
    else expect(gate.out).not.toMatch(/FAILED/);
    const html = bash(steps34[2], step2.mark);
    expect(html.code, html.err).toBe(0);
    expect(readFileSync(join(step2.out, 'nginx.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });
});

describe('the tested gateway recipes, run as written', { timeout: 600_000 }, () => {
  it.each([
    ['nginx', '--name nginx --scenario streaming', 'nginx'],
    ['a header-routed nginx', '--header "X-Upstream: mock"', 'nginx-routed'],
  ])('%s', async (_, needle, name) => {
    // The baseline is the runner's business (tested in runner/); the recipe's part is the gateway.
    const recipe = await localize(blockWith('docs/gateways.md', needle), '--no-baseline');
    const run = bash(recipe.script, recipe.mark);
    expect(run.code, run.err).toBe(0);
    const result = read(recipe.out, `${name}_`);
    expect(result.total_requests).toBe(40);
    expect(result.failed_requests).toBe(0);
    expect(result.memory.source).toBe('target-cmd');
    expect(processesWithMark(recipe.mark)).toEqual([]);
  });

  it('the header-routed gateway fails every request without its header', async () => {
    const recipe = await localize(blockWith('docs/gateways.md', '--header "X-Upstream: mock"').replace(' --header "X-Upstream: mock"', ''), '--no-baseline');
    const run = bash(recipe.script, recipe.mark);
    expect(run.code, run.err).toBe(99);
    const result = read(recipe.out, 'nginx-routed_');
    expect(result.failed_requests).toBe(40);
    expect(result.errors.http_4xx).toBe(40);
  });
});
