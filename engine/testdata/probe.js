// A k6 script for the engine's tests: options come from __ENV.OPTIONS (JSON), behaviour from
// __ENV.MODE, and handleSummary writes what the VUs saw plus the summary data to __ENV.OUT.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';

const MODE = __ENV.MODE || 'request';
const LAT = __ENV.LAT || '0ms';
// Each VU evaluates this file on its own (k6's per-VU init context); what the VUs saw is gathered
// on globalThis, which the engine's event-loop VUs share (k6's VUs would not).
const seen = (globalThis.__probeSeen ??= []);
const timingErrors = (globalThis.__probeTimingErrors ??= []);
const extra = new Counter('probe_extra');
const latency = new Trend('probe_latency', true);

export const options = JSON.parse(__ENV.OPTIONS || '{}');

if (MODE === 'init-throw') throw new Error('boom in init');

async function chat(extraParams = {}) {
  return http.asyncRequest(
    'POST',
    `${__ENV.TARGET}/v1/chat/completions`,
    JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }),
    { headers: { 'content-type': 'application/json', 'x-mock-latency': LAT }, ...extraParams },
  );
}

export function setup() {
  return { startedBy: __VU, token: 'abc' };
}

async function iteration(data) {
  seen.push({ vu: __VU, iter: __ITER, scenario: exec.scenario.name, inTest: exec.scenario.iterationInTest, env: __ENV.SCEN_ENV || null, t: Date.now(), setupVu: data.startedBy });
  if (MODE === 'log') {
    console.log('hello from vu', __VU);
    Promise.reject(new Error('stray rejection'));
  }
  if (MODE === 'async-group') group('g', async () => {});
  if (MODE === 'async-check') check(1, { 'async check': async () => true });
  if (MODE === 'abort' && exec.scenario.iterationInTest === 2) exec.test.abort('enough');
  if (MODE === 'fail-test') exec.test.fail('marked');
  if (MODE === 'hang') await new Promise((r) => setTimeout(r, 5000));
  if (MODE === 'wait') await new Promise((r) => setTimeout(r, Number(__ENV.WAIT_MS || 100)));
  if (MODE === 'refused') {
    const res = await http.asyncRequest('GET', 'http://127.0.0.1:1/');
    check(res, { 'refused status 0': (r) => r.status === 0, 'refused code 1212': (r) => r.error_code === 1212 });
    return;
  }
  if (MODE === 'timeout') {
    const res = await chat({ timeout: '100ms' });
    check(res, { 'timeout status 0': (r) => r.status === 0, 'timeout code 1050': (r) => r.error_code === 1050 && r.error === 'request timeout' });
    return;
  }
  if (MODE === 'none') return;
  if (MODE === 'types') {
    const bin = await chat({ responseType: 'binary' });
    const none = await chat({ responseType: 'none' });
    const text = await chat();
    check(null, {
      'binary body is an ArrayBuffer': () => bin.body instanceof ArrayBuffer && JSON.parse(new TextDecoder().decode(bin.body)).choices.length === 1,
      'none has no body': () => none.body === null && none.status === 200,
      'json selector': () => text.json('choices.#') === 1 && typeof text.json('choices.0.message.content') === 'string',
      'status_text and JSON form': () => text.status_text === '200 OK' && JSON.parse(JSON.stringify(text)).status_text === '200 OK' && JSON.parse(JSON.stringify(text)).ocsp.status === 'unknown',
    });
    return;
  }
  const res = await chat();
  const t = res.timings;
  // waiting runs from the start of the write, so it contains sending (the write itself).
  const sum = t.waiting + t.receiving;
  if (Math.abs(sum - t.duration) > 1e-6) timingErrors.push(`duration ${t.duration} != ${sum}`);
  if (!(t.sending > 0 && t.sending <= t.waiting)) timingErrors.push(`sending ${t.sending} not in (0, waiting ${t.waiting}]`);
  latency.add(t.waiting);
  check(res, {
    'request as sent': (r) => r.request.method === 'POST' && r.request.headers['Content-Type'][0] === 'application/json' && r.request.body.includes('gpt-4o'),
    'canonical response headers': (r) => r.headers['Content-Type'].startsWith('application/json'),
  });
  group('outer', () => {
    check(res, { 'status is 200': (r) => r.status === 200, 'has choices': (r) => Array.isArray(r.json('choices')) });
    extra.add(1, { kind: 'probe' });
  });
}

export default iteration;
export const second = iteration;

export function teardown(data) {
  if (MODE === 'teardown-throw') throw new Error('boom in teardown');
}

export function handleSummary(data) {
  const out = { seen, timingErrors, data };
  const files = { [__ENV.OUT]: JSON.stringify(out) };
  if (__ENV.OUT2) files[__ENV.OUT2] = 'second file';
  files.stdout = 'summary handled\n';
  return files;
}
