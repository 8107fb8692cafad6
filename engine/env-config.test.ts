import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnvConfig, underScript } from './env-config.ts';
import { mockFixture, ROOT, runEngine } from './test-helpers.ts';

const fx = mockFixture();
const SYNC = join(ROOT, 'engine/testdata/sync');

describe('readEnvConfig', () => {
  it('reads the K6_* variables k6 reads, in their formats; an empty one is unset', () => {
    const c = readEnvConfig({
      K6_VUS: '3', K6_ITERATIONS: '', K6_DURATION: '1m30s', K6_STAGES: '30s:10, 1m:0', K6_RPS: '50', K6_NO_CONNECTION_REUSE: 'true', K6_THROW: '0',
      K6_MIN_ITERATION_DURATION: '250ms', K6_USER_AGENT: 'gw/1', K6_SUMMARY_TREND_STATS: 'avg,p(99)', K6_TAGS: 'team:gw,env:ci', K6_OUT: 'json=a.json,csv=b.csv',
      K6_NO_THRESHOLDS: 'T', K6_HTTP_DEBUG: 'full', K6_SUMMARY_EXPORT: 's.json', PATH: '/bin',
    });
    expect(c).toEqual({
      vus: 3,
      durationMs: 90_000,
      stages: [{ duration: '30s', target: 10 }, { duration: '1m', target: 0 }],
      out: ['json=a.json', 'csv=b.csv'],
      noThresholds: true,
      summaryExport: 's.json',
      options: { rps: 50, noConnectionReuse: true, throw: false, minIterationDuration: '250ms', userAgent: 'gw/1', summaryTrendStats: ['avg', 'p(99)'], tags: { team: 'gw', env: 'ci' }, httpDebug: 'full' },
    });
  });

  it.each([
    [{ K6_VUS: 'ten' }, 'K6_VUS: expected a whole number, got "ten"'],
    [{ K6_DURATION: 'soon' }, 'K6_DURATION: expected a duration like "30s" or "1m30s", got "soon"'],
    [{ K6_STAGES: '30s' }, 'K6_STAGES: expected DURATION:TARGET pairs like 30s:10,1m:0, got "30s"'],
    [{ K6_NO_CONNECTION_REUSE: 'yes' }, 'K6_NO_CONNECTION_REUSE: expected true or false, got "yes"'],
    [{ K6_TAGS: 'team' }, 'K6_TAGS: expected NAME:VALUE pairs like team:gw,env:ci, got "team"'],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => readEnvConfig(env)).toThrow(message);
  });
});

describe('engine run with K6_* variables', () => {
  it('they replace the script options and its scenarios; the command line replaces them', async () => {
    const file = fx.out();
    // rps.js defines a constant-vus scenario of 1.5 s and rps 20.
    const env = { K6_VUS: '2', K6_ITERATIONS: '6', K6_RPS: '0' };
    const r = await runEngine(['run', '-q', '--summary-export', file, '-e', `TARGET=${fx.mock.url}`, join(SYNC, 'rps-async.js')], { env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).metrics.iterations.count).toBe(6);
    const banner = await runEngine(['run', '--no-summary', '-i', '4', '-e', `TARGET=${fx.mock.url}`, join(SYNC, 'rps-async.js')], { env: { ...env, K6_DURATION: '10s' }, timeoutMs: 60_000 });
    expect(banner.code, banner.stderr).toBe(0);
    expect(banner.stderr).toContain('* default: 4 iterations shared among 2 VUs (maxDuration: 10m0s, gracefulStop: 30s)\n');
  });

  it('a bad value ends the run before it starts: exit 104 and one line naming the variable', async () => {
    const r = await runEngine(['run', join(SYNC, 'rps-async.js')], { env: { K6_ITERATIONS: 'many' } });
    expect(r.code).toBe(104);
    expect(r.stderr).toBe('invalid options: K6_ITERATIONS: expected a whole number, got "many"\n');
    const out = await runEngine(['run', join(SYNC, 'rps-async.js')], { env: { K6_OUT: 'influxdb=http://x' } });
    expect(out.code).toBe(104);
    expect(out.stderr).toBe('invalid options: K6_OUT: expected json=FILE or csv=FILE (got "influxdb=http://x")\n');
  });
});

describe('--config FILE', () => {
  it('lies under the script: its keys win, and its scenarios drop the file\'s shortcuts', () => {
    expect(underScript({ vus: 5, duration: '10s', userAgent: 'file', rps: 3 }, { userAgent: 'script' })).toEqual({ vus: 5, duration: '10s', userAgent: 'script', rps: 3 });
    expect(underScript({ vus: 5, duration: '10s', iterations: 9, stages: [], rps: 3 }, { scenarios: { s: {} } })).toEqual({ vus: 5, rps: 3, scenarios: { s: {} } });
  });

  it('sets the options a script leaves open; K6_* variables and flags go over it; a bad file is named', async () => {
    const config = join(fx.dir, 'k6-config.json');
    writeFileSync(config, JSON.stringify({ vus: 2, iterations: 5, userAgent: 'from-config/1', out: ['json=never.json'] }));
    const script = join(fx.dir, 'open.js');
    writeFileSync(script, "import http from 'k6/http';\nimport exec from 'k6/execution';\nexport default async function () { const r = await http.asyncRequest('GET', `${__ENV.TARGET}/health`); if (exec.scenario.iterationInTest === 0) console.log(`ua ${r.request.headers['User-Agent']}`); }\n");
    const file = fx.out();
    const r = await runEngine(['run', '-c', config, '--summary-export', file, '-e', `TARGET=${fx.mock.url}`, script], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('* default: 5 iterations shared among 2 VUs');
    expect(r.stderr).toContain('ua from-config/1');
    expect(JSON.parse(readFileSync(file, 'utf8')).metrics.iterations.count).toBe(5);
    const over = await runEngine(['run', '--no-summary', '-d', '1s', '-e', `TARGET=${fx.mock.url}`, script], { env: { K6_CONFIG: config, K6_VUS: '3' }, timeoutMs: 60_000 });
    expect(over.code, over.stderr).toBe(0);
    expect(over.stderr).toContain('* default: 3 looping VUs for 1s (gracefulStop: 30s)');
    writeFileSync(config, '{ "vus": 2,');
    const bad = await runEngine(['run', '-c', config, script]);
    expect(bad.code).toBe(104);
    expect(bad.stderr).toMatch(new RegExp(`^invalid options: --config ${config}: not JSON \\(.+\\)\\n$`));
    const missing = await runEngine(['run', '-c', join(fx.dir, 'none.json'), script]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--config: no such file '${join(fx.dir, 'none.json')}'`);
  });
});
