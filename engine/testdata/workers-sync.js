// The synchronous twin of workers.js: k6's blocking http.get and sleep, so each segment worker
// runs its VUs as worker-thread VUs (engine/sync/).
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const inTestSum = new Counter('in_test_sum');

export const options = JSON.parse(__ENV.OPTIONS || '{}');

export function setup() {
  return { token: 'from-setup' };
}

export default function (data) {
  if (data.token !== 'from-setup') throw new Error('no setup data');
  inTestSum.add(exec.scenario.iterationInTest);
  const res = http.get(`${__ENV.TARGET}/sync`);
  check(res, { 'status 200': (r) => r.status === 200 });
  sleep(0.001);
}

export function handleSummary(data) {
  return { stdout: 'handleSummary called\n', [__ENV.OUT]: JSON.stringify(data) };
}
