// A k6 script for the --workers tests (async style: event-loop VUs): options from __ENV.OPTIONS
// (JSON), behaviour from __ENV.MODE. handleSummary writes the summary data to __ENV.OUT and one
// marker line to stdout, so a test can count its calls. workers-sync.js is its synchronous twin.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const MODE = __ENV.MODE || 'none';
const inTestSum = new Counter('in_test_sum');
const vuIds = new Counter('vu_ids');

export const options = JSON.parse(__ENV.OPTIONS || '{}');

export function setup() {
  check(true, { 'setup ran': (v) => v });
  return { token: 'from-setup' };
}

function record(data) {
  inTestSum.add(exec.scenario.iterationInTest);
  // One sample per VU id (its first iteration): the sum tells whether ids repeat across workers.
  if (__ITER === 0) vuIds.add(__VU);
  if (data.token !== 'from-setup') throw new Error('no setup data');
  if (MODE === 'abort' && exec.scenario.iterationInTest === 5) exec.test.abort('enough');
}

export default async function (data) {
  record(data);
  if (MODE === 'none' || MODE === 'abort') return;
  const res = await http.asyncRequest('GET', `${__ENV.TARGET}/async`);
  group('g', () => {
    check(res, { 'status 200': (r) => r.status === 200 });
  });
}

export function handleSummary(data) {
  return { stdout: 'handleSummary called\n', [__ENV.OUT]: JSON.stringify(data) };
}
