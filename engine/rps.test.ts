import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mockFixture, ROOT, runEngine } from './test-helpers.ts';

const fx = mockFixture();
const SYNC = join(ROOT, 'engine/testdata/sync');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const metricsOf = (file: string): any => JSON.parse(readFileSync(file, 'utf8')).metrics;

/** Runs rps(-async).js; its summary's metrics. */
async function run(script: string, env: Record<string, string>, extra: string[] = []) {
  const file = fx.out();
  const args = ['run', '-q', '--summary-export', file, '-e', `TARGET=${fx.mock.url}`, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), ...extra, join(SYNC, script)];
  const r = await runEngine(args, { timeoutMs: 90_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toContain("option 'rps'");
  return metricsOf(file);
}

describe('options.rps and --rps', () => {
  // A turn every 1000/rps ms from the first request: at most 1 + 1.5 s × rps requests in 1.5 s,
  // however many VUs wait. Without the limit 8 VUs make hundreds against the mock.
  it.each(['rps-async.js', 'rps.js'])('%s: at most rps requests a second over all the VUs; the wait is not in the request timings', async (script) => {
    const m = await run(script, { VUS: script === 'rps.js' ? '4' : '8', RPS: '20' });
    expect(m.http_reqs.count).toBeLessThanOrEqual(31);
    expect(m.http_reqs.count).toBeGreaterThanOrEqual(15);
    // Every VU waits its turn among the others: iterations last far longer than the requests in them.
    expect(m.http_req_duration.med).toBeLessThan(m.iteration_duration.med / 2);
  });

  it('--rps replaces options.rps; --workers 2 splits it between its workers; an --execution-segment instance keeps it whole, as k6', async () => {
    const flag = await run('rps-async.js', { VUS: '8', RPS: '1000' }, ['--rps', '10']);
    expect(flag.http_reqs.count).toBeLessThanOrEqual(16);
    expect(flag.http_reqs.count).toBeGreaterThanOrEqual(8);
    const split = await run('rps-async.js', { VUS: '8', RPS: '20' }, ['--workers', '2']);
    // Two workers at 10 a second each: at most 16 each.
    expect(split.http_reqs.count).toBeLessThanOrEqual(32);
    expect(split.http_reqs.count).toBeGreaterThanOrEqual(15);
    const half = await run('rps-async.js', { VUS: '8', RPS: '20' }, ['--execution-segment', '0:1/2']);
    // Halved, it could not pass 16.
    expect(half.http_reqs.count).toBeLessThanOrEqual(31);
    expect(half.http_reqs.count).toBeGreaterThan(16);
  });

  it('0 means no limit; anything but a whole number is refused, naming the option or the flag', async () => {
    const free = await run('rps-async.js', { VUS: '2', RPS: '0' });
    expect(free.http_reqs.count).toBeGreaterThan(31);
    const bad = await runEngine(['run', '-q', '-e', `TARGET=${fx.mock.url}`, '-e', 'RPS=2.5', join(SYNC, 'rps-async.js')]);
    expect(bad.code).toBe(104);
    expect(bad.stderr.trim()).toBe('invalid options: rps: expected a whole number of requests per second (0: no limit), got 2.5');
    const flag = await runEngine(['run', '--rps', '-1', join(SYNC, 'rps-async.js')]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--rps/);
  });
});
