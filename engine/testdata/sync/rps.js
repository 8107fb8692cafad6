// options.rps: at most RPS requests a second over all the VUs. gracefulStop 0: the VUs still
// waiting for their turn when the duration ends are interrupted, their requests never sent.
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: Number(__ENV.VUS || 4), duration: '1500ms', gracefulStop: '0s' } },
  rps: __ENV.RPS === undefined ? 20 : JSON.parse(__ENV.RPS),
};

export default function () {
  http.get(`${__ENV.TARGET}/health`);
}
