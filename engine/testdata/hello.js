import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const hits = new Counter('hits');
export const options = { vus: 2, iterations: 6, thresholds: { http_req_duration: ['p(95)<5000'] } };

export default async function () {
  const res = await http.asyncRequest('GET', `${__ENV.TARGET}/health`);
  check(res, { 'status 200': (r) => r.status === 200 });
  await group('g1', async () => {
    hits.add(1, { vu: String(__VU) });
  });
  console.log(`vu=${__VU} iter=${__ITER} exec=${exec.vu.idInTest} status=${res.status} waiting=${res.timings.waiting.toFixed(2)}`);
}
