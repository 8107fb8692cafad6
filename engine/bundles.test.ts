// The real scenario bundles (npm run build → dist/*.js) under the engine, against the real mock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMock } from '../mock/server.ts';
import { ensureBuilt } from '../runner/engines/build.ts';
import { ROOT, runEngine, tempDir } from './test-helpers.ts';

let mock: RunningMock;
const tmp = tempDir();

beforeAll(async () => {
  await ensureBuilt();
  mock = await startMockServer({ port: 0, latencyMs: 5, itlMs: 1, tokens: 5 });
});
afterAll(async () => {
  await mock.close();
  tmp.cleanup();
});

const bundle = (name: string) => join(ROOT, 'dist', `${name}.js`);

describe.each(['basic', 'streaming'])('dist/%s.js', (scenario) => {
  it('runs under the engine and writes its summary with the llmux key', async () => {
    const env = { TARGET: mock.url, REQUESTS: '40', CONCURRENCY: '4', OUTPUT: tmp.dir, NAME: `engine-${scenario}` };
    const args = ['run', '-q', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), bundle(scenario)];
    const r = await runEngine(args);
    expect(r.stderr).not.toContain('ERRO');
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(tmp.dir, `engine-${scenario}.summary.json`), 'utf8'));
    expect(summary.llmux).toMatchObject({ scenario, name: `engine-${scenario}`, target: mock.url, requests: 40, concurrency: 4 });
    expect(summary.metrics.http_reqs.values.count).toBe(40);
    expect(summary.metrics.http_req_failed.values.rate).toBe(0);
    expect(summary.metrics.checks.values.fails).toBe(0);
    if (scenario === 'streaming') {
      expect(summary.metrics.ttft.values['p(50)']).toBeGreaterThanOrEqual(5);
      expect(summary.metrics.output_tokens.values.count).toBe(40 * 5);
      expect(summary.metrics.stream_ok.values.rate).toBe(1);
    }
    expect(JSON.stringify(summary)).not.toContain('benchmark-test-key');
  });
});
