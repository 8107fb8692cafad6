// Scripts in k6's synchronous style through the real CLI, both ways their VUs can wait (--sync-vus
// loop, the default, and threads), against the real mock and a small local server for redirects,
// cookies, compression, auth, multipart, HTML and remote modules.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFeaturesServer, type FeaturesServer } from './testdata/sync/features-server.ts';
import { mockFixture, ROOT, runEngine as runEngineIn } from './test-helpers.ts';

const fx = mockFixture();
const SYNC = join(ROOT, 'engine', 'testdata', 'sync');
let server: FeaturesServer;

beforeAll(async () => {
  server = await startFeaturesServer({ 'lib.js': "import { twice } from './nested.js';\nexport const answer = twice(21);\n", 'nested.js': 'export const twice = (n) => n * 2;\n' });
});
afterAll(async () => {
  await server?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const summaryOf = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));

describe.each(['loop', 'threads'])('engine run: synchronous scripts, --sync-vus %s', (mode) => {
  const runEngine: typeof runEngineIn = (args, o) => runEngineIn([args[0], '--sync-vus', mode, ...args.slice(1)], o);

  it('runs http, check, group, sleep, batch, SharedArray with per-VU init and per-VU setup data', async () => {
    const file = fx.out();
    const r = await runEngine(['run', '-q', '-e', `TARGET=${fx.mock.url}`, '--summary-trend-stats', 'min,max,count', '--summary-export', file, join(SYNC, 'basic.js')], { timeoutMs: 120_000 });
    expect(r.stderr).not.toContain('ERRO');
    expect(r.code).toBe(0);
    const m = summaryOf(file).metrics;
    expect(m.checks).toMatchObject({ passes: 30, fails: 0 });
    // 1 request in setup + 2 VUs x 3 iterations x (1 chat + 2 batch)
    expect(m.http_reqs.count).toBe(19);
    expect(m.per_vu_state.count).toBe(6);
    expect(m.iterations.count).toBe(6);
    expect(m['http_req_failed'].value).toBe(0);
    const groups = summaryOf(file).root_group.groups;
    expect(groups.chat.checks['chat 200']).toMatchObject({ passes: 6, fails: 0 });
    // One group_duration sample per iteration, in both modes.
    expect(m.group_duration.count).toBe(6);
    expect(m.group_duration.min).toBeGreaterThan(0);
  });

  it('counts what a VU did before it sleeps while it sleeps, with the tags it had then', async () => {
    const file = fx.out();
    const started = Date.now();
    const r = await runEngine(['run', '-q', '--summary-export', file, join(SYNC, 'before-sleep.js')], { timeoutMs: 60_000 });
    // The failed check aborts the run during the 30 s sleep.
    expect(r.code).toBe(99);
    expect(Date.now() - started).toBeLessThan(20_000);
    const m = summaryOf(file).metrics;
    expect(m.checks).toMatchObject({ passes: 100, fails: 1 });
    expect(m['tagged{kind:first}']).toMatchObject({ min: 1, max: 1 });
    expect(m['tagged{kind:second}']).toMatchObject({ min: 2, max: 2 });
  });

  it('counts the checks of a VU that never yields while it runs', async () => {
    const started = Date.now();
    const r = await runEngine(['run', '-q', join(SYNC, 'busy-checks.js')], { timeoutMs: 60_000 });
    expect(r.code).toBe(99);
    // The loop would run 30 s; its checks cross at least every 100 ms, the abort follows the next threshold evaluation.
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  it("follows k6's HTTP client: redirects, cookies, compression, basic and digest auth, multipart, userAgent, res.html()", async () => {
    const file = fx.out();
    const seenBefore = server.seen.length;
    const r = await runEngine(['run', '-q', '-e', `TARGET=${server.url}`, '--summary-export', file, join(SYNC, 'http-client.js')], { timeoutMs: 120_000 });
    expect(r.stderr).not.toContain('ERRO');
    expect(r.code).toBe(0);
    const m = summaryOf(file).metrics;
    expect(m.checks).toMatchObject({ passes: 22, fails: 0 });
    // The global limit warns once (maxRedirects 3); an explicit `redirects: 0` does not.
    expect(r.stderr.match(/Stopped after 3 redirects/g)).toHaveLength(1);
    const digest = server.seen.slice(seenBefore).filter((s) => s.url === '/digest');
    expect(digest.map((s) => (s.headers.authorization ?? '').split(' ')[0])).toEqual(['', 'Digest']);
  });

  it('stops a synchronous busy loop at duration + gracefulStop, and on SIGINT (exit 105)', async () => {
    const started = Date.now();
    const r = await runEngine(['run', '-e', 'DURATION=1s', '-e', 'GRACEFUL_STOP=1s', join(SYNC, 'busy-loop.js')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/test run duration: 2\.\d+s|test run duration: 2s/);
    expect(Date.now() - started).toBeLessThan(45_000);

    let sentAt = 0;
    const interrupted = await runEngine(['run', join(SYNC, 'busy-loop.js')], {
      timeoutMs: 60_000,
      onStart: (child) => {
        let err = '';
        child.stderr!.on('data', (d) => {
          err += d;
          if (sentAt === 0 && err.includes('scenarios:')) {
            sentAt = Date.now();
            setTimeout(() => child.kill('SIGINT'), 1000);
          }
        });
      },
    });
    expect(interrupted.code).toBe(105);
    // 1 s before the signal, 2 s of grace, then the worker is terminated.
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    expect(interrupted.stderr).toContain('stopping: interrupted');
  });

  it('ends a process whose async function blocks the event loop past the deadline, saying why', async () => {
    const started = Date.now();
    const r = await runEngine(['run', '-q', join(SYNC, 'async-busy-loop.js')], { timeoutMs: 60_000 });
    expect(r.signal).toBe('SIGKILL');
    expect(r.stderr).toContain('the script has blocked the event loop');
    expect(Date.now() - started).toBeLessThan(40_000);
  });

  it('warns loudly when every iteration threw and no request was made; a Rate threshold without samples fails', async () => {
    const r = await runEngine(['run', '-q', join(SYNC, 'throws.js')], { timeoutMs: 60_000 });
    expect(r.stderr).toContain('!!! WARNING: the test made no HTTP request: every one of the 3 iterations threw an error');
    expect(r.stderr).toContain('Error: invalid URL: parse "not a url": not an absolute URL');
    expect(r.stderr).not.toContain('Request Failed');
    expect(r.code).toBe(99);
  });

  it.each(['request-failed.js', 'request-failed-async.js'])('%s: a failed request logs "Request Failed" and returns status 0 with its code; options.throw makes it throw', async (script) => {
    const file = fx.out();
    const r = await runEngine(['run', '-q', '--summary-export', file, join(SYNC, script)], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const failed = r.stderr.split('\n').filter((l) => l.includes('Request Failed'));
    expect(failed).toHaveLength(3);
    expect(failed[0]).toMatch(/^WARN\[\d{4}\] Request Failed {30} error="dial: connection refused"$/);
    expect(failed[1]).toContain('error="invalid URL: parse \\"not a url\\": not an absolute URL"');
    expect(failed[2]).toContain('error="unsupported protocol scheme \\"ftp\\" in \\"ftp://127.0.0.1/x\\""');
    expect(r.stderr).toContain('refused 0 1212 | bad 0 1020 invalid URL | ftp 0 1000');
    // Only the request that was sent counts in http_reqs (none for a URL the client cannot request).
    expect(summaryOf(file).metrics.http_reqs.count).toBe(1);
    const thrown = await runEngine(['run', '-q', join(SYNC, 'request-throw.js')], { timeoutMs: 60_000 });
    expect(thrown.code).toBe(0);
    expect(thrown.stderr).toContain('thrown: dial: connection refused');
    expect(thrown.stderr).not.toContain('Request Failed');
  });

  it.each([
    [[], 6],
    [['-e', 'BATCH=3'], 3],
    [['-e', 'PER_HOST=2'], 2],
    [['-e', 'PER_HOST=0'], 8],
  ])('http.batch keeps to options.batch and batchPerHost (%j: %i at once)', async (env, most) => {
    const r = await runEngine(['run', '-q', '--no-summary', '-e', `TARGET=${server.url}`, ...env, join(SYNC, 'batch-limits.js')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`most at once: ${most}; statuses 200,200,200,200,200,200,200,200`);
  });

  it('connects names in options.hosts to their address, keeping the URL and Host header', async () => {
    const addr = server.url.slice('http://'.length);
    const port = addr.split(':')[1];
    const r = await runEngine(['run', '-q', '--no-summary', '-e', `ADDR=${addr}`, '-e', `PORT=${port}`, join(SYNC, 'hosts.js')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`plain 200 api.example.test ${addr} no-tls | wild 200 a.b.wild.test:${port} | port 200 port.test:${port}`);
    const bad = await runEngine(['run', '-q', '-e', 'ADDR=localhost:1', '-e', `PORT=${port}`, join(SYNC, 'hosts.js')], { timeoutMs: 60_000 });
    expect(bad.code).toBe(104);
    expect(bad.stderr).toContain(`invalid options: hosts['api.example.test']: expected an IP address or IP:port, got "localhost:1"`);
  });

  it.each(['vu-tags.js', 'vu-tags-async.js'])('%s: exec.vu.metrics.tags reads the run, scenario and group tags and the script\'s own', async (script) => {
    const r = await runEngine(['run', '-q', '--no-summary', join(SYNC, script)], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('in group: global=g,group=::g1,mine=x,sc=aa,scenario=s1');
    expect(r.stderr).toContain('after: global=g,group=,sc=aa,scenario=s1');
  });

  it.each(['metric-values.js', 'metric-values-async.js'])('%s: custom metrics take values as k6 and warn about the ones they refuse', async (script) => {
    const file = fx.out();
    const r = await runEngine(['run', '-q', '--summary-export', file, join(SYNC, script)], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('trend true,true,true,true,false,false,false,false | rate true,true,true,false');
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('WARN['));
    expect(warnings.map((l) => l.replace(/^WARN\[\d{4}\] /, ''))).toEqual([
      "'NaN' is an invalid value for metric 'values_trend', a number or a boolean value is expected",
      "no value was provided for metric 'values_trend', a number or a boolean value is expected",
      "'null' is an invalid value for metric 'values_trend', a number or a boolean value is expected",
      "'abc' is an invalid value for metric 'values_trend', a number or a boolean value is expected",
      "'abc' is an invalid value for metric 'values_rate', a number or a boolean value is expected",
    ]);
    const m = summaryOf(file).metrics;
    expect(m.values_trend).toMatchObject({ avg: 6.5, min: 1, max: 12 });
    expect(m.values_rate).toMatchObject({ passes: 1, fails: 2 });
  });

  it.each(['life-cycle-scope.js', 'life-cycle-scope-async.js'])('%s: setup(), teardown() and handleSummary() each get their own init scope', async (script) => {
    const r = await runEngine(['run', '-q', join(SYNC, script)], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.includes(': counter'));
    expect(lines.map((l) => l.replace(/^INFO\[\d{4}\] /, ''))).toEqual(['setup: counter 100  source=console', 'teardown: counter 0  source=console', 'handleSummary: counter 0  source=console']);
  });

  it.each(['min-iteration.js', 'min-iteration-async.js'])('%s: options.minIterationDuration spaces the iterations of a VU', async (script) => {
    const file = fx.out();
    const r = await runEngine(['run', '-q', '--summary-export', file, join(SYNC, script)], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const at = [...r.stderr.matchAll(/iteration (\d) at (\d+)/g)].map((m) => Number(m[2]));
    expect(at).toHaveLength(3);
    // Taken where the iteration runs (a worker's message later than the main thread's start, and a
    // timer may fire a few ms early): well above the few ms between iterations without the option.
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(250);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(250);
    expect(summaryOf(file).metrics.iteration_duration.max).toBeLessThan(250);
  });

  it('options.httpDebug logs the exchange; an option the engine lacks is named in a warning', async () => {
    const r = await runEngine(['run', '-q', '--no-summary', '-e', `TARGET=${server.url}`, join(SYNC, 'http-debug-option.js')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: option 'dns' is not supported by the embedded engine and is ignored");
    expect(r.stderr).toContain('Request:\nPOST /echo HTTP/1.1\n');
    expect(r.stderr).toContain('\nping\n');
    expect(r.stderr).toContain('Response:\nHTTP/1.1 200 OK\n');
  });

  it.each(['main.js', 'main-async.js'])('open/%s: open() resolves against the module whose init code calls it', async (script) => {
    const r = await runEngine(['run', '-q', '--no-summary', join(SYNC, 'open', script)], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('users ann,bob; note: beside the entry script');
  });

  it('https: a self-signed certificate is refused unless insecureSkipTLSVerify; the response names its TLS version, cipher and address', async () => {
    const key = readFileSync(join(ROOT, 'engine', 'testdata', 'tls-test-key.pem'));
    const cert = readFileSync(join(ROOT, 'engine', 'testdata', 'tls-test-cert.pem'));
    const tls = createHttpsServer({ key, cert }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const target = `https://localhost:${(tls.address() as AddressInfo).port}`;
    try {
      const refused = await runEngine(['run', '-q', '--no-summary', '-e', `TARGET=${target}`, '-e', 'INSECURE=0', join(SYNC, 'tls.js')], { timeoutMs: 60_000 });
      expect(refused.code).toBe(0);
      expect(refused.stderr).toMatch(/status 0 error_code 1\d{3} /);
      const ok = await runEngine(['run', '-q', '--no-summary', '-e', `TARGET=${target}`, '-e', 'INSECURE=1', join(SYNC, 'tls.js')], { timeoutMs: 60_000 });
      expect(ok.code).toBe(0);
      expect(ok.stderr).toMatch(/status 200 error_code 0 tls1\.3 TLS_(AES|CHACHA20)_\w+ 127\.0\.0\.1/);
    } finally {
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });

  it('vus ends on the VUs that ran, as k6 samples it', async () => {
    const file = fx.out();
    const r = await runEngine(['run', '-q', '--summary-export', file, join(SYNC, 'vus-gauge.js')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(summaryOf(file).metrics.vus).toMatchObject({ value: 2, max: 2 });
  });

  it('refuses a batch option that is not a whole number', async () => {
    const r = await runEngine(['run', '-q', '-e', `TARGET=${server.url}`, '-e', 'BATCH=0', join(SYNC, 'batch-limits.js')], { timeoutMs: 60_000 });
    expect(r.code).toBe(104);
    expect(r.stderr).toContain('invalid options: batch: expected a whole number of at least 1, got 0');
  });

  it("refuses async callbacks of check() and group() with k6's messages", async () => {
    const file = join(fx.dir, `async-callbacks-${mode}.js`);
    writeFileSync(
      file,
      [
        "import http from 'k6/http';",
        "import { check, group } from 'k6';",
        'export const options = { iterations: 2 };',
        'export default function () {',
        '  http.get(`${__ENV.TARGET}/health`);',
        "  if (__ITER === 0) check(1, { 'async': async () => true });",
        "  else group('g', async () => {});",
        '}',
      ].join('\n'),
    );
    const r = await runEngine(['run', '-q', '--no-summary', '-e', `TARGET=${fx.mock.url}`, file], { timeoutMs: 60_000 });
    expect(r.stderr).toContain('the built-in check() does not support async functions as arguments.');
    expect(r.stderr).toContain('group() does not support async functions as arguments');
  });

  it('refuses a request from the init context, made in a helper function, before sending it', async () => {
    const file = join(fx.dir, `init-request-${mode}.js`);
    writeFileSync(file, ["import http from 'k6/http';", 'function fetchToken() { return http.get(`${__ENV.TARGET}/health`).status; }', 'const token = fetchToken();', 'export default function () {}'].join('\n'));
    const before = server.seen.length;
    const r = await runEngine(['run', '-q', '--no-summary', '-e', `TARGET=${server.url}`, file], { timeoutMs: 60_000 });
    expect(r.code).toBe(107);
    expect(r.stderr).toContain('making HTTP requests in the init context is not supported; move the request into default(), setup() or teardown()');
    expect(server.seen.length).toBe(before);
  });

  it('--no-summary, --tag, --stage, --out csv and --summary-trend-stats, as k6', async () => {
    const csv = join(fx.dir, `points-${mode}.csv`);
    const r = await runEngine(['run', '--no-summary', '--tag', 'team=llmux', '--stage', '1s:2', '--out', `csv=${csv}`, '-e', `TARGET=${fx.mock.url}`, join(SYNC, 'stage.js')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`        output: csv (${csv})\n\n     scenarios: (100.00%) 1 scenario, 2 max VUs, 31s max duration (incl. graceful stop):\n`);
    expect(r.stderr).toContain('* default: Up to 2 looping VUs for 1s over 1 stages (gracefulRampDown: 30s, gracefulStop: 30s)\n');
    const file = fx.out();
    const t = await runEngine(['run', '-q', '-i', '1', '--summary-trend-stats', 'avg,p(99)', '--summary-export', file, '-e', `TARGET=${fx.mock.url}`, join(SYNC, 'stage.js')], { timeoutMs: 60_000 });
    expect(t.code).toBe(0);
    expect(Object.keys(summaryOf(file).metrics.http_req_duration).sort()).toEqual(['avg', 'p(99)']);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata');
    const req = lines.find((l) => l.startsWith('http_reqs,'))!;
    expect(req).toContain(',GET,');
    expect(req).toContain('team=llmux');
  });

  it('imports remote modules once and reruns offline from the cache; runs .ts entry scripts', async () => {
    const cache = join(fx.dir, 'module-cache');
    const remote = await startFeaturesServer({ 'lib.js': "import { twice } from './nested.js';\nexport const answer = twice(21);\n", 'nested.js': 'export const twice = (n) => n * 2;\n' });
    const script = join(fx.dir, 'remote.ts');
    writeFileSync(
      script,
      [
        "import { check } from 'k6';",
        `import { answer } from '${remote.url}/modules/lib.js';`,
        'const typed: number = answer;',
        'export const options = { iterations: 1 };',
        "export default function (): void { check(typed, { 'remote answer': (v: number) => v === 42 }); }",
      ].join('\n'),
    );
    const file = fx.out();
    const prev = process.env.LLMUX_MODULE_CACHE;
    process.env.LLMUX_MODULE_CACHE = cache;
    try {
      const first = await runEngine(['run', '-q', '--summary-export', file, script], { timeoutMs: 60_000 });
      expect(first.stderr).not.toContain('error');
      expect(summaryOf(file).metrics.checks.passes).toBe(1);
      expect(remote.seen.map((s) => s.url)).toEqual(['/modules/lib.js', '/modules/nested.js']);
      await remote.close();
      const file2 = fx.out();
      const second = await runEngine(['run', '-q', '--summary-export', file2, script], { timeoutMs: 60_000 });
      expect(second.code).toBe(0);
      expect(summaryOf(file2).metrics.checks.passes).toBe(1);
    } finally {
      if (prev === undefined) delete process.env.LLMUX_MODULE_CACHE;
      else process.env.LLMUX_MODULE_CACHE = prev;
    }
  });
});
