// rps.js on event-loop VUs.
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: Number(__ENV.VUS || 4), duration: '1500ms', gracefulStop: '0s' } },
  rps: __ENV.RPS === undefined ? 20 : JSON.parse(__ENV.RPS),
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.TARGET}/health`);
}
