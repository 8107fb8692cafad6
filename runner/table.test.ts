// The summary `npm run bench` prints: open-model numbers and their warning beside the table.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Result } from '../reporter/index.ts';
import { renderBenchSummary } from './table.ts';

const go: Result = JSON.parse(readFileSync(new URL('../reporter/fixtures/constructed/go-runner-result.json', import.meta.url), 'utf8'));

describe('renderBenchSummary', () => {
  it('shows the offered and achieved rate and dropped iterations of an open-model run, with a warning when it fell behind', () => {
    const open: Result = { ...go, name: 'proxy', load: { model: 'open', offered_rps: 100, achieved_rps: 80, dropped_iterations: 40, warmup_seconds: 0 } };
    const text = renderBenchSummary({ result: open, file: 'proxy.json' }, null);
    expect(text).toContain('open model: proxy offered 100.00/s, achieved 80.00/s (80%), 40 dropped iterations');
    expect(text).toMatch(/^rig warning \(proxy\): open model fell behind: achieved 80\.00\/s of the offered 100\.00\/s \(80%\), 40 iterations dropped/m);
  });

  it('no warning when the open-model run kept up', () => {
    const open: Result = { ...go, name: 'proxy', load: { model: 'open', offered_rps: 100, achieved_rps: 99.5, dropped_iterations: 0, warmup_seconds: 0 } };
    const text = renderBenchSummary({ result: open, file: 'proxy.json' }, null);
    expect(text).toContain('open model: proxy offered 100.00/s, achieved 99.50/s (100%), 0 dropped iterations');
    expect(text).not.toContain('rig warning');
  });
});

describe('renderBenchSummary of a doubtful run', () => {
  it('names the partial reason and the target log', () => {
    const run: Result = { ...go, name: 'proxy', partial: true, partial_reason: 'stopped at --max-duration 10m', target_log: 'results/proxy_20261128.target.log' };
    const text = renderBenchSummary({ result: run, file: 'proxy.json' }, null);
    expect(text).toContain('⚠ proxy: partial run (stopped at --max-duration 10m)');
    expect(text).toMatch(/^rig during proxy: .*; PARTIAL \(stopped at --max-duration 10m\)/m);
    expect(text).toContain('target log of proxy: results/proxy_20261128.target.log');
  });
});
