import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mockFixture, ONCE, PROBE, probeArgs, readProbe, ROOT, runEngine } from './test-helpers.ts';

const fx = mockFixture();
const out = fx.out;
const once = ONCE;

describe('engine run: flags and exit codes', () => {
  it('rejects a bad flag with exit 2 and one line naming it', async () => {
    const r = await runEngine(['run', '--vus', 'many', PROBE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--vus: expected a number (got \"many\")");
    const unknown = await runEngine(['run', '--nope', PROBE]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown flag '--nope'");
    const env = await runEngine(['run', '-e', 'NOEQUALS', PROBE]);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('--env: expected KEY=VALUE');
  });

  it('wants the run subcommand and an existing script', async () => {
    expect((await runEngine(['start', PROBE])).code).toBe(2);
    const missing = await runEngine(['run', 'does-not-exist.js']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("script 'does-not-exist.js' not found");
  });

  it('exits 107 with the message on a syntax error or a throw in the init stage', async () => {
    const syntax = await runEngine(['run', '-q', join(ROOT, 'engine/testdata/syntax-error.js')]);
    expect(syntax.code).toBe(107);
    expect(syntax.stderr).toMatch(/script error: SyntaxError/);
    const thrown = await runEngine(probeArgs(fx.mock.url, out(), once, { MODE: 'init-throw' }));
    expect(thrown.code).toBe(107);
    expect(thrown.stderr).toContain('boom in init');
  });

  it('exits 104 naming the field on invalid scenario options', async () => {
    const r = await runEngine(probeArgs(fx.mock.url, out(), { scenarios: { bad: { executor: 'constant-vus', vus: 2 } } }));
    expect(r.code).toBe(104);
    expect(r.stderr).toContain('scenarios.bad.duration: required');
    const thr = await runEngine(probeArgs(fx.mock.url, out(), { ...once, thresholds: { http_req_duration: ['p(95)<<3'] } }));
    expect(thr.code).toBe(104);
    expect(thr.stderr).toContain('http_req_duration');
  });

  it('exits 99 when a threshold fails, and stops early with abortOnFail', async () => {
    const r = await runEngine(probeArgs(fx.mock.url, out(), { ...once, thresholds: { http_req_duration: ['max<0'] } }));
    expect(r.code).toBe(99);
    const file = out();
    const started = Date.now();
    const aborted = await runEngine(
      probeArgs(
        fx.mock.url,
        file,
        {
          scenarios: { cv: { executor: 'constant-vus', vus: 1, duration: '30s' } },
          thresholds: { http_reqs: [{ threshold: 'count<3', abortOnFail: true }] },
        },
        { MODE: 'wait', WAIT_MS: '20' },
      ),
    );
    expect(aborted.code).toBe(99);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(aborted.stderr).toContain('abortOnFail');
    expect(readProbe(file).data.metrics.http_reqs.thresholds).toEqual({ 'count<3': { ok: false } });
  });

  it('exits 108 on exec.test.abort() and 110 on exec.test.fail(), still writing the summary', async () => {
    const file = out();
    const r = await runEngine(probeArgs(fx.mock.url, file, { scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: 50 } } }, { MODE: 'abort' }));
    expect(r.code).toBe(108);
    expect(readProbe(file).seen).toHaveLength(3);
    // k6's last line for an aborted test.
    expect(r.stderr).toMatch(/ERRO\[\d{4}\] test aborted: [^\n]+\n$/);
    const failed = await runEngine(probeArgs(fx.mock.url, out(), once, { MODE: 'fail-test' }));
    expect(failed.code).toBe(110);
  });

  it('exits 107 when teardown throws', async () => {
    const r = await runEngine(probeArgs(fx.mock.url, out(), once, { MODE: 'teardown-throw' }));
    expect(r.code).toBe(107);
    expect(r.stderr).toContain('boom in teardown');
  });
});

