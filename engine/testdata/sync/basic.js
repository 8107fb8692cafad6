// A k6 script in the usual synchronous style: http.get/post, check, group, sleep, SharedArray,
// custom metrics, per-VU module state and setup data copied per VU.
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { SharedArray } from 'k6/data';
import { Counter } from 'k6/metrics';
import exec from 'k6/execution';

const prompts = new SharedArray('prompts', () => ['one', 'two', 'three'].map((p) => ({ p })));
const perVu = new Counter('per_vu_state');
let myIterations = 0;

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } } };

export function setup() {
  const res = http.get(`${__ENV.TARGET}/health`);
  return { status: res.status, list: [1] };
}

export default function (data) {
  myIterations++;
  // Module state is per VU: each VU counts its own iterations 1, 2, 3.
  perVu.add(myIterations === exec.vu.iterationInInstance + 1 ? 1 : 0);
  // Setup data is a copy per VU: a change here is not seen by the other VU.
  data.list.push(__VU);
  check(data, { 'setup data is per VU': (d) => d.status === 200 && d.list.length === myIterations + 1 && d.list.every((x, i) => i === 0 || x === __VU) });
  group('chat', () => {
    const res = http.post(`${__ENV.TARGET}/v1/chat/completions`, JSON.stringify({ model: 'm', messages: [{ role: 'user', content: prompts[__ITER % prompts.length].p }], max_tokens: 3 }), {
      headers: { 'Content-Type': 'application/json' },
    });
    check(res, { 'chat 200': (r) => r.status === 200, 'chat has choices': (r) => r.json('choices.#') === 1 });
  });
  const t0 = Date.now();
  sleep(0.05);
  check(null, { 'sleep blocks': () => Date.now() - t0 >= 45 });
  const [a, b] = http.batch([`${__ENV.TARGET}/health`, ['GET', `${__ENV.TARGET}/health`]]);
  check(a, { 'batch ok': () => a.status === 200 && b.status === 200 });
}
